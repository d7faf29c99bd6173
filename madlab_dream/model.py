"""The functional Keras model factory (the MadLab preset by default).

  codes uint8 [batch, L] -> OneHot [batch, L, 4] -> MultiScaleConv [batch, L, W]
  -> num_blocks x TransformerBlock [batch, L, W]
  -> Bidirectional(LSTM(units)) [batch, 2 * units] -> Dense(1) [batch, 1]

With `options.model_config()` defaults (L = 110, W = 96) the model has
319,657 parameters: 317,353 trainable, 2,304 non-trainable (BatchNorm moving
statistics).

XLA: Keras silently compiles without XLA when any layer has
`supports_jit=False`. The factory's LSTM never takes the cuDNN path
(`layers.NoCudnnLSTM`), whatever its activation, so `jit_compile=True` stays
on; `assert_jit_compatible` checks a model.
"""

from __future__ import annotations

from typing import Any

import keras

from madlab_dream import layers
from madlab_dream import options


def build_model(config: dict[str, Any] | None = None,
                **overrides: Any) -> keras.Model:
  """Builds the uncompiled model.

  Args:
    config: model settings as `options.model_config()` returns them; missing
      keys take the flag values (defaults: the MadLab preset).
    **overrides: settings replacing those of `config` (same keys).

  Returns:
    A functional `keras.Model`: input "codes" uint8 [batch, seq_len], output
    float32 [batch, 1]. Weights are deterministic for `config["seed"]`
    (`keras.utils.set_random_seed` is called first, which also seeds Python,
    NumPy and TensorFlow).

  Raises:
    TypeError: an unknown setting.
    ValueError: inconsistent settings (e.g. num_heads * value_size !=
      conv_reduced, a feature count the positional functions reject).
  """
  cfg = options.model_config(**{**(config or {}), **overrides})
  width = int(cfg["conv_reduced"])
  if cfg["num_blocks"] and cfg["num_heads"] * cfg["value_size"] != width:
    raise ValueError(
        f"num_heads x value_size ({cfg['num_heads']} x {cfg['value_size']}) "
        f"must equal conv_reduced ({width}) for the residual connections")
  keras.utils.set_random_seed(int(cfg["seed"]))
  l2 = float(cfg["l2"])

  codes = keras.Input((int(cfg["seq_len"]),), dtype="uint8", name="codes")
  x = layers.OneHot(name="one_hot")(codes)
  x = layers.MultiScaleConv(
      filters=cfg["conv_filters"], reduced=width,
      kernel_sizes=cfg["conv_kernels"], activation=cfg["activation"],
      kernel_initializer="he_normal", l2=l2, name="multi_scale_conv")(x)
  for i in range(int(cfg["num_blocks"])):
    x = layers.TransformerBlock(
        num_heads=cfg["num_heads"], key_size=cfg["key_size"],
        value_size=cfg["value_size"],
        num_relative_position_features=cfg["num_relative_features"],
        relative_position_functions=list(cfg["relative_functions"]),
        attention_dropout_rate=cfg["attention_dropout"],
        positional_dropout_rate=cfg["positional_dropout"],
        relative_position_symmetric=False, zero_initialize=True,
        ffn_multiplier=cfg["ffn_multiplier"], activation=cfg["activation"],
        name=f"transformer_block_{i}")(x)
  x = keras.layers.Bidirectional(
      layers.NoCudnnLSTM(int(cfg["lstm_units"]),
                         activation=cfg["lstm_activation"],
                         kernel_initializer="he_normal",
                         return_sequences=False, use_cudnn=False),
      name="bilstm")(x)
  output = keras.layers.Dense(
      1, activation="linear", kernel_initializer="he_normal",
      kernel_regularizer=keras.regularizers.L2(l2) if l2 else None,
      dtype="float32", name="expression")(x)
  model = keras.Model(codes, output, name="madlab")
  blockers = jit_blockers(model)
  if blockers:  # Defensive: the layers above are all XLA-compatible.
    raise RuntimeError(f"layers without XLA support: {blockers}")
  return model


def jit_blockers(model: keras.Model) -> list[str]:
  """Names of the (nested) layers whose `supports_jit` is False."""
  return [f"{layer.name} ({type(layer).__name__})"
          for layer in model._flatten_layers(include_self=False,
                                             recursive=True)
          if not getattr(layer, "supports_jit", True)]


def assert_jit_compatible(model: keras.Model) -> None:
  """Raises ValueError if `compile(jit_compile=True)` would drop XLA.

  Keras turns XLA off (with a warning only) when a layer has
  `supports_jit=False` (e.g. a cuDNN-eligible LSTM on GPU) or when
  TensorFlow op determinism is enabled.
  """
  problems = []
  blockers = jit_blockers(model)
  if blockers:
    problems.append("layers with supports_jit=False: " + ", ".join(blockers))
  if _op_determinism_enabled():
    problems.append("tf.config.experimental.enable_op_determinism() is on")
  if problems:
    raise ValueError("XLA (jit_compile=True) would be switched off: "
                     + "; ".join(problems))


def _op_determinism_enabled() -> bool:
  """Whether tf.config.experimental.enable_op_determinism() is on."""
  # No public getter exists; Keras reads the same private function.
  # pylint: disable-next=g-direct-tensorflow-import,import-outside-toplevel
  from tensorflow.python.framework import config
  return bool(config.is_op_determinism_enabled())
