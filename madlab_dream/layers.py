"""Keras 3 layers of the MadLab model (TensorFlow backend).

  OneHot                      uint8 codes [batch, L] -> one-hot [batch, L, 4]
  MultiScaleConv              parallel Conv1D branches, summed
  RelativeMultiHeadAttention  Enformer's MultiheadAttention, relative positions
  TransformerBlock            pre-LayerNorm attention + feed-forward block
  NoCudnnLSTM                 LSTM that never takes the cuDNN path (keeps XLA)

`positional_features` computes Enformer's relative-position basis
(`positional_features_all` in DeepMind's `enformer/attention_module.py`) in
TensorFlow ops, so it runs inside the graph and under XLA. All layers respect
`self.compute_dtype` (mixed precision); positional features and the softmax
are computed in float32 and cast.
"""

from __future__ import annotations

import copy
import math
from typing import Any, Callable, Sequence

import keras
import numpy as np
import tensorflow as tf

_PACKAGE = "madlab_dream"

#: MadLab's relative-position functions (also Enformer's default list).
DEFAULT_FUNCTIONS = ("positional_features_exponential",
                     "positional_features_central_mask",
                     "positional_features_gamma")


# --- Enformer relative-position basis functions ------------------------------
#
# Each takes `positions` (float32, any shape; `positional_features` passes
# |distance|), the number of features k and the characteristic length, and
# returns float32 `positions.shape + [k]`. The float32 operations follow the
# original's order, so results agree with it to float32 rounding.


def _seq_length_or_default(positions: tf.Tensor, seq_length):
  if seq_length is None:
    return tf.reduce_max(tf.abs(positions)) + 1.0
  return seq_length


def positional_features_exponential(positions: tf.Tensor, feature_size: int,
                                    seq_length=None,
                                    min_half_life: float = 3.0) -> tf.Tensor:
  """exp(-ln2 |d| / h), half-lives h = 2 ** linspace(3, log2(L), k).

  As in the original, `min_half_life` is the exponent of the first half-life
  (so half-lives run from 8 to L), not the half-life itself.
  """
  seq_length = tf.cast(_seq_length_or_default(positions, seq_length),
                       tf.float32)
  max_range = tf.math.log(seq_length) / tf.math.log(2.0)
  half_life = tf.pow(2.0, tf.linspace(tf.constant(min_half_life, tf.float32),
                                      max_range, feature_size))
  return tf.exp(-tf.math.log(2.0) / half_life
                * tf.abs(positions)[..., tf.newaxis])


def positional_features_central_mask(positions: tf.Tensor, feature_size: int,
                                     seq_length=None) -> tf.Tensor:
  """1 where |d| < 2^i - 1 (i = 1..k), else 0."""
  del seq_length  # Unused, as in the original.
  widths = tf.pow(2.0, tf.range(1, feature_size + 1, dtype=tf.float32)) - 1.0
  return tf.cast(widths > tf.abs(positions)[..., tf.newaxis], tf.float32)


def _gamma_pdf(x: tf.Tensor, concentration: tf.Tensor,
               rate: tf.Tensor) -> tf.Tensor:
  log_unnormalized = tf.math.xlogy(concentration - 1.0, x) - rate * x
  log_normalization = (tf.math.lgamma(concentration)
                       - concentration * tf.math.log(rate))
  return tf.exp(log_unnormalized - log_normalization)


def positional_features_gamma(positions: tf.Tensor, feature_size: int,
                              seq_length=None) -> tf.Tensor:
  """Gamma densities at |d|, means linspace(L/k, L, k), sd L/(2k).

  Each density gets 1e-8 added and is divided by its maximum over axis 1
  (the original's quirk: for the attention's [1, 2L-1] distances that is the
  distance axis, so each feature peaks at 1; for a 1-D input it is the
  feature axis).
  """
  seq_length = _seq_length_or_default(positions, seq_length)
  k = feature_size
  if isinstance(seq_length, (int, float, np.integer, np.floating)):
    # A Python length: the constants are formed in double precision and
    # rounded to float32 once, as the original does.
    length = float(seq_length)
    stddev = length / (2 * k) if k else math.inf
    start_mean = length / k if k else length
    stddev_t = tf.constant(stddev, tf.float32)
    variance_t = tf.constant(stddev ** 2, tf.float32)
    mean = tf.linspace(tf.constant(start_mean, tf.float32),
                       tf.constant(length, tf.float32), k)
  else:
    length = tf.cast(seq_length, tf.float32)
    stddev_t = length / (2 * k)
    variance_t = stddev_t ** 2
    mean = tf.linspace(length / k, length, k)
  concentration = (mean / stddev_t) ** 2
  rate = mean / variance_t
  probabilities = _gamma_pdf(tf.abs(positions)[..., tf.newaxis],
                             concentration, rate)
  probabilities += 1e-8
  return probabilities / tf.reduce_max(probabilities, axis=1, keepdims=True)


def positional_features_cosine(positions: tf.Tensor, feature_size: int,
                               seq_length=None) -> tf.Tensor:
  """cos(2 pi d / (1.25 * 2^i)), i = 0..k-1."""
  del seq_length  # Unused, as in the original.
  periodicity = 1.25 * tf.pow(2.0, tf.range(0, feature_size,
                                            dtype=tf.float32))
  return tf.math.cos(2 * np.pi * positions[..., tf.newaxis] / periodicity)


def positional_features_linear_masks(positions: tf.Tensor, feature_size: int,
                                     seq_length=None) -> tf.Tensor:
  """1 where |d| == i (i = 0..k-1), else 0."""
  del seq_length  # Unused, as in the original.
  distances = tf.range(0, feature_size, dtype=tf.float32)
  return tf.cast(distances == tf.abs(positions[..., tf.newaxis]), tf.float32)


def positional_features_sin_cos(positions: tf.Tensor, feature_size: int,
                                seq_length=None,
                                max_time: float = 10000.0) -> tf.Tensor:
  """[sin(d / T^(i/k)), cos(d / T^(i/k))] for even i < k; k must be even."""
  del seq_length  # Unused, as in the original.
  if feature_size % 2 != 0:
    raise ValueError("feature_size needs to be divisible by 2.")
  i = tf.range(0, feature_size, 2, dtype=tf.float32)
  scale = tf.pow(tf.constant(max_time, tf.float32), i / feature_size)
  angle = positions[..., tf.newaxis] / scale
  return tf.concat([tf.sin(angle), tf.cos(angle)], -1)


POSITIONAL_FUNCTIONS: dict[str, Callable[..., tf.Tensor]] = {
    "positional_features_exponential": positional_features_exponential,
    "positional_features_central_mask": positional_features_central_mask,
    "positional_features_gamma": positional_features_gamma,
    "positional_features_cosine": positional_features_cosine,
    "positional_features_linear_masks": positional_features_linear_masks,
    "positional_features_sin_cos": positional_features_sin_cos,
}


def _check_feature_count(feature_size: int, functions: Sequence[str],
                         symmetric: bool) -> int:
  """Validates like the original; returns features per function."""
  if isinstance(functions, str):
    raise TypeError("functions must be a list of names, not one string")
  if not functions:
    raise ValueError("at least one positional feature function is needed")
  num_components = len(functions) * (1 if symmetric else 2)
  if feature_size < 0:
    raise ValueError(f"feature_size must be >= 0, got {feature_size}")
  if feature_size % num_components != 0:
    raise ValueError(f"feature_size has to be divisible by {num_components}")
  for name in functions:
    if name not in POSITIONAL_FUNCTIONS:
      raise ValueError(f"Function {name} not available in "
                       f"{list(POSITIONAL_FUNCTIONS)}")
  per_function = feature_size // num_components
  if "positional_features_sin_cos" in functions and per_function % 2:
    raise ValueError("feature_size needs to be divisible by 2.")
  return per_function


def positional_features(distances, feature_size: int, seq_length=None,
                        functions: Sequence[str] | None = None,
                        symmetric: bool = False) -> tf.Tensor:
  """Enformer's relative-position features (`positional_features_all`).

  Args:
    distances: relative positions, any shape S (the attention uses
      `range(-(L-1), L)[None]`, S = [1, 2L-1]).
    feature_size: F, the total number of features. Must be divisible by the
      number of functions n (symmetric) or 2n (asymmetric).
    seq_length: the characteristic length L (None: max |distance| + 1).
    functions: names as in the original (`positional_features_exponential`,
      `..._central_mask`, `..._gamma`, `..._cosine`, `..._linear_masks`,
      `..._sin_cos`). None: exponential, central mask, gamma.
    symmetric: if False, the F/2 features of |d| are followed by the same
      features multiplied by sign(d).

  Returns:
    float32 [*S, F].

  Raises:
    ValueError: F not divisible as above, an unknown function name, or an odd
      per-function count for sin_cos.
  """
  functions = list(DEFAULT_FUNCTIONS if functions is None else functions)
  per_function = _check_feature_count(feature_size, functions, symmetric)
  distances = tf.cast(distances, tf.float32)
  magnitude = tf.abs(distances)
  embeddings = tf.concat([POSITIONAL_FUNCTIONS[name](magnitude, per_function,
                                                     seq_length)
                          for name in functions], axis=-1)
  if not symmetric:
    embeddings = tf.concat(
        [embeddings, tf.sign(distances)[..., tf.newaxis] * embeddings],
        axis=-1)
  return embeddings


def _dim(x: tf.Tensor, axis: int):
  """Static size of an axis when known, else the dynamic one."""
  static = x.shape[axis]
  return static if static is not None else tf.shape(x)[axis]


def relative_shift(x: tf.Tensor) -> tf.Tensor:
  """Transformer-XL shift of relative logits.

  Args:
    x: [batch, heads, L, 2L-1]; column c holds distance c - (L-1).

  Returns:
    [batch, heads, L, L] whose entry (i, j) is x[..., i, j - i + L - 1], the
    logit for distance j - i.
  """
  batch, heads, t1, t2 = (_dim(x, a) for a in range(4))
  x = tf.concat([tf.zeros_like(x[..., :1]), x], axis=-1)  # [B, H, L, 2L]
  x = tf.reshape(x, [batch, heads, t2 + 1, t1])           # [B, H, 2L, L]
  x = x[:, :, 1:, :]                                      # [B, H, 2L-1, L]
  x = tf.reshape(x, [batch, heads, t1, t2])               # [B, H, L, 2L-1]
  return x[..., :(t2 + 1) // 2]


def default_relative_features(value_size: int, num_functions: int) -> int:
  """Enformer's default feature count: (value_size // 2n) * 2n."""
  divisible_by = 2 * num_functions
  return (value_size // divisible_by) * divisible_by


def resolve_relative_features(value_size: int, num_features: int | None,
                              functions: Sequence[str],
                              symmetric: bool) -> int:
  """The attention's feature count F, validated (ValueError if unusable)."""
  functions = list(functions)
  if num_features is None:
    features = default_relative_features(value_size, len(functions))
  else:
    features = int(num_features)
  _check_feature_count(features, functions, symmetric)
  if features == 0:
    raise ValueError(
        f"the number of relative-position features is 0 (value_size "
        f"{value_size} is below 2 x {len(functions)} functions); set "
        "num_relative_position_features")
  return features


def _sonnet_variance_scaling() -> keras.initializers.Initializer:
  """Sonnet's VarianceScaling(2.0): fan-in truncated normal, scale 2."""
  return keras.initializers.VarianceScaling(scale=2.0, mode="fan_in",
                                            distribution="truncated_normal")


# --- Layers -------------------------------------------------------------------


@keras.saving.register_keras_serializable(package=_PACKAGE)
class OneHot(keras.layers.Layer):
  """uint8 codes [batch, L] (A, C, G, T, N = 0..4) -> [batch, L, 4].

  A, C, G, T become rows of the identity; N (and any code above 3) becomes
  zeros. The output has the layer's compute dtype.
  """

  def call(self, codes):
    return tf.one_hot(tf.cast(codes, tf.int32), depth=4,
                      dtype=self.compute_dtype)

  def compute_output_shape(self, input_shape):
    return tuple(input_shape) + (4,)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class MultiScaleConv(keras.layers.Layer):
  """Parallel convolution branches, one per kernel size, summed.

  Each branch: Conv1D(filters, kernel, 'same') -> BatchNorm -> activation ->
  Conv1D(reduced, 1) -> BatchNorm -> activation; both convolutions have a
  bias, `kernel_initializer` and L2(`l2`) on the kernel.

  Input [batch, L, channels] -> output [batch, L, reduced].
  """

  def __init__(self, filters: int = 192, reduced: int = 96,
               kernel_sizes: Sequence[int] = (15, 20, 25, 30),
               activation: str | Callable = "swish",
               kernel_initializer: Any = "he_normal", l2: float = 1e-3,
               **kwargs):
    super().__init__(**kwargs)
    self.filters = int(filters)
    self.reduced = int(reduced)
    self.kernel_sizes = [int(k) for k in kernel_sizes]
    if not self.kernel_sizes:
      raise ValueError("MultiScaleConv needs at least one kernel size")
    self.activation = activation
    self.kernel_initializer = (
        kernel_initializer if isinstance(kernel_initializer, str)
        else keras.initializers.serialize(
            keras.initializers.get(kernel_initializer)))
    self.l2 = float(l2)

  def _initializer(self):
    # A fresh instance per kernel: an unseeded initializer instance would
    # repeat the same values for every kernel of the same shape.
    return keras.initializers.get(copy.deepcopy(self.kernel_initializer))

  def _conv(self, filters: int, kernel: int, name: str):
    return keras.layers.Conv1D(
        filters, kernel, padding="same",
        kernel_initializer=self._initializer(),
        kernel_regularizer=keras.regularizers.L2(self.l2) if self.l2 else None,
        dtype=self.dtype_policy, name=name)

  def build(self, input_shape):
    self.branches = []
    for k in self.kernel_sizes:
      branch = [
          self._conv(self.filters, k, f"conv{k}"),
          keras.layers.BatchNormalization(dtype=self.dtype_policy,
                                          synchronized=True, name=f"bn{k}"),
          keras.layers.Activation(self.activation, dtype=self.dtype_policy,
                                  name=f"act{k}"),
          self._conv(self.reduced, 1, f"conv{k}_reduce"),
          keras.layers.BatchNormalization(dtype=self.dtype_policy,
                                          synchronized=True,
                                          name=f"bn{k}_reduce"),
          keras.layers.Activation(self.activation, dtype=self.dtype_policy,
                                  name=f"act{k}_reduce"),
      ]
      shape = tuple(input_shape)
      for layer in branch:
        layer.build(shape)
        shape = layer.compute_output_shape(shape)
      self.branches.append(branch)

  def call(self, inputs, training=None):
    total = None
    for branch in self.branches:
      x = inputs
      for layer in branch:
        if isinstance(layer, keras.layers.BatchNormalization):
          x = layer(x, training=training)
        else:
          x = layer(x)
      total = x if total is None else total + x
    return total

  def compute_output_shape(self, input_shape):
    return tuple(input_shape[:-1]) + (self.reduced,)

  def get_config(self):
    config = super().get_config()
    config.update(filters=self.filters, reduced=self.reduced,
                  kernel_sizes=list(self.kernel_sizes),
                  activation=(self.activation
                              if isinstance(self.activation, str)
                              else keras.activations.serialize(
                                  self.activation)),
                  kernel_initializer=self.kernel_initializer, l2=self.l2)
    return config


@keras.saving.register_keras_serializable(package=_PACKAGE)
class RelativeMultiHeadAttention(keras.layers.Layer):
  """Enformer's `MultiheadAttention` with relative positions (scaling on).

  q, k, v: bias-free projections to heads*key_size, heads*key_size,
  heads*value_size; q is multiplied by key_size**-0.5. Positional features
  of the distances range(-(L-1), L) ([1, 2L-1, F]) go through a bias-free
  projection to relative keys r_k. With r_w_bias, r_r_bias [1, H, 1, K]:

    logits = (q + r_w_bias) k^T + relative_shift((q + r_r_bias) r_k^T)

  softmax over keys, weights . v, heads concatenated, then an output
  projection (with bias; kernel zero-initialised when `zero_initialize`).
  Projections use Sonnet's VarianceScaling(2.0) initialisation.

  Input [batch, L, channels] -> output [batch, L, num_heads * value_size]
  (Enformer's embedding size; a residual block needs channels equal to it).

  Args:
    num_heads, key_size, value_size: H, K (per head), V (per head).
    num_relative_position_features: F; None gives Enformer's default
      (value_size // 2n) * 2n for n functions (asymmetric).
    relative_position_functions: basis function names (see
      `positional_features`); default MadLab's three.
    attention_dropout_rate: dropout on the attention weights (training).
    positional_dropout_rate: dropout on the positional features (training).
    relative_position_symmetric: Enformer's `relative_position_symmetric`.
    zero_initialize: zero-initialise the output projection's kernel.
  """

  def __init__(self, num_heads: int, key_size: int, value_size: int,
               num_relative_position_features: int | None = None,
               relative_position_functions: Sequence[str] = DEFAULT_FUNCTIONS,
               attention_dropout_rate: float = 0.0,
               positional_dropout_rate: float = 0.0,
               relative_position_symmetric: bool = False,
               zero_initialize: bool = True, **kwargs):
    super().__init__(**kwargs)
    self.num_heads = int(num_heads)
    self.key_size = int(key_size)
    self.value_size = int(value_size)
    self.relative_position_functions = list(relative_position_functions)
    self.num_relative_position_features = num_relative_position_features
    self.relative_position_symmetric = bool(relative_position_symmetric)
    features = resolve_relative_features(
        self.value_size, num_relative_position_features,
        self.relative_position_functions, self.relative_position_symmetric)
    self.num_features = features
    self.attention_dropout_rate = float(attention_dropout_rate)
    self.positional_dropout_rate = float(positional_dropout_rate)
    self.zero_initialize = bool(zero_initialize)
    self.attention_dropout = keras.layers.Dropout(
        self.attention_dropout_rate, dtype=self.dtype_policy,
        name="attention_dropout")
    self.positional_dropout = keras.layers.Dropout(
        self.positional_dropout_rate, dtype=self.dtype_policy,
        name="positional_dropout")

  def build(self, input_shape):
    channels = input_shape[-1]
    hk = self.num_heads * self.key_size
    hv = self.num_heads * self.value_size
    init = _sonnet_variance_scaling
    self.q_kernel = self.add_weight(name="q_kernel", shape=(channels, hk),
                                    initializer=init())
    self.k_kernel = self.add_weight(name="k_kernel", shape=(channels, hk),
                                    initializer=init())
    self.v_kernel = self.add_weight(name="v_kernel", shape=(channels, hv),
                                    initializer=init())
    self.r_k_kernel = self.add_weight(name="r_k_kernel",
                                      shape=(self.num_features, hk),
                                      initializer=init())
    bias_shape = (1, self.num_heads, 1, self.key_size)
    self.r_w_bias = self.add_weight(name="r_w_bias", shape=bias_shape,
                                    initializer=init())
    self.r_r_bias = self.add_weight(name="r_r_bias", shape=bias_shape,
                                    initializer=init())
    self.output_kernel = self.add_weight(
        name="output_kernel", shape=(hv, hv),
        initializer="zeros" if self.zero_initialize else init())
    self.output_bias = self.add_weight(name="output_bias", shape=(hv,),
                                       initializer="zeros")

  def _split_heads(self, x, size):
    """[B, T, H * size] -> [B, H, T, size]."""
    x = tf.reshape(x, [_dim(x, 0), _dim(x, 1), self.num_heads, size])
    return tf.transpose(x, [0, 2, 1, 3])

  def _project(self, x, kernel):
    return tf.einsum("btc,cd->btd", x, tf.cast(kernel, x.dtype))

  def call(self, inputs, training=None):
    dtype = self.compute_dtype
    x = tf.cast(inputs, dtype)
    length = _dim(x, 1)
    q = self._split_heads(self._project(x, self.q_kernel), self.key_size)
    k = self._split_heads(self._project(x, self.k_kernel), self.key_size)
    v = self._split_heads(self._project(x, self.v_kernel), self.value_size)
    q = q * tf.cast(self.key_size ** -0.5, dtype)

    distances = tf.range(-length + 1, length, dtype=tf.float32)[tf.newaxis]
    features = positional_features(
        distances, self.num_features, length,
        self.relative_position_functions, self.relative_position_symmetric)
    features = tf.cast(features, dtype)                      # [1, 2L-1, F]
    features = self.positional_dropout(features, training=training)
    r_k = self._split_heads(self._project(features, self.r_k_kernel),
                            self.key_size)                   # [1, H, 2L-1, K]

    r_w_bias = tf.cast(self.r_w_bias, dtype)
    r_r_bias = tf.cast(self.r_r_bias, dtype)
    content = tf.matmul(q + r_w_bias, k, transpose_b=True)  # [B, H, L, L]
    # [B, H, L, 2L-1]. Not tf.matmul with a broadcast batch axis: with
    # TensorFlow 2.21's oneDNN CPU kernels that returns wrong values (and
    # corrupts memory in eager mode).
    relative = tf.einsum("bhik,hjk->bhij", q + r_r_bias, r_k[0])
    logits = content + relative_shift(relative)              # [B, H, L, L]
    weights = tf.cast(tf.nn.softmax(tf.cast(logits, tf.float32)), dtype)
    weights = self.attention_dropout(weights, training=training)

    out = tf.transpose(tf.matmul(weights, v), [0, 2, 1, 3])  # [B, L, H, V]
    out = tf.reshape(out, [_dim(out, 0), length,
                           self.num_heads * self.value_size])
    return (self._project(out, self.output_kernel)
            + tf.cast(self.output_bias, dtype))

  def compute_output_shape(self, input_shape):
    return tuple(input_shape[:-1]) + (self.num_heads * self.value_size,)

  def get_config(self):
    config = super().get_config()
    config.update(
        num_heads=self.num_heads, key_size=self.key_size,
        value_size=self.value_size,
        num_relative_position_features=self.num_relative_position_features,
        relative_position_functions=list(self.relative_position_functions),
        attention_dropout_rate=self.attention_dropout_rate,
        positional_dropout_rate=self.positional_dropout_rate,
        relative_position_symmetric=self.relative_position_symmetric,
        zero_initialize=self.zero_initialize)
    return config


@keras.saving.register_keras_serializable(package=_PACKAGE)
class TransformerBlock(keras.layers.Layer):
  """MadLab's pre-LayerNorm transformer block.

    x = x + Dropout(MHA(LayerNorm(x)))
    x = x + Dropout(Dense(width)(Dropout(act(Dense(m * width)(LayerNorm(x))))))

  MHA is `RelativeMultiHeadAttention`; both Dense layers have a bias and
  Sonnet Linear's default initialisation (truncated normal, sd
  1/sqrt(fan_in)), as MadLab's `snt.Linear`. LayerNorms have scale and
  center (Keras defaults, epsilon 1e-3). Dropout defaults to 0 (MadLab).

  Input [batch, L, width] -> [batch, L, width]; width must equal
  num_heads * value_size.
  """

  def __init__(self, num_heads: int = 1, key_size: int = 96,
               value_size: int = 96,
               num_relative_position_features: int | None = None,
               relative_position_functions: Sequence[str] = DEFAULT_FUNCTIONS,
               attention_dropout_rate: float = 0.0,
               positional_dropout_rate: float = 0.0,
               relative_position_symmetric: bool = False,
               zero_initialize: bool = True, ffn_multiplier: int = 2,
               activation: str | Callable = "swish",
               dropout_rate: float = 0.0, **kwargs):
    super().__init__(**kwargs)
    self.num_heads = int(num_heads)
    self.key_size = int(key_size)
    self.value_size = int(value_size)
    self.num_relative_position_features = num_relative_position_features
    self.relative_position_functions = list(relative_position_functions)
    self.attention_dropout_rate = float(attention_dropout_rate)
    self.positional_dropout_rate = float(positional_dropout_rate)
    self.relative_position_symmetric = bool(relative_position_symmetric)
    self.zero_initialize = bool(zero_initialize)
    self.ffn_multiplier = int(ffn_multiplier)
    self.activation = activation
    self.dropout_rate = float(dropout_rate)
    # Fail at construction, not at build, on bad attention settings.
    resolve_relative_features(self.value_size,
                              num_relative_position_features,
                              self.relative_position_functions,
                              self.relative_position_symmetric)

  def _attention_config(self) -> dict[str, Any]:
    return dict(
        num_heads=self.num_heads, key_size=self.key_size,
        value_size=self.value_size,
        num_relative_position_features=self.num_relative_position_features,
        relative_position_functions=list(self.relative_position_functions),
        attention_dropout_rate=self.attention_dropout_rate,
        positional_dropout_rate=self.positional_dropout_rate,
        relative_position_symmetric=self.relative_position_symmetric,
        zero_initialize=self.zero_initialize)

  def build(self, input_shape):
    width = input_shape[-1]
    if width != self.num_heads * self.value_size:
      raise ValueError(
          f"TransformerBlock: input width {width} must equal num_heads x "
          f"value_size = {self.num_heads} x {self.value_size} (residual "
          "connection)")
    hidden = self.ffn_multiplier * width
    policy = self.dtype_policy
    self.mha_norm = keras.layers.LayerNormalization(dtype=policy,
                                                    name="mha_norm")
    self.mha = RelativeMultiHeadAttention(**self._attention_config(),
                                          dtype=policy, name="mha")
    self.mha_dropout = keras.layers.Dropout(self.dropout_rate, dtype=policy,
                                            name="mha_dropout")
    self.ffn_norm = keras.layers.LayerNormalization(dtype=policy,
                                                    name="ffn_norm")
    self.ffn_hidden = keras.layers.Dense(
        hidden, activation=self.activation,
        kernel_initializer=keras.initializers.TruncatedNormal(
            stddev=1.0 / math.sqrt(width)),
        dtype=policy, name="ffn_hidden")
    self.ffn_hidden_dropout = keras.layers.Dropout(
        self.dropout_rate, dtype=policy, name="ffn_hidden_dropout")
    self.ffn_output = keras.layers.Dense(
        width, kernel_initializer=keras.initializers.TruncatedNormal(
            stddev=1.0 / math.sqrt(hidden)),
        dtype=policy, name="ffn_output")
    self.ffn_dropout = keras.layers.Dropout(self.dropout_rate, dtype=policy,
                                            name="ffn_dropout")
    shape = tuple(input_shape)
    self.mha_norm.build(shape)
    self.mha.build(shape)
    self.ffn_norm.build(shape)
    self.ffn_hidden.build(shape)
    self.ffn_output.build(shape[:-1] + (hidden,))

  def call(self, inputs, training=None):
    x = inputs
    y = self.mha(self.mha_norm(x), training=training)
    x = x + self.mha_dropout(y, training=training)
    y = self.ffn_hidden(self.ffn_norm(x))
    y = self.ffn_hidden_dropout(y, training=training)
    y = self.ffn_output(y)
    return x + self.ffn_dropout(y, training=training)

  def compute_output_shape(self, input_shape):
    return tuple(input_shape)

  def get_config(self):
    config = super().get_config()
    config.update(self._attention_config())
    config.update(ffn_multiplier=self.ffn_multiplier,
                  activation=(self.activation
                              if isinstance(self.activation, str)
                              else keras.activations.serialize(
                                  self.activation)),
                  dropout_rate=self.dropout_rate)
    return config


@keras.saving.register_keras_serializable(package=_PACKAGE)
class NoCudnnLSTM(keras.layers.LSTM):
  """`keras.layers.LSTM` that never takes the cuDNN path, so XLA stays on.

  Keras marks an LSTM whose activations allow cuDNN (tanh/sigmoid) with
  `supports_jit = False` on a GPU machine unless `use_cudnn=False`, and then
  `compile(jit_compile=True)` silently turns XLA off for the whole model.
  `use_cudnn` is not part of LSTM's config, so `Bidirectional` (which
  rebuilds its forward and backward copies from the config) and
  `keras.models.load_model` lose it; this class sets it in its constructor,
  so every copy keeps it. Any `use_cudnn` argument is ignored.
  """

  def __init__(self, units: int, **kwargs):
    kwargs.pop("use_cudnn", None)
    super().__init__(units, use_cudnn=False, **kwargs)
