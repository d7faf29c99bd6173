"""layers/attention.py: relative shift, gathered relative keys and
attention against NumPy.

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

from layer_references import ATTENTION_WEIGHTS
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


def test_relative_key_indices_hold_the_column_of_distance_j_minus_i():
  length = 5
  want = np.array([[j - i + length - 1 for j in range(length)]
                   for i in range(length)])
  got = layers.relative_key_indices(length)
  np.testing.assert_array_equal(got, want)
  assert got.dtype == np.int32
  as_tensor = layers.relative_key_indices(ops.convert_to_tensor(length))
  np.testing.assert_array_equal(to_numpy(as_tensor), want)
  # Gathering the distances themselves puts distance j - i at (i, j).
  distances = np.arange(-(length - 1), length)
  i, j = np.meshgrid(np.arange(length), np.arange(length), indexing="ij")
  np.testing.assert_array_equal(distances[got], j - i)


def test_relative_logits_setting_is_checked_and_kept_in_the_config():
  with pytest.raises(ValueError, match="relative_logits"):
    layers.RelativeMultiHeadAttention(1, 8, 8, relative_logits="roll")
  layer = layers.RelativeMultiHeadAttention(1, 8, 8, relative_logits="shift")
  config = layer.get_config()
  assert config["relative_logits"] == "shift"
  assert layers.RelativeMultiHeadAttention.from_config(
      config).relative_logits == "shift"
  assert layers.RelativeMultiHeadAttention(1, 8, 8).relative_logits == (
      "gather")


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


@pytest.mark.parametrize("relative_logits", ["gather", "shift"])
@pytest.mark.parametrize("heads,symmetric,names,num", [
    (1, False, MADLAB_FUNCTIONS, 12),  # one head, as MadLab
    (2, False, MADLAB_FUNCTIONS, 12),
    (2, True, ["positional_features_exponential",
               "positional_features_sin_cos"], 8),
])
def test_attention_matches_numpy_forward(heads, symmetric, names, num,
                                         relative_logits):
  rng = np.random.default_rng(0)
  key_size, value_size, length = 3, 5, 9
  layer = layers.RelativeMultiHeadAttention(
      heads, key_size, value_size, num_relative_position_features=num,
      relative_position_functions=names,
      relative_position_symmetric=symmetric, relative_logits=relative_logits)
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


@pytest.mark.parametrize("heads,length,size", [(1, 110, 96), (2, 13, 6)])
def test_gathered_keys_equal_the_shift_and_the_reference_to_1e_5(
    heads, length, size):
  """MadLab's size (L = 110, one head of 96) and a small two-head one, in
  float32, eagerly and compiled (tf.function, XLA; jax.jit on JAX): the
  gathered-keys path equals the Transformer-XL shift path and the float64
  reference written from Enformer's formulas, to 1e-5."""
  keras.utils.set_random_seed(5)  # the layers' initial weights: repeatable
  rng = np.random.default_rng(5)
  kwargs = dict(num_heads=heads, key_size=size, value_size=size,
                num_relative_position_features=12 if size < 12 else None)
  gather = layers.RelativeMultiHeadAttention(**kwargs,
                                             relative_logits="gather")
  shift = layers.RelativeMultiHeadAttention(**kwargs, relative_logits="shift")
  # LayerNorm'd scale; the reference sees the same float32-rounded input.
  x32 = ops.convert_to_tensor(
      rng.normal(size=(2, length, heads * size)).astype(np.float32))
  x = to_numpy(x32).astype(np.float64)
  gather(x32)
  shift(x32)
  # The layer's own initialisation, with the zero output kernel replaced
  # by one that keeps the outputs within about +-1 (float32's rounding of
  # the 96-term sums grows with the output's scale).
  gather.output_kernel.assign(
      rng.normal(0, 0.25 * size ** -0.5, gather.output_kernel.shape).astype(
          np.float32))
  shift.set_weights(gather.get_weights())
  w = {key: to_numpy(getattr(gather, attr)).astype(np.float64)
       for key, attr in ATTENTION_WEIGHTS.items()}
  want = np_attention(x, w, heads, size, size, gather.num_features,
                      MADLAB_FUNCTIONS, False)
  assert np.abs(want).max() > 0.3
  for run_gather, run_shift in zip(compiled_variants(gather),
                                   compiled_variants(shift)):
    got = to_numpy(run_gather(x32))
    np.testing.assert_allclose(got, to_numpy(run_shift(x32)), rtol=0,
                               atol=1e-5)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)


@pytest.mark.skipif(not TENSORFLOW, reason="gradients through "
                    "tf.GradientTape")
def test_gathered_keys_and_shift_have_equal_gradients():
  import tensorflow as tf
  rng = np.random.default_rng(6)
  gather = layers.RelativeMultiHeadAttention(1, 8, 8,
                                             relative_logits="gather")
  shift = layers.RelativeMultiHeadAttention(1, 8, 8, relative_logits="shift")
  x = tf.constant(rng.normal(size=(3, 15, 8)), tf.float32)
  gather(x)
  shift(x)
  randomize_attention(gather, rng)
  shift.set_weights(gather.get_weights())

  def grads(layer, jit):
    @tf.function(jit_compile=jit)
    def run(inp):
      with tf.GradientTape() as tape:
        tape.watch(inp)
        loss = tf.reduce_sum(tf.sin(layer(inp)))
      return tape.gradient(loss, [inp] + layer.trainable_variables)
    return [g.numpy() for g in run(x)]

  for jit in (False, True):
    for a, b in zip(grads(gather, jit), grads(shift, jit)):
      scale = max(1.0, np.abs(b).max())
      np.testing.assert_allclose(a, b, rtol=0, atol=1e-5 * scale)


@pytest.mark.skipif(not TENSORFLOW, reason="an unknown length is a "
                    "TensorFlow graph's; JAX shapes are always static")
@pytest.mark.parametrize("relative_logits", ["gather", "shift"])
def test_attention_with_unknown_length_matches_known_length(relative_logits):
  import tensorflow as tf
  rng = np.random.default_rng(4)
  layer = layers.RelativeMultiHeadAttention(1, 8, 8,
                                            relative_logits=relative_logits)
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
