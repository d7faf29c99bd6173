"""Enformer's relative-position multi-head attention as a Keras layer.

Short pure functions of `keras.ops`, as Enformer's `attention_module.py`
(B batch, H heads, L length, C channels, K key size, V value size, F
relative-position features), and the layer that holds the weights:

  split_heads, merge_heads     [B, T, H D] <-> [B, H, T, D]
  project                      [B, T, C] x [C, D] -> [B, T, D]
  relative_key_indices         int32 [L, L]: the column of distance j - i
  relative_logits              [B, H, L, K] x [H, 2L-1, K] -> [B, H, L, L]
  check_attention_settings     the layer's settings, checked by name
  RelativeMultiHeadAttention   [B, L, C] -> [B, L, H V]
"""

from __future__ import annotations

import inspect
from typing import Any
from typing import Mapping
from typing import Sequence

import keras
import numpy as np
from keras import ops

from madlab_dream.layers import arguments
from madlab_dream.layers.arguments import DEFAULT_RELATIVE_POSITION_FUNCTIONS
from madlab_dream.layers.positional import relative_position_features

_PACKAGE = "madlab_dream"

# compat-workaround: TensorFlow 2.21's oneDNN CPU kernel for a batch matmul
# with a broadcast batch axis returns wrong values (and corrupts memory in
# eager mode): every product below has equal batch axes or a 2-D right
# operand (a tensordot on TensorFlow), on every backend.


def split_heads(x, num_heads: int):
  """[B, T, H D] -> [B, H, T, D]."""
  x = ops.reshape(x, (-1, ops.shape(x)[1], num_heads,
                      x.shape[-1] // num_heads))             # [B, T, H, D]
  return ops.transpose(x, (0, 2, 1, 3))


def merge_heads(x):
  """[B, H, T, D] -> [B, T, H D]."""
  heads, size = x.shape[1], x.shape[3]
  x = ops.transpose(x, (0, 2, 1, 3))                         # [B, T, H, D]
  return ops.reshape(x, (-1, ops.shape(x)[1], heads * size))


def project(x, kernel):
  """[B, T, C] x [C, D] -> [B, T, D], in x's dtype (a 2-D right operand)."""
  return ops.matmul(x, ops.cast(kernel, x.dtype))


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


def relative_logits(query, relative_keys):
  """The relative-position term of Enformer's logits, for distance j - i.

  Enformer multiplies the query with every relative key ([L, 2L-1]) and
  shifts the products into place (Transformer-XL's `relative_shift`); here
  the keys are gathered into the [L, L] layout first, R[h, i, j] =
  relative_keys[h, j - i + L - 1], and only the logits used are formed:
  the same values, H L L K multiply-adds instead of H L (2L-1) K.

  Args:
    query: [B, H, L, K], the query plus r_r_bias.
    relative_keys: [H, 2L-1, K], the projected features of the distances
      -(L-1) .. L-1.

  Returns:
    [B, H, L, L]: entry (i, j) is query[:, :, i] . R[:, i, j].
  """
  length = ops.shape(query)[2]
  keys = ops.take(relative_keys, relative_key_indices(length),
                  axis=1)                                    # [H, L, L, K]
  keys = ops.transpose(keys, (0, 1, 3, 2))                   # [H, L, K, L]
  # A batch of H L products [B, K] x [K, L] (equal batch axes).
  logits = ops.matmul(ops.transpose(query, (1, 2, 0, 3)), keys)  # [H, L, B, L]
  return ops.transpose(logits, (2, 0, 1, 3))                 # [B, H, L, L]


def _sonnet_variance_scaling() -> keras.initializers.Initializer:
  """Sonnet's VarianceScaling(2.0): fan-in truncated normal, scale 2."""
  return keras.initializers.VarianceScaling(scale=2.0, mode="fan_in",
                                            distribution="truncated_normal")


#: Each setting of the attention (its arguments but the base Layer's) and
#: its check: the keys of a TransformerBlock's `attention_kwargs`.
_SETTING_CHECKS = {
    "num_heads": arguments.positive_int,
    "key_size": arguments.positive_int,
    "value_size": arguments.positive_int,
    "num_relative_position_features": arguments.optional_positive_int,
    "relative_position_functions": arguments.function_names,
    "attention_dropout_rate": arguments.rate,
    "positional_dropout_rate": arguments.rate,
    "relative_position_symmetric": arguments.boolean,
    "zero_initialize": arguments.boolean,
}
ATTENTION_SETTINGS = tuple(_SETTING_CHECKS)


def check_attention_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
  """`RelativeMultiHeadAttention`'s settings, checked, with its defaults.

  Args:
    settings: argument name -> value; num_heads, key_size and value_size
      are required.

  Returns:
    Every setting (`ATTENTION_SETTINGS`), normalised (lists as lists).

  Raises:
    TypeError: `settings` is not a mapping, lacks a size or has an unknown
      name.
    ValueError: a bad value ("Received: name=value"), or a feature count the
      basis functions cannot split.
  """
  if not isinstance(settings, Mapping):
    raise TypeError("The attention's settings must be a dict of its "
                    f"arguments. Received: attention_kwargs={settings!r}")
  unknown = sorted(set(settings) - set(ATTENTION_SETTINGS))
  missing = [name for name in ("num_heads", "key_size", "value_size")
             if name not in settings]
  if unknown or missing:
    problems = ([f"unknown {unknown}"] if unknown else []) + (
        [f"missing {missing}"] if missing else [])
    raise TypeError(f"Attention settings {' and '.join(problems)}; the "
                    f"settings are {list(ATTENTION_SETTINGS)}. Received: "
                    f"attention_kwargs={dict(settings)!r}")
  checked = {**_ATTENTION_DEFAULTS, **settings}
  checked = {name: _SETTING_CHECKS[name](name, checked[name])
             for name in ATTENTION_SETTINGS}
  arguments.relative_position_feature_count(
      checked["value_size"], checked["num_relative_position_features"],
      checked["relative_position_functions"],
      checked["relative_position_symmetric"])
  return checked


def check_relative_logits(value: Any) -> None:
  """Accepts the `relative_logits` key of configs written by madlab-dream
  0.2.0: "gather" (this layer's formulation) or "shift" (Enformer's
  products and shift: the same function, equal to float32 rounding)."""
  if value not in ("gather", "shift"):
    raise ValueError(
        "The attention computes its relative logits from gathered relative "
        "keys; a config's relative_logits may be 'gather' or 'shift' (the "
        f"same function). Received: relative_logits={value!r}")


@keras.saving.register_keras_serializable(package=_PACKAGE)
class RelativeMultiHeadAttention(keras.layers.Layer):
  """Enformer's `MultiheadAttention` with relative positions (scaling on).

  q, k, v are bias-free projections of the input to H K, H K and H V
  channels, q scaled by K**-0.5. The positional features of the distances
  -(L-1) .. L-1 ([1, 2L-1, F], `relative_position_features`: computed in
  float64 for a known L, the same on every backend) go through a bias-free
  projection to relative keys r_k. With the learned biases r_w_bias and
  r_r_bias [1, H, 1, K]:

    logits[i, j] = (q_i + r_w_bias) . k_j + (q_i + r_r_bias) . r_k[j - i]

  (`relative_logits`), softmax over j (in float32), the weights times v,
  the heads concatenated and an output projection with bias (its kernel
  zero-initialised with `zero_initialize`). The projections use Sonnet's
  VarianceScaling(2.0) initialisation, as Enformer.

  Configs that carry `relative_logits` ("gather" or "shift": madlab-dream
  0.2.0 offered both formulations of this function) load as this layer.

  Args:
    num_heads: H, positive int.
    key_size: K, per head.
    value_size: V, per head; the output has H V channels (Enformer's
      embedding size: a residual block needs the input's channels equal
      to it).
    num_relative_position_features: F; None gives Enformer's default
      (V // 2n) 2n for n basis functions.
    relative_position_functions: basis function names
      (`arguments.RELATIVE_POSITION_FUNCTIONS`); default MadLab's three.
    attention_dropout_rate: dropout on the attention weights, in [0, 1).
    positional_dropout_rate: dropout on the positional features, in [0, 1).
    relative_position_symmetric: Enformer's `relative_position_symmetric`
      (False: the features of |d| followed by them times sign(d)).
    zero_initialize: zero-initialise the output projection's kernel.
    **kwargs: the base Layer's (name, dtype, trainable).

  Call arguments:
    inputs: [batch, L, C].
    training: whether the dropouts apply.

  Input shape:
    3D tensor `(batch, L, channels)`.

  Output shape:
    3D tensor `(batch, L, num_heads * value_size)`.

  Example:
  >>> import numpy as np
  >>> from madlab_dream import layers
  >>> attention = layers.RelativeMultiHeadAttention(
  ...     num_heads=2, key_size=4, value_size=3,
  ...     num_relative_position_features=6)
  >>> tuple(attention(np.zeros((5, 11, 6), "float32")).shape)
  (5, 11, 6)
  >>> attention.num_features
  6
  """

  def __init__(self, num_heads: int, key_size: int, value_size: int,
               num_relative_position_features: int | None = None,
               relative_position_functions: Sequence[str] = (
                   DEFAULT_RELATIVE_POSITION_FUNCTIONS),
               attention_dropout_rate: float = 0.0,
               positional_dropout_rate: float = 0.0,
               relative_position_symmetric: bool = False,
               zero_initialize: bool = True, **kwargs):
    settings = check_attention_settings(dict(
        num_heads=num_heads, key_size=key_size, value_size=value_size,
        num_relative_position_features=num_relative_position_features,
        relative_position_functions=relative_position_functions,
        attention_dropout_rate=attention_dropout_rate,
        positional_dropout_rate=positional_dropout_rate,
        relative_position_symmetric=relative_position_symmetric,
        zero_initialize=zero_initialize))
    super().__init__(**kwargs)
    for name, value in settings.items():
      setattr(self, name, value)
    self.num_features = arguments.relative_position_feature_count(
        self.value_size, self.num_relative_position_features,
        self.relative_position_functions, self.relative_position_symmetric)
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

  def call(self, inputs, training=None):
    dtype = self.compute_dtype
    heads = self.num_heads
    x = ops.cast(inputs, dtype)                              # [B, L, C]
    scale = ops.cast(self.key_size ** -0.5, dtype)
    q = split_heads(project(x, self.q_kernel), heads) * scale  # [B, H, L, K]
    k = split_heads(project(x, self.k_kernel), heads)        # [B, H, L, K]
    v = split_heads(project(x, self.v_kernel), heads)        # [B, H, L, V]
    features = relative_position_features(
        ops.shape(x)[1], self.num_features, self.relative_position_functions,
        self.relative_position_symmetric)
    features = self.positional_dropout(ops.cast(features, dtype),
                                       training=training)    # [1, 2L-1, F]
    r_k = split_heads(project(features, self.r_k_kernel),
                      heads)[0]                              # [H, 2L-1, K]
    content = ops.einsum("bhik,bhjk->bhij",
                         q + ops.cast(self.r_w_bias, dtype), k)  # [B, H, L, L]
    logits = content + relative_logits(q + ops.cast(self.r_r_bias, dtype),
                                       r_k)
    weights = ops.cast(ops.softmax(ops.cast(logits, "float32"), axis=-1),
                       dtype)
    weights = self.attention_dropout(weights, training=training)
    out = merge_heads(ops.matmul(weights, v))                # [B, L, H V]
    return project(out, self.output_kernel) + ops.cast(self.output_bias,
                                                       dtype)

  def compute_output_shape(self, input_shape):
    return tuple(input_shape[:-1]) + (self.num_heads * self.value_size,)

  def get_config(self):
    config = super().get_config()
    config.update({name: getattr(self, name) for name in ATTENTION_SETTINGS})
    config["relative_position_functions"] = list(
        self.relative_position_functions)
    return config

  @classmethod
  def from_config(cls, config):
    config = dict(config)
    check_relative_logits(config.pop("relative_logits", "gather"))
    return super().from_config(config)


#: The defaults of the attention's optional settings (its signature's).
_ATTENTION_DEFAULTS = {
    name: parameter.default for name, parameter in inspect.signature(
        RelativeMultiHeadAttention.__init__).parameters.items()
    if name in _SETTING_CHECKS and parameter.default is not parameter.empty}
