"""The functional Keras model factory (the MadLab preset by default).

  codes uint8 [batch, L] -> OneHot [batch, L, 4] -> MultiScaleConv [batch, L, W]
  -> num_blocks x TransformerBlock [batch, L, W]
  -> BiLSTM(units) [batch, 2 * units] -> Dense(num_targets) [batch, T]

With the default `ModelConfig` (L = 110, W = 96) the model has 319,657
parameters: 317,353 trainable, 2,304 non-trainable (BatchNorm moving
statistics). That is the model MadLab's report describes. With
`transformer_trainable=False` it is the model their code actually ran:
the attention and feed-forward weights of both blocks (2 x 83,520) keep
their initial values, so 150,313 weights train (their notebook's count).

Backends: every layer is written with `keras.ops`, so the model builds,
trains and predicts on TensorFlow, JAX and PyTorch alike (KERAS_BACKEND),
and a `.keras` file saved on one loads on another; importing this module
never needs TensorFlow (it registers every layer of `madlab_dream.layers`
for `keras.models.load_model`). TensorFlow remains the package's data
pipeline, training command and SavedModel export.

XLA: Keras silently compiles without XLA when any layer has
`supports_jit=False`; every layer here keeps it (`BiLSTM` never takes the
cuDNN path), so `jit_compile=True` stays on (`compat.assert_jit_compatible`
checks a model).
"""

from __future__ import annotations

import math
from typing import Any
from typing import Mapping

import keras

from madlab_dream import compat
from madlab_dream.config import ModelConfig
from madlab_dream.layers import BiLSTM
from madlab_dream.layers import MultiScaleConv
from madlab_dream.layers import OneHot
from madlab_dream.layers import TransformerBlock

# What a run's model.keras names beside the layers, registered with Keras on
# import so that `keras.models.load_model` restores its compiled state: the
# batch-loss metric, Keras 2's RMSprop and the learning-rate schedules.
from madlab_dream.layers import batch_loss  # noqa: F401
from madlab_dream.layers import keras2_rmsprop  # noqa: F401
from madlab_dream.layers import schedules  # noqa: F401


def resolve_config(config: ModelConfig | Mapping[str, Any] | None = None,
                   **settings: Any) -> ModelConfig:
  """`config` (a ModelConfig, a dict of its fields, None: the preset) with
  `settings` replacing its fields, validated."""
  if isinstance(config, ModelConfig):
    return config.replace(**settings) if settings else config
  return ModelConfig.from_dict({**dict(config or {}), **settings})


def attention_kwargs(config: ModelConfig) -> dict[str, Any]:
  """The attention's settings: ModelConfig's fields of those names, and
  MadLab's asymmetric features with a zero-initialised output."""
  names = ("num_heads", "key_size", "value_size",
           "num_relative_position_features", "relative_position_functions",
           "attention_dropout_rate", "positional_dropout_rate")
  return {**{name: getattr(config, name) for name in names},
          "relative_position_symmetric": False, "zero_initialize": True}


def build_model(config: ModelConfig | Mapping[str, Any] | None = None,
                **settings: Any) -> keras.Model:
  """Builds the uncompiled model.

  Args:
    config: a `ModelConfig`, or a dict of its fields; None: MadLab's preset.
    **settings: fields replacing those of `config`, e.g.
      `build_model(num_blocks=1, seq_len=80)`.

  Returns:
    A functional `keras.Model` named "madlab": input "codes" uint8
    [batch, seq_len], output float32 [batch, num_targets] (one column per
    target; [batch, 1] for MadLab's preset). Weights are deterministic
    for `config.seed` (`keras.utils.set_random_seed` is called first, which
    also seeds Python, NumPy and the backend).

  Raises:
    TypeError: an unknown setting.
    ConfigError: inconsistent settings (e.g. num_heads x value_size !=
      conv_reduced, a feature count the positional functions reject).

  Example:
  >>> import numpy as np
  >>> from madlab_dream.config import TINY_MODEL
  >>> from madlab_dream.model import build_model
  >>> model = build_model(TINY_MODEL, seq_len=24)
  >>> model.predict(np.zeros((3, 24), np.uint8), verbose=0).shape
  (3, 1)
  >>> build_model().count_params()
  319657
  """
  config = resolve_config(config, **settings)
  keras.utils.set_random_seed(config.seed)
  codes = keras.Input((config.seq_len,), dtype="uint8", name="codes")
  x = OneHot(name="one_hot")(codes)
  x = MultiScaleConv(
      filters=config.conv_filters, reduced=config.conv_reduced,
      kernel_sizes=config.conv_kernels, activation=config.activation,
      kernel_initializer="he_normal", l2=config.l2,
      name="multi_scale_conv")(x)
  for index in range(config.num_blocks):
    x = TransformerBlock(
        attention_kwargs(config), ffn_multiplier=config.ffn_multiplier,
        activation=config.activation,
        freeze_attention_and_ffn=not config.transformer_trainable,
        name=f"transformer_block_{index}")(x)
  x = BiLSTM(config.lstm_units, activation=config.lstm_activation,
             kernel_initializer="he_normal", name="bilstm")(x)
  output = keras.layers.Dense(
      config.num_targets, activation="linear", kernel_initializer="he_normal",
      kernel_regularizer=keras.regularizers.L2(config.l2) if config.l2
      else None, dtype="float32", name="expression")(x)
  model = keras.Model(codes, output, name="madlab")
  blockers = compat.jit_blockers(model)
  if blockers:  # Defensive: the layers above are all XLA-compatible.
    raise RuntimeError(f"layers without XLA support: {blockers}")
  return model


def inference_model(model: keras.Model) -> keras.Model:
  """The model as it predicts, with fewer memory-bound passes.

  Every BatchNorm is folded into the convolution before it
  (`MultiScaleConv.fold_batch_norm`: new, folded copies of the conv
  weights from the current moving statistics); every other layer is the
  same layer object, sharing its weights with `model`. The result computes
  `model(x, training=False)` to float32 rounding with 8 fewer
  element-wise passes over [batch, L, 192 or 96] activations. For
  prediction and export only: it has no BatchNorm to train, and it does not
  follow later changes of `model`'s conv or BatchNorm weights.

  Args:
    model: a functional model from `build_model` (or any functional model;
      layers other than `MultiScaleConv` are reused as they are).

  Returns:
    A functional `keras.Model` with the same inputs and outputs, named
    `<name>_inference`.
  """
  def clone(layer):
    if isinstance(layer, MultiScaleConv) and layer.batch_norm:
      return layer.fold_batch_norm()
    return layer

  folded = keras.models.clone_model(model, clone_function=clone)
  folded.name = f"{model.name}_inference"
  return folded


def parameter_counts(model: keras.Model) -> dict[str, int]:
  """{"total", "trainable", "non_trainable"} weights of a model."""
  trainable = sum(_size(v) for v in model.trainable_weights)
  frozen = sum(_size(v) for v in model.non_trainable_weights)
  return {"total": trainable + frozen, "trainable": trainable,
          "non_trainable": frozen}


def _size(variable) -> int:
  return math.prod(int(d) for d in variable.shape)


def one_hot_model(model: keras.Model) -> keras.Model:
  """The model from its one-hot input onward, for gradients w.r.t. the input.

  `model` takes uint8 codes and one-hot encodes them in its "one_hot"
  layer (`OneHot`); the returned model takes that layer's output
  instead: the graph is cloned with a float input [batch, L, 4] and an
  identity in place of the encoding, every other layer being the same
  layer object (sharing its weights), so for one-hot rows (N = an all-zero
  row) its predictions equal `model(codes)`.

  Args:
    model: a functional model with a `OneHot` layer (`build_model`,
      `inference_model`, or one loaded from a `.keras` file).

  Returns:
    A functional `keras.Model` named `<name>_one_hot`: input "one_hot"
    float32 [batch, L, 4], the same outputs as `model`.

  Raises:
    ValueError: `model` has no `OneHot` layer.
  """
  encoders = [layer for layer in model.layers
              if isinstance(layer, OneHot)]
  if len(encoders) != 1:
    raise ValueError(f"model {model.name!r} has {len(encoders)} OneHot "
                     "layers (expected one)")
  shape = tuple(encoders[0].output.shape[1:])
  one_hot = keras.Input(shape, dtype="float32", name="one_hot")

  def clone(layer):
    if layer is encoders[0]:
      return keras.layers.Identity(name=f"{layer.name}_identity")
    return layer

  out = keras.models.clone_model(model, input_tensors=one_hot,
                                 clone_function=clone)
  out.name = f"{model.name}_one_hot"
  return out
