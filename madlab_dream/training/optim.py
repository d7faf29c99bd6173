"""Optimiser (with its learning-rate schedule), loss and XLA choice.

Keras (and TensorFlow for `resolve_jit`) is imported when a function is
called, so that modules which only name these functions (the benchmark's
parent process, the demo before it measures) start no framework.
"""

from __future__ import annotations

from madlab_dream.config import TrainConfig
from madlab_dream.training import devices


def make_optimizer(config: TrainConfig, total_steps: int | None = None):
  """The Keras optimiser named by `config.optimizer`.

  With `lr_schedule="constant"` and no warm-up (MadLab's) the learning rate
  is the plain number; otherwise a `schedules.Schedule` over `total_steps`.
  """
  import keras  # Keras-dependent imports: see the module docstring

  # Imported when used: it imports Keras, which starts a framework.
  from madlab_dream.layers import schedules
  from madlab_dream.layers.keras2_rmsprop import Keras2RMSprop
  rate = config.learning_rate
  warmup = schedules.warmup_steps(config.lr_schedule, total_steps or 0,
                                  config.warmup_fraction)
  if config.lr_schedule != "constant" or warmup:
    if not total_steps:
      raise ValueError("a learning-rate schedule needs the planned steps")
    rate = schedules.Schedule(config.lr_schedule, config.learning_rate,
                              total_steps, warmup)
  return {"rmsprop": keras.optimizers.RMSprop,
          "rmsprop_keras2": Keras2RMSprop,
          "adam": keras.optimizers.Adam,
          "adamw": keras.optimizers.AdamW,
          "sgd": keras.optimizers.SGD}[config.optimizer](
              learning_rate=rate, global_clipnorm=config.clipnorm)


def make_loss(name: str, target_weights=None):
  """The Keras loss named by --loss (weighted over the targets with
  `target_weights`: `target_loss.TargetWeightedLoss`)."""
  import keras  # see the module docstring
  if target_weights is not None:
    # Imported when used: it imports Keras, which starts a framework.
    from madlab_dream.training.target_loss import TargetWeightedLoss
    return TargetWeightedLoss(name, target_weights)
  return {"mse": keras.losses.MeanSquaredError(),
          "huber": keras.losses.Huber(),
          "mae": keras.losses.MeanAbsoluteError()}[name]


def resolve_jit(mode: str) -> bool:
  """--jit_compile=auto|true|false -> bool. auto: on JAX always (Keras on
  JAX without XLA runs op by op), on TensorFlow with a GPU or TPU, on
  PyTorch never (torch.compile is not XLA)."""
  if mode == "auto":
    if devices.backend() == "jax":
      return True
    if devices.backend() == "torch":
      return False
    return devices.has_accelerator()
  return mode == "true"
