"""The benchmark's reference formulation computes the model's function."""

import numpy as np
import pytest

from madlab_dream import model as model_lib
from madlab_dream.config import TINY_MODEL
from madlab_dream.tools.bench import reference_model


def randomised_tiny_model():
  """The tiny model with every weight non-trivial (the attention's output
  projection is zero at initialisation; BatchNorm statistics are 0 and 1)."""
  net = model_lib.build_model(TINY_MODEL, seed=3)
  rng = np.random.default_rng(0)
  for v in net.weights:
    values = rng.normal(size=v.shape) * 0.3
    if "moving_variance" in v.path:
      values = 0.5 + np.abs(values)
    v.assign(values.astype(np.float32))
  return net


def test_same_outputs_with_copied_weights():
  net = randomised_tiny_model()
  reference = reference_model.reference_model(net)
  kinds = {type(layer).__name__ for layer in reference.layers}
  assert {"ReferenceTransformerBlock", "Bidirectional"} <= kinds
  assert "TransformerBlock" not in kinds and "BiLSTM" not in kinds
  assert net.count_params() == reference.count_params()
  codes = np.random.default_rng(1).integers(0, 5, (16, 110), np.uint8)
  expected = np.asarray(net(codes, training=False))
  assert expected.std() > 1e-4, expected.std()
  np.testing.assert_allclose(np.asarray(reference(codes, training=False)),
                             expected, atol=1e-5, rtol=0)
  folded = np.asarray(model_lib.inference_model(net)(codes, training=False))
  np.testing.assert_allclose(folded, expected, atol=1e-5, rtol=0)
  # Training mode too (batch statistics).
  np.testing.assert_allclose(np.asarray(reference(codes, training=True)),
                             np.asarray(net(codes, training=True)),
                             atol=1e-5, rtol=0)
  # The weights are copies: changing the reference leaves the model alone.
  head = reference.get_layer("expression").kernel
  head.assign(np.zeros(head.shape, np.float32))
  assert np.abs(np.asarray(net.get_layer("expression").kernel)).max() > 0


def test_relative_shift_picks_the_distance():
  L = 5
  distances = np.arange(2 * L - 1, dtype=np.float32) - (L - 1)
  x = np.broadcast_to(distances, (2, 3, L, 2 * L - 1))
  shifted = np.asarray(reference_model.relative_shift(x))
  i, j = np.meshgrid(np.arange(L), np.arange(L), indexing="ij")
  np.testing.assert_array_equal(shifted[1, 2], j - i)


def test_weights_that_do_not_correspond_are_refused():
  import keras
  a, b = keras.layers.Dense(3), keras.layers.Dense(4)
  a.build((None, 2))
  b.build((None, 2))
  with pytest.raises(ValueError, match="do not correspond"):
    reference_model.copy_weights(a, b)
