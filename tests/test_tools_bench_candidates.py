"""The benchmark's candidate formulations compute the model's function
with its weights; XLA's figures of a compiled JAX step.

Backend-neutral but the cost analysis (JAX only); run on JAX with
KERAS_BACKEND=jax.
"""

import keras
import numpy as np
import pytest
from test_tools_bench_reference_model import randomised_tiny_model

from madlab_dream import layers
from madlab_dream.layers.encoding import OneHot
from madlab_dream.tools.bench import candidates
from madlab_dream.tools.bench import compiled_calls

JAX = keras.backend.backend() == "jax"


@pytest.mark.parametrize("name,kind", [
    ("shift_attention", "ReferenceTransformerBlock"),
    ("merged_conv", "MergedMultiScaleConv")])
def test_candidates_compute_the_model_with_its_weights(name, kind):
  net = randomised_tiny_model()
  candidate = candidates.candidate_model(net, name)
  assert kind in {type(layer).__name__ for layer in candidate.layers}
  assert [tuple(v.shape) for v in candidate.weights] == [
      tuple(v.shape) for v in net.weights]
  assert len(candidate.losses) == len(net.losses)  # the L2 terms
  codes = np.random.default_rng(1).integers(0, 5, (16, 110), np.uint8)
  for training in (False, True):
    want = np.asarray(net(codes, training=training))
    assert want.std() > 1e-4
    np.testing.assert_allclose(np.asarray(candidate(codes,
                                                    training=training)),
                               want, atol=1e-5, rtol=0)


@pytest.mark.parametrize("kernels", [[15, 20, 25, 30], [2, 3, 6]])
def test_merged_convolutions_equal_the_branches(kernels):
  """Odd and even kernels: each is centred as 'same' padding places it."""
  keras.utils.set_random_seed(2)
  args = dict(filters=6, reduced=3, kernel_sizes=kernels, activation="swish",
              kernel_initializer="he_normal", l2=1e-3)
  branches = layers.MultiScaleConv(**args)
  merged = candidates.MergedMultiScaleConv(**args)
  codes = np.random.default_rng(3).integers(0, 5, (4, 40), np.uint8)
  x = OneHot()(codes)
  branches.build(x.shape)
  merged.build(x.shape)
  for source, target in zip(branches.weights, merged.weights, strict=True):
    target.assign(source)
  for training in (False, True):
    np.testing.assert_allclose(np.asarray(merged(x, training=training)),
                               np.asarray(branches(x, training=training)),
                               atol=1e-5, rtol=0)


def test_an_unknown_candidate_is_refused():
  with pytest.raises(ValueError, match="unknown candidate 'gather'"):
    candidates.candidate_model(randomised_tiny_model(), "gather")


def test_bad_batch_sizes_are_one_line_errors(capsys):
  assert candidates.main(["64", "x"]) == 2
  assert candidates.main([]) == 2
  err = capsys.readouterr().err.strip().splitlines()
  assert len(err) == 2 and all("positive batch sizes" in e for e in err)


@pytest.mark.skipif(not JAX, reason="XLA's figures of a JAX step")
def test_cost_of_a_compiled_step_grows_with_the_batch():
  net = randomised_tiny_model()
  costs = []
  for batch in (8, 32):
    codes, y = compiled_calls.random_batch(batch, 110)
    step = compiled_calls.train_step_call(net, codes, y)
    with pytest.raises(ValueError, match="has run"):
      compiled_calls.train_step_cost(step)
    float(step())
    costs.append(compiled_calls.train_step_cost(step))
  small, large = costs
  assert small["flops"] > 0 and small["temp_bytes"] > 0
  assert 3 < large["flops"] / small["flops"] < 5
  assert large["temp_bytes"] > small["temp_bytes"]
  assert large["argument_bytes"] > small["argument_bytes"]


@pytest.mark.skipif(JAX, reason="the message of another backend")
def test_cost_needs_a_jax_step():
  with pytest.raises(ValueError, match="JAX training step"):
    compiled_calls.train_step_cost(lambda: None)


def test_relative_difference_is_against_the_largest_prediction():
  assert candidates.relative_difference([1e9 + 128.0, 0.0],
                                        [1e9, 1.0]) == pytest.approx(1.28e-7)
  assert candidates.relative_difference([0.0], [0.0]) == 0.0
