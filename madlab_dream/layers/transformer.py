"""MadLab's pre-LayerNorm transformer block around the relative attention."""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import keras

from madlab_dream.config import RELATIVE_LOGITS
from madlab_dream.layers.attention import RelativeMultiHeadAttention
from madlab_dream.layers.positional import DEFAULT_FUNCTIONS
from madlab_dream.layers.positional import resolve_relative_features

_PACKAGE = "madlab_dream"


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

  Args:
    num_heads, key_size, value_size, num_relative_position_features,
      relative_position_functions, attention_dropout_rate,
      positional_dropout_rate, relative_position_symmetric,
      zero_initialize, relative_logits: the attention's
      (`RelativeMultiHeadAttention`).
    ffn_multiplier: the feed-forward hidden width, in multiples of width
      (keyword-only, like every argument after value_size).
    activation: of the feed-forward hidden layer (default ReLU, as
      Enformer's transformer).
    dropout_rate: after the attention, the hidden layer and the output.
    freeze_attention_and_ffn: make the attention's weights (q, k, v, the
      relative-key projection, both position biases, the output projection)
      and both feed-forward layers non-trainable, as in the model MadLab
      actually ran (Keras 2 never tracked those Sonnet variables, so they
      kept their initial values); the LayerNorms still train. With the
      zero-initialised output projection the attention then adds exactly 0.
  """

  def __init__(self, num_heads: int, key_size: int, value_size: int, *,
               ffn_multiplier: int,
               num_relative_position_features: int | None = None,
               relative_position_functions: Sequence[str] = DEFAULT_FUNCTIONS,
               attention_dropout_rate: float = 0.0,
               positional_dropout_rate: float = 0.0,
               relative_position_symmetric: bool = False,
               zero_initialize: bool = True,
               relative_logits: str = "gather",
               activation: str | Callable = "relu",
               dropout_rate: float = 0.0,
               freeze_attention_and_ffn: bool = False, **kwargs):
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
    if relative_logits not in RELATIVE_LOGITS:
      raise ValueError(f"relative_logits must be one of {RELATIVE_LOGITS}, "
                       f"got {relative_logits!r}")
    self.relative_logits = relative_logits
    self.ffn_multiplier = int(ffn_multiplier)
    self.activation = activation
    self.dropout_rate = float(dropout_rate)
    self.freeze_attention_and_ffn = bool(freeze_attention_and_ffn)
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
        zero_initialize=self.zero_initialize,
        relative_logits=self.relative_logits)

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
    if self.freeze_attention_and_ffn:
      for layer in (self.mha, self.ffn_hidden, self.ffn_output):
        layer.trainable = False
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
                  dropout_rate=self.dropout_rate,
                  freeze_attention_and_ffn=self.freeze_attention_and_ffn)
    return config


