"""layers/conv.py: the multi-scale convolution stack against NumPy.

Backend-neutral: tests/test_backends.py also runs this file on JAX.
"""

import keras
import numpy as np
import pytest
from keras import ops
from layer_references import np_conv_same
from layer_references import swish

from madlab_dream import layers

to_numpy = ops.convert_to_numpy


def test_multi_scale_conv_matches_numpy_forward():
  rng = np.random.default_rng(2)
  layer = layers.MultiScaleConv(filters=5, reduced=3, kernel_sizes=[3, 4],
                                activation="swish", l2=0.0)
  x = rng.normal(size=(2, 8, 4))
  assert layer(x.astype(np.float32)).shape == (2, 8, 3)
  for var in layer.weights:
    low = 0.5 if "moving_variance" in var.path else -1.0
    var.assign(rng.uniform(low, 1.5, var.shape).astype(np.float32))
  p = lambda v: to_numpy(v).astype(np.float64)  # noqa: E731
  want = 0.0
  for branch in layer.branches:
    conv1, bn1, _, conv2, bn2, _ = branch

    def bn(t, b):
      return ((t - p(b.moving_mean)) / np.sqrt(p(b.moving_variance) + 1e-3)
              * p(b.gamma) + p(b.beta))
    h = swish(bn(np_conv_same(x, p(conv1.kernel), p(conv1.bias)), bn1))
    want = want + swish(bn(np_conv_same(h, p(conv2.kernel), p(conv2.bias)),
                           bn2))
  got = to_numpy(layer(x.astype(np.float32), training=False))
  np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_multi_scale_conv_l2_and_distinct_initial_kernels():
  layer = layers.MultiScaleConv(filters=4, reduced=2, kernel_sizes=[3, 3],
                                l2=0.01)
  layer.build((None, 10, 4))
  assert len(layer.losses) == 4  # one L2 term per convolution kernel
  k1, k2 = layer.branches[0][0].kernel, layer.branches[1][0].kernel
  assert not np.allclose(to_numpy(k1), to_numpy(k2))


def test_defaults_are_keras_conv1d_not_madlabs():
  with pytest.raises(TypeError):
    layers.MultiScaleConv()  # pylint: disable=no-value-for-parameter
  config = layers.MultiScaleConv(4, 2, [3]).get_config()
  assert config["activation"] == "linear"
  assert config["kernel_initializer"] == "glorot_uniform"
  assert config["l2"] == 0.0
  layer = layers.MultiScaleConv(4, 2, [3])
  layer.build((None, 10, 4))
  assert not layer.losses


def test_batch_norms_are_synchronised_on_tensorflow_only():
  layer = layers.MultiScaleConv(4, 2, [3])
  layer.build((None, 10, 4))
  norms = [sublayer for sublayer in layer.branches[0]
           if isinstance(sublayer, keras.layers.BatchNormalization)]
  assert len(norms) == 2
  want = keras.backend.backend() == "tensorflow"
  assert all(bn.synchronized is want for bn in norms)


def random_conv(rng, **kwargs):
  """A built MultiScaleConv with random weights and BatchNorm statistics."""
  layer = layers.MultiScaleConv(filters=6, reduced=3, kernel_sizes=[3, 4],
                                activation="swish", **kwargs)
  layer.build((None, 12, 4))
  for var in layer.weights:
    low = 0.3 if "moving_variance" in var.path else -1.0
    var.assign(rng.uniform(low, 1.5, var.shape).astype(np.float32))
  return layer


def test_folded_batch_norm_predicts_the_same_to_1e_5():
  rng = np.random.default_rng(3)
  layer = random_conv(rng)
  folded = layer.fold_batch_norm()
  assert folded.batch_norm is False and layer.batch_norm is True
  assert not any(isinstance(sublayer, keras.layers.BatchNormalization)
                 for branch in folded.branches for sublayer in branch)
  assert len(folded.branches[0]) == 4  # conv, act, conv, act
  x = rng.normal(size=(5, 12, 4)).astype(np.float32)
  want = to_numpy(layer(x, training=False))
  assert np.abs(want).max() > 0.5
  np.testing.assert_allclose(to_numpy(folded(x)), want, rtol=0, atol=1e-5)
  # A copy: training the original afterwards leaves the folded one alone.
  before = to_numpy(folded(x))
  layer.branches[0][1].moving_mean.assign(np.zeros(6, np.float32))
  np.testing.assert_array_equal(to_numpy(folded(x)), before)


def test_folding_needs_batch_norm_and_weights():
  layer = layers.MultiScaleConv(4, 2, [3], batch_norm=False)
  layer.build((None, 10, 4))
  with pytest.raises(ValueError, match="no BatchNorm"):
    layer.fold_batch_norm()
  with pytest.raises(ValueError, match="not built"):
    layers.MultiScaleConv(4, 2, [3]).fold_batch_norm()
  config = layers.MultiScaleConv(4, 2, [3], batch_norm=False).get_config()
  assert config["batch_norm"] is False
  assert layers.MultiScaleConv.from_config(config).batch_norm is False


@pytest.mark.parametrize("settings,name", [
    ({"filters": 0}, "filters"), ({"filters": 4.0}, "filters"),
    ({"reduced": "2"}, "reduced"), ({"kernel_sizes": []}, "kernel_sizes"),
    ({"kernel_sizes": [3, 2.5]}, "kernel_sizes"),
    ({"activation": "bogus"}, "activation"), ({"l2": -1.0}, "l2"),
    ({"kernel_initializer": "bogus"}, "kernel_initializer"),
    ({"batch_norm": 1}, "batch_norm"),
])
def test_arguments_are_checked_with_keras_messages(settings, name):
  with pytest.raises(ValueError, match=f"Received: {name}="):
    layers.MultiScaleConv(**{"filters": 4, "reduced": 2, "kernel_sizes": [3],
                             **settings})
