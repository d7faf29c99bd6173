"""layers/attention.py: relative shift and attention against NumPy.

Backend-neutral except where marked: tests/test_backends.py also runs this
file on JAX. The TensorFlow-only checks cover graph and XLA modes and an
unknown length, where TensorFlow 2.21's broken oneDNN broadcast batch
matmul once gave wrong values.
"""

import keras
import numpy as np
import pytest
from keras import ops

from madlab_dream import layers

from layer_references import MADLAB_FUNCTIONS
from layer_references import np_attention
from layer_references import randomize_attention

TENSORFLOW = keras.backend.backend() == "tensorflow"
to_numpy = ops.convert_to_numpy


def test_relative_shift_puts_distance_j_minus_i_at_i_j():
  batch, heads, length = 2, 3, 6
  col = np.arange(2 * length - 1) - (length - 1)      # distance of column c
  x = (col[None, None, None, :]
       + 1000.0 * np.arange(length)[None, None, :, None]
       + 1e5 * np.arange(heads)[None, :, None, None]
       + 1e6 * np.arange(batch)[:, None, None, None])
  got = to_numpy(layers.relative_shift(x.astype(np.float32)))
  i, j = np.meshgrid(np.arange(length), np.arange(length), indexing="ij")
  want = ((j - i)[None, None] + 1000.0 * i[None, None]
          + 1e5 * np.arange(heads)[None, :, None, None]
          + 1e6 * np.arange(batch)[:, None, None, None])
  np.testing.assert_array_equal(got, want)


def test_attention_rejects_bad_feature_counts():
  with pytest.raises(ValueError):
    layers.RelativeMultiHeadAttention(1, 8, 8,
                                      num_relative_position_features=10)
  with pytest.raises(ValueError):  # default F = (4 // 6) * 6 = 0
    layers.RelativeMultiHeadAttention(1, 4, 4)


def test_default_feature_count_is_enformers():
  assert layers.RelativeMultiHeadAttention(1, 96, 96).num_features == 96
  assert layers.RelativeMultiHeadAttention(2, 8, 20).num_features == 18
  assert layers.RelativeMultiHeadAttention(
      1, 8, 8, relative_position_functions=[
          "positional_features_cosine"]).num_features == 8


def test_sizes_are_required():
  with pytest.raises(TypeError):
    layers.RelativeMultiHeadAttention()


def compiled_variants(layer):
  """The layer eagerly (repeated), then in a graph and under XLA."""
  runs = [layer] * 3
  if TENSORFLOW:
    import tensorflow as tf
    runs += [tf.function(layer), tf.function(layer, jit_compile=True)]
  elif keras.backend.backend() == "jax":
    import jax
    runs.append(jax.jit(layer))
  return runs


@pytest.mark.parametrize("heads,symmetric,names,num", [
    (1, False, MADLAB_FUNCTIONS, 12),  # one head, as MadLab
    (2, False, MADLAB_FUNCTIONS, 12),
    (2, True, ["positional_features_exponential",
               "positional_features_sin_cos"], 8),
])
def test_attention_matches_numpy_forward(heads, symmetric, names, num):
  rng = np.random.default_rng(0)
  key_size, value_size, length = 3, 5, 9
  layer = layers.RelativeMultiHeadAttention(
      heads, key_size, value_size, num_relative_position_features=num,
      relative_position_functions=names,
      relative_position_symmetric=symmetric)
  x = rng.normal(size=(2, length, 7))
  out = layer(x.astype(np.float32))
  assert out.shape == (2, length, heads * value_size)
  np.testing.assert_array_equal(to_numpy(out), 0.0)  # zero-initialised
  w = randomize_attention(layer, rng)
  want = np_attention(x, w, heads, key_size, value_size, num, names,
                      symmetric)
  assert np.abs(want).max() > 0.1
  x32 = ops.convert_to_tensor(x.astype(np.float32))
  for run in compiled_variants(layer):
    np.testing.assert_allclose(to_numpy(run(x32)), want, rtol=0, atol=2e-4)


@pytest.mark.skipif(not TENSORFLOW, reason="an unknown length is a "
                    "TensorFlow graph's; JAX shapes are always static")
def test_attention_with_unknown_length_matches_known_length():
  import tensorflow as tf
  rng = np.random.default_rng(4)
  layer = layers.RelativeMultiHeadAttention(1, 8, 8)
  x = tf.constant(rng.normal(size=(2, 11, 8)), tf.float32)
  layer(x)
  randomize_attention(layer, rng)
  dynamic = tf.function(layer, input_signature=[tf.TensorSpec([None, None, 8])])
  np.testing.assert_allclose(dynamic(x).numpy(), layer(x).numpy(), atol=1e-5)


def test_attention_parameter_shapes_match_enformer():
  layer = layers.RelativeMultiHeadAttention(1, 96, 96)
  layer.build((None, 110, 96))
  shapes = {v.path.split("/")[-1]: tuple(v.shape) for v in layer.weights}
  assert shapes == {"q_kernel": (96, 96), "k_kernel": (96, 96),
                    "v_kernel": (96, 96), "r_k_kernel": (96, 96),
                    "r_w_bias": (1, 1, 1, 96), "r_r_bias": (1, 1, 1, 96),
                    "output_kernel": (96, 96), "output_bias": (96,)}
  assert layer.count_params() == 4 * 96 * 96 + 2 * 96 + 96 * 96 + 96
