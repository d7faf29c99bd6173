"""Optimiser, loss and XLA choice of a training run."""

from __future__ import annotations

from madlab_dream.config import TrainConfig


def make_optimizer(config: TrainConfig):
  """The Keras optimiser named by `config.optimizer` at its learning rate."""
  import keras
  return {"rmsprop": keras.optimizers.RMSprop,
          "adam": keras.optimizers.Adam,
          "adamw": keras.optimizers.AdamW,
          "sgd": keras.optimizers.SGD}[config.optimizer](
              learning_rate=config.learning_rate)


def make_loss(name: str):
  import keras
  return {"mse": keras.losses.MeanSquaredError(),
          "huber": keras.losses.Huber(),
          "mae": keras.losses.MeanAbsoluteError()}[name]


def resolve_jit(mode: str) -> bool:
  """--jit_compile=auto|true|false -> bool (auto: on with a GPU or TPU)."""
  if mode == "auto":
    import tensorflow as tf
    return bool(tf.config.list_physical_devices("GPU") or
                tf.config.list_physical_devices("TPU"))
  return mode == "true"
