"""MadLab's pre-LayerNorm transformer block around the relative attention."""

from __future__ import annotations

import math
from typing import Any
from typing import Callable
from typing import Mapping

import keras

from madlab_dream.layers import arguments
from madlab_dream.layers import keras_objects
from madlab_dream.layers.attention import ATTENTION_SETTINGS
from madlab_dream.layers.attention import RelativeMultiHeadAttention
from madlab_dream.layers.attention import check_attention_settings
from madlab_dream.layers.attention import check_relative_logits

_PACKAGE = "madlab_dream"


def serialized_activation(value: str | Callable) -> Any:
  """A name stays a name; a callable becomes its Keras serialisation."""
  if isinstance(value, str):
    return value
  return keras.activations.serialize(value)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class TransformerBlock(keras.layers.Layer):
  """MadLab's pre-LayerNorm transformer block.

    x = x + Dropout(MHA(LayerNorm(x)))
    x = x + Dropout(Dense(width)(Dropout(act(Dense(m * width)(LayerNorm(x))))))

  MHA is `RelativeMultiHeadAttention(**attention_kwargs)`; both Dense
  layers have a bias and Sonnet Linear's default initialisation (truncated
  normal, sd 1/sqrt(fan_in)), as MadLab's `snt.Linear`. LayerNorms have
  scale and center (Keras defaults, epsilon 1e-3).

  Configs with the attention's settings beside the block's (as madlab-dream
  0.2.0 wrote them, `relative_logits` included) load as this layer.

  Args:
    attention_kwargs: the attention's settings, by the names of
      `RelativeMultiHeadAttention`'s arguments (num_heads, key_size,
      value_size required); width = num_heads * value_size.
    ffn_multiplier: the feed-forward hidden width, in multiples of width
      (keyword-only, like every argument after attention_kwargs).
    activation: of the feed-forward hidden layer (default ReLU, as
      Enformer's transformer).
    dropout_rate: after the attention, the hidden layer and the output;
      default 0 (MadLab).
    freeze_attention_and_ffn: make the attention's weights (q, k, v, the
      relative-key projection, both position biases, the output projection)
      and both feed-forward layers non-trainable, as in the model MadLab
      actually ran (Keras 2 never tracked those Sonnet variables, so they
      kept their initial values); the LayerNorms still train. With the
      zero-initialised output projection the attention then adds exactly 0.
    **kwargs: the base Layer's (name, dtype, trainable).

  Call arguments:
    inputs: [batch, L, width].
    training: whether the dropouts apply.

  Input shape:
    3D tensor `(batch, L, width)`, width = num_heads * value_size.

  Output shape:
    The input's: `(batch, L, width)`.

  Example:
  >>> import numpy as np
  >>> from madlab_dream import layers
  >>> block = layers.TransformerBlock(
  ...     {"num_heads": 2, "key_size": 4, "value_size": 3,
  ...      "num_relative_position_features": 6}, ffn_multiplier=2)
  >>> tuple(block(np.ones((5, 11, 6), "float32")).shape)
  (5, 11, 6)
  """

  def __init__(self, attention_kwargs: Mapping[str, Any], *,
               ffn_multiplier: int, activation: str | Callable = "relu",
               dropout_rate: float = 0.0,
               freeze_attention_and_ffn: bool = False, **kwargs):
    attention_kwargs = check_attention_settings(attention_kwargs)
    ffn_multiplier = arguments.positive_int("ffn_multiplier", ffn_multiplier)
    activation = keras_objects.check_activation("activation", activation)
    dropout_rate = arguments.rate("dropout_rate", dropout_rate)
    freeze_attention_and_ffn = arguments.boolean("freeze_attention_and_ffn",
                                                 freeze_attention_and_ffn)
    super().__init__(**kwargs)
    self._attention_kwargs = attention_kwargs
    self.ffn_multiplier = ffn_multiplier
    self.activation = activation
    self.dropout_rate = dropout_rate
    self.freeze_attention_and_ffn = freeze_attention_and_ffn
    self.width = attention_kwargs["num_heads"] * attention_kwargs["value_size"]
    self._create_sublayers()

  @property
  def attention_kwargs(self) -> dict[str, Any]:
    """The attention's settings (a copy; every one, defaults included)."""
    return {name: list(value) if isinstance(value, (list, tuple)) else value
            for name, value in self._attention_kwargs.items()}

  def _create_sublayers(self) -> None:
    """The attention, LayerNorms, Dense and Dropout layers (unbuilt)."""
    width, hidden = self.width, self.ffn_multiplier * self.width
    policy, rate = self.dtype_policy, self.dropout_rate
    self.mha_norm = keras.layers.LayerNormalization(dtype=policy,
                                                    name="mha_norm")
    self.mha = RelativeMultiHeadAttention(**self._attention_kwargs,
                                          dtype=policy, name="mha")
    self.mha_dropout = keras.layers.Dropout(rate, dtype=policy,
                                            name="mha_dropout")
    self.ffn_norm = keras.layers.LayerNormalization(dtype=policy,
                                                    name="ffn_norm")
    self.ffn_hidden = keras.layers.Dense(
        hidden, activation=self.activation,
        kernel_initializer=keras.initializers.TruncatedNormal(
            stddev=1.0 / math.sqrt(width)),
        dtype=policy, name="ffn_hidden")
    self.ffn_hidden_dropout = keras.layers.Dropout(
        rate, dtype=policy, name="ffn_hidden_dropout")
    self.ffn_output = keras.layers.Dense(
        width, kernel_initializer=keras.initializers.TruncatedNormal(
            stddev=1.0 / math.sqrt(hidden)),
        dtype=policy, name="ffn_output")
    self.ffn_dropout = keras.layers.Dropout(rate, dtype=policy,
                                            name="ffn_dropout")
    if self.freeze_attention_and_ffn:
      for layer in (self.mha, self.ffn_hidden, self.ffn_output):
        layer.trainable = False

  def build(self, input_shape):
    if input_shape[-1] != self.width:
      raise ValueError(
          f"TransformerBlock: input width {input_shape[-1]} must equal "
          f"num_heads x value_size = {self.width} (residual connection). "
          f"Received: input_shape={tuple(input_shape)}")
    shape = tuple(input_shape)
    self.mha_norm.build(shape)
    self.mha.build(shape)
    self.ffn_norm.build(shape)
    self.ffn_hidden.build(shape)
    self.ffn_output.build(shape[:-1] + (self.ffn_multiplier * self.width,))

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
    config.update(attention_kwargs=self.attention_kwargs,
                  ffn_multiplier=self.ffn_multiplier,
                  activation=serialized_activation(self.activation),
                  dropout_rate=self.dropout_rate,
                  freeze_attention_and_ffn=self.freeze_attention_and_ffn)
    return config

  @classmethod
  def from_config(cls, config):
    config = dict(config)
    check_relative_logits(config.pop("relative_logits", "gather"))
    if "attention_kwargs" not in config:  # the attention's settings inline
      config["attention_kwargs"] = {name: config.pop(name)
                                    for name in ATTENTION_SETTINGS
                                    if name in config}
    return super().from_config(config)
