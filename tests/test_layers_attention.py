"""layers/attention.py: gathered relative keys and the attention against
NumPy float64 references of Enformer's formulation (tests/layer_references.py).

Backend-neutral except where marked: tests/test_backends.py also runs this
file on JAX. The TensorFlow-only checks cover graph and XLA modes and an
unknown length, where TensorFlow 2.21's broken oneDNN broadcast batch
matmul once gave wrong values.
"""

import keras
import numpy as np
import pytest
from keras import ops
from layer_references import ATTENTION_WEIGHTS
from layer_references import MADLAB_FUNCTIONS
from layer_references import np_attention
from layer_references import np_relative_by_index
from layer_references import np_relative_shift
from layer_references import randomize_attention

from madlab_dream import layers
from madlab_dream.layers import attention

TENSORFLOW = keras.backend.backend() == "tensorflow"
to_numpy = ops.convert_to_numpy


@pytest.mark.parametrize("place", [np_relative_shift, np_relative_by_index])
def test_references_put_distance_j_minus_i_at_i_j(place):
  batch, heads, length = 2, 3, 6
  col = np.arange(2 * length - 1) - (length - 1)      # distance of column c
  x = (col[None, None, None, :]
       + 1000.0 * np.arange(length)[None, None, :, None]
       + 1e5 * np.arange(heads)[None, :, None, None]
       + 1e6 * np.arange(batch)[:, None, None, None])
  i, j = np.meshgrid(np.arange(length), np.arange(length), indexing="ij")
  want = ((j - i)[None, None] + 1000.0 * i[None, None]
          + 1e5 * np.arange(heads)[None, :, None, None]
          + 1e6 * np.arange(batch)[:, None, None, None])
  np.testing.assert_array_equal(place(x), want)


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


def test_relative_logits_equal_enformers_shifted_products():
  rng = np.random.default_rng(8)
  heads, length, key_size = 2, 9, 5
  query = rng.normal(size=(3, heads, length, key_size))
  keys = rng.normal(size=(heads, 2 * length - 1, key_size))
  got = attention.relative_logits(ops.convert_to_tensor(query, "float32"),
                                  ops.convert_to_tensor(keys, "float32"))
  want = np_relative_shift(np.einsum("bhik,hjk->bhij", query, keys))
  assert got.shape == (3, heads, length, length)
  np.testing.assert_allclose(to_numpy(got), want, rtol=0, atol=1e-5)


@pytest.mark.parametrize("value", ["gather", "shift"])
def test_configs_with_relative_logits_load_as_the_one_formulation(value):
  layer = layers.RelativeMultiHeadAttention(1, 8, 8)
  config = layer.get_config()
  assert "relative_logits" not in config
  loaded = layers.RelativeMultiHeadAttention.from_config(
      {**config, "relative_logits": value})
  assert loaded.get_config() == config


def test_a_config_with_an_unknown_relative_logits_is_refused():
  config = layers.RelativeMultiHeadAttention(1, 8, 8).get_config()
  with pytest.raises(ValueError, match="Received: relative_logits='roll'"):
    layers.RelativeMultiHeadAttention.from_config(
        {**config, "relative_logits": "roll"})


@pytest.mark.parametrize("name,value", [
    ("num_heads", 0), ("num_heads", 2.5), ("num_heads", "2"),
    ("num_heads", True), ("key_size", -1), ("value_size", None),
    ("num_relative_position_features", 0),
    ("attention_dropout_rate", 1.0), ("positional_dropout_rate", -0.1),
    ("attention_dropout_rate", "0.1"),
    ("relative_position_symmetric", "yes"), ("zero_initialize", 1),
    ("relative_position_functions", "positional_features_gamma"),
    ("relative_position_functions", []),
    ("relative_position_functions", ["positional_features_nope"]),
])
def test_arguments_are_checked_with_keras_messages(name, value):
  settings = {"num_heads": 1, "key_size": 8, "value_size": 8, name: value}
  with pytest.raises(ValueError, match=f"Received: {name}="):
    layers.RelativeMultiHeadAttention(**settings)


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
    import tensorflow as tf  # this file also runs where TensorFlow is not
    runs += [tf.function(layer), tf.function(layer, jit_compile=True)]
  elif keras.backend.backend() == "jax":
    import jax  # only on the JAX backend
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
  np.testing.assert_allclose(
      np_attention(x, w, heads, key_size, value_size, num, names, symmetric,
                   place=np_relative_shift), want, rtol=0, atol=1e-12)
  assert np.abs(want).max() > 0.1
  x32 = ops.convert_to_tensor(x.astype(np.float32))
  for run in compiled_variants(layer):
    np.testing.assert_allclose(to_numpy(run(x32)), want, rtol=0, atol=2e-4)


@pytest.mark.parametrize("heads,length,size", [(1, 110, 96), (2, 13, 6)])
def test_gathered_keys_equal_enformers_shift_in_float64_to_1e_5(
    heads, length, size):
  """MadLab's size (L = 110, one head of 96) and a small two-head one, in
  float32, eagerly and compiled (tf.function, XLA; jax.jit on JAX): the
  layer equals the float64 reference of Enformer's formulation (the
  [L, 2L-1] products and the Transformer-XL shift) to 1e-5."""
  keras.utils.set_random_seed(5)  # the layer's initial weights: repeatable
  rng = np.random.default_rng(5)
  layer = layers.RelativeMultiHeadAttention(
      num_heads=heads, key_size=size, value_size=size,
      num_relative_position_features=12 if size < 12 else None)
  # LayerNorm'd scale; the reference sees the same float32-rounded input.
  x32 = ops.convert_to_tensor(
      rng.normal(size=(2, length, heads * size)).astype(np.float32))
  x = to_numpy(x32).astype(np.float64)
  layer(x32)
  # The layer's own initialisation, with the zero output kernel replaced
  # by one that keeps the outputs within about +-1 (float32's rounding of
  # the 96-term sums grows with the output's scale).
  layer.output_kernel.assign(
      rng.normal(0, 0.25 * size ** -0.5, layer.output_kernel.shape).astype(
          np.float32))
  w = {key: to_numpy(getattr(layer, attr)).astype(np.float64)
       for key, attr in ATTENTION_WEIGHTS.items()}
  want = np_attention(x, w, heads, size, size, layer.num_features,
                      MADLAB_FUNCTIONS, False, place=np_relative_shift)
  assert np.abs(want).max() > 0.3
  for run in compiled_variants(layer):
    np.testing.assert_allclose(to_numpy(run(x32)), want, rtol=0, atol=1e-5)


def numeric_gradients(loss, arrays, step=1e-6):
  """Central differences of loss() with respect to every entry of each
  array (float64, changed in place and restored)."""
  grads = []
  for array in arrays:
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
      saved = array[index]
      array[index] = saved + step
      up = loss()
      array[index] = saved - step
      down = loss()
      array[index] = saved
      grad[index] = (up - down) / (2 * step)
    grads.append(grad)
  return grads


@pytest.mark.skipif(not TENSORFLOW, reason="gradients through "
                    "tf.GradientTape")
def test_gradients_equal_the_float64_reference():
  """d sum(sin(output)) / d (input, every weight), eagerly and under XLA,
  against central differences of the float64 reference (Enformer's shift)."""
  import tensorflow as tf  # this file also runs where TensorFlow is not
  rng = np.random.default_rng(6)
  layer = layers.RelativeMultiHeadAttention(1, 8, 8,
                                            num_relative_position_features=6)
  x = rng.normal(size=(2, 7, 8)).astype(np.float32).astype(np.float64)
  layer(x.astype(np.float32))
  w = randomize_attention(layer, rng)
  w = {key: value.astype(np.float32).astype(np.float64)
       for key, value in w.items()}
  order = [key for key, attr in ATTENTION_WEIGHTS.items()
           if any(v is getattr(layer, attr)
                  for v in layer.trainable_variables)]
  assert len(order) == 8

  def loss():
    return np.sin(np_attention(x, w, 1, 8, 8, 6, MADLAB_FUNCTIONS, False,
                               place=np_relative_shift)).sum()

  want = numeric_gradients(loss, [x] + [w[key] for key in order])
  by_variable = {id(getattr(layer, ATTENTION_WEIGHTS[key])): g
                 for key, g in zip(order, want[1:])}

  for jit in (False, True):
    @tf.function(jit_compile=jit)
    def run(inp):
      with tf.GradientTape() as tape:
        tape.watch(inp)
        value = tf.reduce_sum(tf.sin(layer(inp)))
      return tape.gradient(value, [inp] + layer.trainable_variables)
    got = [g.numpy() for g in run(tf.constant(x, tf.float32))]
    pairs = [(got[0], want[0])] + [
        (g, by_variable[id(v)])
        for g, v in zip(got[1:], layer.trainable_variables)]
    for g, expected in pairs:
      scale = max(1.0, np.abs(expected).max())
      np.testing.assert_allclose(g, expected, rtol=0, atol=1e-4 * scale)


@pytest.mark.skipif(not TENSORFLOW, reason="an unknown length is a "
                    "TensorFlow graph's; JAX shapes are always static")
def test_attention_with_unknown_length_matches_known_length():
  import tensorflow as tf  # this file also runs where TensorFlow is not
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
