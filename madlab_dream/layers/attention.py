"""Enformer's relative-position multi-head attention as a Keras layer.

  relative_shift               Transformer-XL shift of relative logits
  relative_key_indices         int32 [L, L]: column of distance j - i
  RelativeMultiHeadAttention   [batch, L, C] -> [batch, L, heads x value_size]
"""

from __future__ import annotations

from typing import Sequence

import keras
import numpy as np
from keras import ops

from madlab_dream.config import RELATIVE_LOGITS
from madlab_dream.layers.positional import DEFAULT_FUNCTIONS
from madlab_dream.layers.positional import relative_position_features
from madlab_dream.layers.positional import resolve_relative_features

_PACKAGE = "madlab_dream"


def relative_shift(x):
  """Transformer-XL shift of relative logits.

  Args:
    x: [batch, heads, L, 2L-1]; column c holds distance c - (L-1).

  Returns:
    [batch, heads, L, L] whose entry (i, j) is x[..., i, j - i + L - 1], the
    logit for distance j - i.
  """
  x = ops.convert_to_tensor(x)
  _, heads, t1, t2 = ops.shape(x)
  x = ops.concatenate([ops.zeros_like(x[..., :1]), x], -1)  # [B, H, L, 2L]
  x = ops.reshape(x, (-1, heads, t2 + 1, t1))               # [B, H, 2L, L]
  x = x[:, :, 1:, :]                                        # [B, H, 2L-1, L]
  x = ops.reshape(x, (-1, heads, t1, t2))                   # [B, H, L, 2L-1]
  return x[..., :(t2 + 1) // 2]                             # [B, H, L, L]


def relative_key_indices(length):
  """int32 [L, L]: entry (i, j) is j - i + L - 1, the column (of the
  [2L-1] relative positions, distance c - (L - 1)) of distance j - i.

  A NumPy constant for a Python `length`, else a tensor.
  """
  if isinstance(length, (int, np.integer)):
    i = np.arange(length, dtype=np.int32)
    return i[None, :] - i[:, None] + np.int32(length - 1)
  i = ops.arange(length, dtype="int32")
  return ops.expand_dims(i, 0) - ops.expand_dims(i, 1) + (length - 1)


def _sonnet_variance_scaling() -> keras.initializers.Initializer:
  """Sonnet's VarianceScaling(2.0): fan-in truncated normal, scale 2."""
  return keras.initializers.VarianceScaling(scale=2.0, mode="fan_in",
                                            distribution="truncated_normal")


@keras.saving.register_keras_serializable(package=_PACKAGE)
class RelativeMultiHeadAttention(keras.layers.Layer):
  """Enformer's `MultiheadAttention` with relative positions (scaling on).

  q, k, v: bias-free projections to heads*key_size, heads*key_size,
  heads*value_size; q is multiplied by key_size**-0.5. Positional features
  of the distances range(-(L-1), L) ([1, 2L-1, F]) go through a bias-free
  projection to relative keys r_k. With r_w_bias, r_r_bias [1, H, 1, K]:

    logits = (q + r_w_bias) k^T + relative_shift((q + r_r_bias) r_k^T)

  where relative_shift picks, for query i and key j, the column of
  distance j - i. `relative_logits` says how that term is computed (the
  values are equal to float32 rounding):

    "gather": the relative keys are gathered into the [L, L] layout once
      per batch, R[h, i, j] = r_k[h, j - i + L - 1] ([H, L, L, K], a
      constant index of L), and (q + r_r_bias) is contracted with them
      directly: H L L K multiply-adds per sequence, only the logits used.
    "shift": Enformer's formulation: the [L, 2L-1] products
      (q + r_r_bias) r_k^T (H L (2L-1) K multiply-adds, about twice as
      many) and the Transformer-XL shift (pad, reshape, slice copies);
      the whole layer computed as before issue 16 (einsums), kept for
      the benchmark's comparison.

  Measured on a 2-core AMD EPYC (avx512_bf16, no AMX), the attention layer
  alone (L = 110, one head of 96), alternating windows in one process:
  "gather" was 1.19x (XLA) / 1.20x (no XLA) as fast as "shift" forward at
  batch 1,024 and 1.14x / 1.78x forward + backward at batch 256 (gathering
  the [L, 2L-1] products instead of the keys was no faster than the
  shift). The products then run as `ops.matmul` with equal batch axes
  (relative logits: [H, L] batches of [B, K] x [K, L]; weights x values)
  and 2-D projections, not einsums: 1.26x as fast again forward +
  backward without XLA (batch 512), the same with XLA. No product has a
  broadcast batch axis (compat.py: TensorFlow 2.21's oneDNN broadcast
  batch matmul is wrong); the "shift" path keeps its einsum for that.

  softmax over keys, weights . v, heads concatenated, then an output
  projection (with bias; kernel zero-initialised when `zero_initialize`).
  The features are `relative_position_features` (float64, then float32,
  when L is static: the same on every backend).
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
    relative_logits: "gather" (default) or "shift", as above.
  """

  def __init__(self, num_heads: int, key_size: int, value_size: int,
               num_relative_position_features: int | None = None,
               relative_position_functions: Sequence[str] = DEFAULT_FUNCTIONS,
               attention_dropout_rate: float = 0.0,
               positional_dropout_rate: float = 0.0,
               relative_position_symmetric: bool = False,
               zero_initialize: bool = True,
               relative_logits: str = "gather", **kwargs):
    super().__init__(**kwargs)
    if relative_logits not in RELATIVE_LOGITS:
      raise ValueError(f"relative_logits must be one of {RELATIVE_LOGITS}, "
                       f"got {relative_logits!r}")
    self.relative_logits = relative_logits
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
    x = ops.reshape(x, (-1, ops.shape(x)[1], self.num_heads, size))
    return ops.transpose(x, (0, 2, 1, 3))

  def _project(self, x, kernel):
    """[B, T, C] x [C, D] -> [B, T, D]: one [B T, C] x [C, D] product
    (`ops.matmul` of a 3-D and a 2-D operand is a tensordot on TensorFlow,
    never a broadcast batch matmul; compat.py). The "shift" formulation
    keeps its einsum, as it was before issue 16."""
    kernel = ops.cast(kernel, x.dtype)
    if self.relative_logits == "shift":
      return ops.einsum("btc,cd->btd", x, kernel)
    return ops.matmul(x, kernel)

  def call(self, inputs, training=None):
    dtype = self.compute_dtype
    x = ops.cast(inputs, dtype)                              # [B, L, C]
    length = ops.shape(x)[1]
    scale = ops.cast(self.key_size ** -0.5, dtype)
    q = self._split_heads(self._project(x, self.q_kernel),
                          self.key_size) * scale             # [B, H, L, K]
    k = self._split_heads(self._project(x, self.k_kernel), self.key_size)
    v = self._split_heads(self._project(x, self.v_kernel), self.value_size)

    features = relative_position_features(
        length, self.num_features, self.relative_position_functions,
        self.relative_position_symmetric)
    features = ops.cast(features, dtype)                     # [1, 2L-1, F]
    features = self.positional_dropout(features, training=training)
    r_k = self._split_heads(self._project(features, self.r_k_kernel),
                            self.key_size)[0]                # [H, 2L-1, K]

    r_w_bias = ops.cast(self.r_w_bias, dtype)                # [1, H, 1, K]
    r_r_bias = ops.cast(self.r_r_bias, dtype)
    content = ops.einsum("bhik,bhjk->bhij", q + r_w_bias, k)  # [B, H, L, L]
    logits = content + self._relative_logits(q + r_r_bias, r_k, length)
    weights = ops.cast(ops.softmax(ops.cast(logits, "float32"), axis=-1),
                       dtype)
    weights = self.attention_dropout(weights, training=training)

    if self.relative_logits == "shift":
      out = ops.einsum("bhij,bhjv->bihv", weights, v)        # [B, L, H, V]
    else:
      out = ops.transpose(ops.matmul(weights, v), (0, 2, 1, 3))
    out = ops.reshape(out, (-1, length,
                            self.num_heads * self.value_size))  # [B, L, H*V]
    return (self._project(out, self.output_kernel)
            + ops.cast(self.output_bias, dtype))

  def _relative_logits(self, q, r_k, length):
    """[B, H, L, K] x [H, 2L-1, K] -> [B, H, L, L] for distance j - i."""
    if self.relative_logits == "shift":
      # [B, H, L, 2L-1]: an einsum, not a matmul with a broadcast batch axis
      # (TensorFlow 2.21's oneDNN CPU kernel for that returns wrong values;
      # compat.py).
      return relative_shift(ops.einsum("bhik,hjk->bhij", q, r_k))
    # The keys in the [L, L] layout, once per batch: [H, L(i), L(j), K],
    # transposed for the product: [H, L(i), K, L(j)].
    r_k = ops.take(r_k, relative_key_indices(length), axis=1)
    r_k = ops.transpose(r_k, (0, 1, 3, 2))
    # A batch of H L products [B, K] x [K, L] (equal batch axes).
    logits = ops.matmul(ops.transpose(q, (1, 2, 0, 3)), r_k)  # [H, L, B, L]
    return ops.transpose(logits, (2, 0, 1, 3))               # [B, H, L, L]

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
        zero_initialize=self.zero_initialize,
        relative_logits=self.relative_logits)
    return config


