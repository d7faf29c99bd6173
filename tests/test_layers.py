"""Layers against plain NumPy references written from Enformer's formulas.

The references below are float64 NumPy, derived from the formulas in
facts.md / DeepMind's `enformer/attention_module.py`, not from the code under
test. Float32 rounding sets the tolerances; the gamma basis is
ill-conditioned in float32 (facts.md), so it gets a few 1e-3.
"""

import numpy as np
import pytest
import scipy.special
import tensorflow as tf

import keras
from keras.src import backend as keras_backend

from madlab_dream import layers

EPS32 = np.finfo(np.float32).eps
MADLAB_FUNCTIONS = ["positional_features_exponential",
                    "positional_features_central_mask",
                    "positional_features_gamma"]


# --- NumPy references ---------------------------------------------------------
# Each takes |d| of shape S and returns S + [k]; `length` is L.


def np_exponential(a, k, length):
  half_life = 2.0 ** np.linspace(3.0, np.log2(length), k)
  return np.exp(-np.log(2.0) * a[..., None] / half_life)


def np_central_mask(a, k, length):
  del length
  widths = 2.0 ** np.arange(1, k + 1) - 1.0
  return (widths > a[..., None]).astype(np.float64)


def np_gamma(a, k, length):
  mean = np.linspace(length / k, length, k)
  sd = length / (2 * k)
  conc, rate = (mean / sd) ** 2, mean / sd ** 2
  log_p = (scipy.special.xlogy(conc - 1, a[..., None]) - rate * a[..., None]
           - scipy.special.gammaln(conc) + conc * np.log(rate))
  p = np.exp(log_p) + 1e-8
  return p / p.max(axis=1, keepdims=True)  # the original's axis=1


def np_cosine(a, k, length):
  del length
  return np.cos(2 * np.pi * a[..., None] / (1.25 * 2.0 ** np.arange(k)))


def np_linear_masks(a, k, length):
  del length
  return (np.arange(k) == a[..., None]).astype(np.float64)


def np_sin_cos(a, k, length):
  del length
  scale = 10000.0 ** (np.arange(0, k, 2) / k)
  return np.concatenate([np.sin(a[..., None] / scale),
                         np.cos(a[..., None] / scale)], -1)


NP_FUNCTIONS = {
    "positional_features_exponential": np_exponential,
    "positional_features_central_mask": np_central_mask,
    "positional_features_gamma": np_gamma,
    "positional_features_cosine": np_cosine,
    "positional_features_linear_masks": np_linear_masks,
    "positional_features_sin_cos": np_sin_cos,
}


def np_features(d, num_features, length, names, symmetric):
  n = len(names) * (1 if symmetric else 2)
  k = num_features // n
  a = np.abs(d)
  emb = np.concatenate([NP_FUNCTIONS[f](a, k, length) for f in names], -1)
  if not symmetric:
    emb = np.concatenate([emb, np.sign(d)[..., None] * emb], -1)
  return emb


def tolerance(name, length):
  """Absolute float32 tolerance of one basis at sequence length L."""
  if name in ("positional_features_central_mask",
              "positional_features_linear_masks"):
    return 0.0
  if name == "positional_features_gamma":
    return 3e-3
  if name == "positional_features_cosine":  # argument up to 2 pi L / 1.25
    return 1e-6 + 8 * EPS32 * 2 * np.pi * length / 1.25
  if name == "positional_features_sin_cos":
    return 1e-6 + 8 * EPS32 * length
  return 1e-5


def distances(length):
  return np.arange(-length + 1, length, dtype=np.float64)[None]  # [1, 2L-1]


# --- Positional features ------------------------------------------------------


@pytest.mark.parametrize("name", sorted(NP_FUNCTIONS))
@pytest.mark.parametrize("symmetric", [False, True])
def test_each_basis_matches_numpy(name, symmetric):
  for length in (1, 2, 7, 50, 110):
    for k in (1, 2, 3, 16):
      if name == "positional_features_sin_cos" and k % 2:
        continue
      num = k * (1 if symmetric else 2)
      d = distances(length)
      got = layers.positional_features(d, num, length, [name], symmetric)
      want = np_features(d, num, length, [name], symmetric)
      assert got.shape == (1, 2 * length - 1, num)
      np.testing.assert_allclose(got.numpy(), want, rtol=0,
                                 atol=tolerance(name, length),
                                 err_msg=f"{name} L={length} k={k}")


@pytest.mark.parametrize("length,num,symmetric", [
    (110, 96, False),  # MadLab's attention
    (110, 48, True),
    (37, 6, False),
    (5, 30, False),
])
def test_madlab_function_list_matches_numpy(length, num, symmetric):
  d = distances(length)
  got = layers.positional_features(d, num, length, MADLAB_FUNCTIONS,
                                   symmetric).numpy()
  want = np_features(d, num, length, MADLAB_FUNCTIONS, symmetric)
  np.testing.assert_allclose(got, want, rtol=0, atol=3e-3)
  # Outside the gamma block everything agrees to float32 rounding.
  k = num // (len(MADLAB_FUNCTIONS) * (1 if symmetric else 2))
  not_gamma = np.ones(num, bool)
  for block in range(num // (3 * k)):
    not_gamma[block * 3 * k + 2 * k:block * 3 * k + 3 * k] = False
  np.testing.assert_allclose(got[..., not_gamma], want[..., not_gamma],
                             rtol=0, atol=1e-5)
  # Each gamma feature peaks at 1 along the distance axis.
  gamma = got[..., ~not_gamma]
  np.testing.assert_allclose(gamma.max(axis=1), 1.0, atol=1e-6)


def test_default_functions_and_inferred_length():
  d = distances(12)
  np.testing.assert_allclose(
      layers.positional_features(d, 12).numpy(),  # L = max|d| + 1 = 12
      np_features(d, 12, 12, MADLAB_FUNCTIONS, False), atol=1e-4)


def test_one_dimensional_input_keeps_the_axis_1_quirk():
  # The original normalises gamma over axis 1, which for 1-D distances is
  # the feature axis.
  d = np.arange(-9.0, 10.0)
  got = layers.positional_features(d, 4, 10, ["positional_features_gamma"],
                                   symmetric=True).numpy()
  np.testing.assert_allclose(got, np_gamma(np.abs(d), 4, 10), atol=1e-4)
  np.testing.assert_allclose(got.max(axis=1), 1.0, atol=1e-6)
  batched = layers.positional_features(d[None], 4, 10,
                                       ["positional_features_gamma"],
                                       symmetric=True).numpy()[0]
  assert not np.allclose(got, batched, atol=1e-3)


@pytest.mark.parametrize("num,names,symmetric", [
    (9, MADLAB_FUNCTIONS, False),   # not divisible by 2n = 6
    (3, MADLAB_FUNCTIONS, False),
    (4, MADLAB_FUNCTIONS, True),    # not divisible by n = 3
    (3, ["positional_features_sin_cos"], True),   # odd per-function count
    (2, ["positional_features_sin_cos"], False),
    (6, ["positional_features_nope"], True),      # unknown function
])
def test_rejected_feature_counts_raise_value_error(num, names, symmetric):
  with pytest.raises(ValueError):
    layers.positional_features(distances(5), num, 5, names, symmetric)


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


# --- Relative shift and attention ---------------------------------------------


def test_relative_shift_puts_distance_j_minus_i_at_i_j():
  batch, heads, length = 2, 3, 6
  col = np.arange(2 * length - 1) - (length - 1)      # distance of column c
  x = (col[None, None, None, :]
       + 1000.0 * np.arange(length)[None, None, :, None]
       + 1e5 * np.arange(heads)[None, :, None, None]
       + 1e6 * np.arange(batch)[:, None, None, None])
  got = layers.relative_shift(x.astype(np.float32)).numpy()
  i, j = np.meshgrid(np.arange(length), np.arange(length), indexing="ij")
  want = ((j - i)[None, None] + 1000.0 * i[None, None]
          + 1e5 * np.arange(heads)[None, :, None, None]
          + 1e6 * np.arange(batch)[:, None, None, None])
  np.testing.assert_array_equal(got, want)


def np_attention(x, w, heads, key_size, value_size, num_features, names,
                 symmetric):
  """Enformer's relative attention, written directly (no shift trick)."""
  batch, length, _ = x.shape

  def split(t, size):
    return t.reshape(t.shape[0], t.shape[1], heads, size).transpose(0, 2, 1, 3)

  q = split(x @ w["q"], key_size) * key_size ** -0.5
  k = split(x @ w["k"], key_size)
  v = split(x @ w["v"], value_size)
  pos = np_features(distances(length), num_features, length, names,
                    symmetric)                               # [1, 2L-1, F]
  r_k = split(pos @ w["r_k"], key_size)                      # [1, H, 2L-1, K]
  content = (q + w["r_w"]) @ k.transpose(0, 1, 3, 2)
  rel_all = (q + w["r_r"]) @ r_k.transpose(0, 1, 3, 2)      # [B, H, L, 2L-1]
  i, j = np.meshgrid(np.arange(length), np.arange(length), indexing="ij")
  relative = rel_all[:, :, i, j - i + length - 1]           # distance j - i
  logits = content + relative
  weights = np.exp(logits - logits.max(-1, keepdims=True))
  weights /= weights.sum(-1, keepdims=True)
  out = (weights @ v).transpose(0, 2, 1, 3).reshape(batch, length, -1)
  return out @ w["out"] + w["out_b"]


def randomize_attention(layer, rng):
  names = {"q": "q_kernel", "k": "k_kernel", "v": "v_kernel",
           "r_k": "r_k_kernel", "r_w": "r_w_bias", "r_r": "r_r_bias",
           "out": "output_kernel", "out_b": "output_bias"}
  w = {}
  for key, attr in names.items():
    var = getattr(layer, attr)
    w[key] = rng.normal(0, 0.4, var.shape)
    var.assign(w[key].astype(np.float32))
  return w


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
  np.testing.assert_array_equal(out.numpy(), 0.0)  # zero-initialised output
  w = randomize_attention(layer, rng)
  want = np_attention(x, w, heads, key_size, value_size, num, names,
                      symmetric)
  assert np.abs(want).max() > 0.1
  x32 = tf.constant(x, tf.float32)
  # Eager (repeated), graph and XLA: TensorFlow 2.21's oneDNN broadcast
  # batch matmul gave wrong values in graphs and corrupted memory eagerly.
  for run in [layer] * 3 + [tf.function(layer),
                            tf.function(layer, jit_compile=True)]:
    np.testing.assert_allclose(run(x32).numpy(), want, rtol=0, atol=2e-4)


def test_attention_with_unknown_length_matches_known_length():
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


def np_layer_norm(x, gamma, beta, eps=1e-3):
  mean = x.mean(-1, keepdims=True)
  var = x.var(-1, keepdims=True)
  return (x - mean) / np.sqrt(var + eps) * gamma + beta


def swish(x):
  return x / (1.0 + np.exp(-x))


def test_transformer_block_matches_numpy_forward():
  rng = np.random.default_rng(1)
  heads, key_size, value_size, length = 2, 4, 3, 8
  width = heads * value_size
  block = layers.TransformerBlock(num_heads=heads, key_size=key_size,
                                  value_size=value_size,
                                  num_relative_position_features=6,
                                  ffn_multiplier=3)
  block.build((None, length, width))
  assert block.count_params() == (
      2 * 2 * width                                      # two LayerNorms
      + 2 * width * heads * key_size + width * width     # q, k, v
      + 6 * heads * key_size + 2 * heads * key_size      # r_k (F=6), biases
      + width * width + width                            # output projection
      + width * 3 * width + 3 * width + 3 * width * width + width)  # FFN
  for var in block.weights:
    var.assign(rng.normal(0, 0.4, var.shape).astype(np.float32))
  w = {"q": block.mha.q_kernel, "k": block.mha.k_kernel,
       "v": block.mha.v_kernel, "r_k": block.mha.r_k_kernel,
       "r_w": block.mha.r_w_bias, "r_r": block.mha.r_r_bias,
       "out": block.mha.output_kernel, "out_b": block.mha.output_bias}
  w = {k: v.numpy().astype(np.float64) for k, v in w.items()}
  p = lambda v: v.numpy().astype(np.float64)  # noqa: E731
  x = rng.normal(size=(3, length, width))
  h = x + np_attention(np_layer_norm(x, p(block.mha_norm.gamma),
                                     p(block.mha_norm.beta)),
                       w, heads, key_size, value_size, 6, MADLAB_FUNCTIONS,
                       False)
  y = np_layer_norm(h, p(block.ffn_norm.gamma), p(block.ffn_norm.beta))
  y = swish(y @ p(block.ffn_hidden.kernel) + p(block.ffn_hidden.bias))
  want = h + y @ p(block.ffn_output.kernel) + p(block.ffn_output.bias)
  got = block(x.astype(np.float32)).numpy()
  np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-3)


def test_transformer_block_rejects_width_mismatch():
  block = layers.TransformerBlock(num_heads=1, key_size=8, value_size=8)
  with pytest.raises(ValueError, match="num_heads x value_size"):
    block.build((None, 10, 12))


# --- Convolutions and one-hot -------------------------------------------------


def np_conv_same(x, kernel, bias):
  """Keras/TF 'same' 1-D convolution: left pad (k-1)//2, rest on the right."""
  k = kernel.shape[0]
  left = (k - 1) // 2
  xp = np.pad(x, ((0, 0), (left, k - 1 - left), (0, 0)))
  out = sum(xp[:, j:j + x.shape[1], :] @ kernel[j] for j in range(k))
  return out + bias


def test_multi_scale_conv_matches_numpy_forward():
  rng = np.random.default_rng(2)
  layer = layers.MultiScaleConv(filters=5, reduced=3, kernel_sizes=[3, 4],
                                activation="swish", l2=0.0)
  x = rng.normal(size=(2, 8, 4))
  assert layer(x.astype(np.float32)).shape == (2, 8, 3)
  for var in layer.weights:
    low = 0.5 if "moving_variance" in var.path else -1.0
    var.assign(rng.uniform(low, 1.5, var.shape).astype(np.float32))
  want = 0.0
  for branch in layer.branches:
    conv1, bn1, _, conv2, bn2, _ = branch
    p = lambda v: v.numpy().astype(np.float64)  # noqa: E731

    def bn(t, b):
      return ((t - p(b.moving_mean)) / np.sqrt(p(b.moving_variance) + 1e-3)
              * p(b.gamma) + p(b.beta))
    h = swish(bn(np_conv_same(x, p(conv1.kernel), p(conv1.bias)), bn1))
    want = want + swish(bn(np_conv_same(h, p(conv2.kernel), p(conv2.bias)),
                           bn2))
  got = layer(x.astype(np.float32), training=False).numpy()
  np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_multi_scale_conv_l2_and_distinct_initial_kernels():
  layer = layers.MultiScaleConv(filters=4, reduced=2, kernel_sizes=[3, 3],
                                l2=0.01)
  layer.build((None, 10, 4))
  assert len(layer.losses) == 4  # one L2 term per convolution kernel
  k1, k2 = layer.branches[0][0].kernel, layer.branches[1][0].kernel
  assert not np.allclose(k1.numpy(), k2.numpy())
  assert layers.MultiScaleConv(l2=0.0).get_config()["l2"] == 0.0


def test_one_hot_of_n_is_zeros():
  codes = np.array([[0, 1, 2, 3, 4, 4, 0]], np.uint8)
  got = layers.OneHot()(codes).numpy()
  want = np.zeros((1, 7, 4), np.float32)
  for pos, code in enumerate(codes[0]):
    if code < 4:
      want[0, pos, code] = 1.0
  np.testing.assert_array_equal(got, want)
  assert got.dtype == np.float32


# --- Serialisation and mixed precision ----------------------------------------


def layer_cases():
  return [
      (layers.OneHot(name="oh"), (None, 12)),
      (layers.MultiScaleConv(filters=6, reduced=4, kernel_sizes=[3, 8],
                             activation="relu", l2=0.01,
                             kernel_initializer="glorot_uniform"),
       (None, 12, 4)),
      (layers.RelativeMultiHeadAttention(
          2, 3, 4, num_relative_position_features=8,
          relative_position_functions=["positional_features_cosine",
                                       "positional_features_linear_masks"],
          attention_dropout_rate=0.1, positional_dropout_rate=0.2,
          relative_position_symmetric=True, zero_initialize=False),
       (None, 12, 5)),
      (layers.TransformerBlock(num_heads=2, key_size=3, value_size=4,
                               num_relative_position_features=12,
                               ffn_multiplier=3, activation="gelu",
                               dropout_rate=0.1, attention_dropout_rate=0.05),
       (None, 12, 8)),
      (layers.NoCudnnLSTM(3, activation="tanh"), (None, 12, 5)),
  ]


@pytest.mark.parametrize("index", range(5))
def test_get_config_round_trip(index):
  layer, shape = layer_cases()[index]
  config = layer.get_config()
  clone = type(layer).from_config(config)
  assert clone.get_config() == config
  revived = keras.saving.deserialize_keras_object(
      keras.saving.serialize_keras_object(layer))
  assert type(revived) is type(layer)
  assert revived.get_config() == config
  layer.build(shape)
  clone.build(shape)
  assert ([tuple(v.shape) for v in clone.weights]
          == [tuple(v.shape) for v in layer.weights])


def test_no_cudnn_lstm_keeps_xla_where_a_plain_lstm_loses_it(monkeypatch):
  # Simulate a GPU on which cuDNN could run the LSTM.
  monkeypatch.setattr(keras_backend, "cudnn_ok", lambda *a, **k: True)
  plain = keras.layers.Bidirectional(
      keras.layers.LSTM(4, activation="tanh", use_cudnn=False))
  # The trap: Bidirectional rebuilds its copies from the config, which has
  # no use_cudnn, so they are cuDNN-eligible and not XLA-compatible.
  assert not plain.forward_layer.supports_jit
  ours = keras.layers.Bidirectional(layers.NoCudnnLSTM(4, activation="tanh"))
  for lstm in (ours.forward_layer, ours.backward_layer):
    assert isinstance(lstm, layers.NoCudnnLSTM)
    assert lstm.supports_jit and lstm.use_cudnn is False


def test_mixed_precision_block_follows_float32_result():
  rng = np.random.default_rng(3)
  x = rng.normal(size=(2, 10, 8)).astype(np.float32)
  kwargs = dict(num_heads=1, key_size=8, value_size=8)
  ref = layers.TransformerBlock(**kwargs)
  ref.build((None, 10, 8))
  for var in ref.weights:
    var.assign(rng.normal(0, 0.3, var.shape).astype(np.float32))
  keras.mixed_precision.set_global_policy("mixed_float16")
  try:
    block = layers.TransformerBlock(**kwargs)
    block.build((None, 10, 8))
    one_hot = layers.OneHot()(np.array([[0, 4]], np.uint8))
  finally:
    keras.mixed_precision.set_global_policy("float32")
  block.set_weights(ref.get_weights())
  assert all(v.dtype == "float32" for v in block.weights)
  assert one_hot.dtype == "float16"
  got = block(x)
  assert got.dtype == "float16"
  want = ref(x).numpy()
  np.testing.assert_allclose(got.numpy().astype(np.float32), want,
                             rtol=2e-2, atol=2e-2 * np.abs(want).max())
