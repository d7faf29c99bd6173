"""Where a run trains, on whichever backend Keras runs.

`make(name, tpu)` returns the run's "strategy": on TensorFlow the
tf.distribute strategy of `distribute.make_strategy` (started quietly); on
JAX and PyTorch a `KerasDevices` with the same two members the training run
reads (`scope()`, `num_replicas_in_sync`). `--strategy=mirrored` on JAX is
`keras.distribution.DataParallel` over the local devices (the counterpart of
MirroredStrategy: every device holds the weights, each global batch is split
over them, the gradients are summed), so the global batch and the validation
figures are those of one device. Multi-worker and TPU strategies are
tf.distribute's; PyTorch trains on one device.

Also the backend-neutral answers the run needs: whether an accelerator is
there (`--jit_compile=auto`, `--mixed_precision=auto`) and JAX's default
matmul precision (`--matmul_precision`).
"""

from __future__ import annotations

import contextlib

from madlab_dream import compat
from madlab_dream.config import MATMUL_PRECISIONS
from madlab_dream.errors import InputError


def backend() -> str:
  """The Keras backend this process runs (from KERAS_BACKEND, without
  importing Keras when it is not imported yet)."""
  return compat.keras_backend()


def check_environment(name: str) -> None:
  """InputError, before any work, for a strategy this backend lacks."""
  where = backend()
  if where == "tensorflow" or name == "default":
    return
  if where == "jax" and name == "mirrored":
    return
  hint = ("on JAX, --strategy=mirrored splits each batch over the local "
          "devices" if where == "jax" else
          f"Keras on {where} trains on one device here")
  raise InputError(f"--strategy={name} is a tf.distribute strategy and needs "
                   f"Keras on TensorFlow (KERAS_BACKEND={where}); {hint}")


class KerasDevices:
  """The devices of a run on JAX or PyTorch (see the module docstring)."""

  def __init__(self, name: str):
    self.name = name
    self.distribution = None
    self.num_replicas_in_sync = 1
    if name == "mirrored":
      import keras  # the backend is running by now
      devices = keras.distribution.list_devices()
      self.distribution = keras.distribution.DataParallel(devices=devices)
      self.num_replicas_in_sync = len(devices)

  def scope(self):
    """Variables made in it are laid out over the devices (DataParallel)."""
    if self.distribution is None:
      return contextlib.nullcontext()
    return self.distribution.scope()

  @contextlib.contextmanager
  def active(self):
    """The distribution set for everything inside (fit, predictions)."""
    if self.distribution is None:
      yield
      return
    # Imported when used: Keras starts a framework.
    import keras
    previous = keras.distribution.distribution()
    keras.distribution.set_distribution(self.distribution)
    try:
      yield
    finally:
      keras.distribution.set_distribution(previous)


def make(name: str, tpu: str | None = None):
  """The run's strategy (see the module docstring); Keras started quietly."""
  if backend() == "tensorflow":
    # Imported when used: tf.distribute needs TensorFlow.
    from madlab_dream.training import distribute
    _, strategy = compat.tensorflow(
        before_init=lambda _: distribute.make_strategy(name, tpu))
    return strategy
  compat.keras()
  return KerasDevices(name)


def active(strategy):
  """A context in which `fit` sees the strategy's devices (a tf.distribute
  strategy needs none: its datasets and scope carry it)."""
  if isinstance(strategy, KerasDevices):
    return strategy.active()
  return contextlib.nullcontext()


def has_accelerator() -> bool:
  """Whether the backend sees a GPU or TPU."""
  where = backend()
  if where == "tensorflow":
    import tensorflow as tf  # the backend here
    return bool(tf.config.list_physical_devices("GPU") or
                tf.config.list_physical_devices("TPU"))
  if where == "jax":
    import jax  # the backend here
    return jax.default_backend() != "cpu"
  if where == "torch":
    import torch  # the backend here
    return bool(torch.cuda.is_available())
  return False


def set_matmul_precision(precision: str) -> dict:
  """Sets JAX's default matmul precision; says which ran.

  JAX computes float32 matmuls on NVIDIA GPUs with TF32 by default
  ("default"); "highest" gives true float32, "high" bfloat16_3x. On
  TensorFlow and PyTorch the flag must be "default" (each has its own
  switch): InputError otherwise.

  Returns:
    {"requested", "backend", "jax_default_matmul_precision"} for the report.
  """
  if precision not in MATMUL_PRECISIONS:
    raise InputError(f"--matmul_precision={precision}: one of "
                     f"{', '.join(MATMUL_PRECISIONS)}")
  where = backend()
  out = {"requested": precision, "backend": where}
  if where != "jax":
    if precision != "default":
      raise InputError(f"--matmul_precision={precision} sets JAX's matmul "
                       f"precision; Keras runs on {where} here")
    return out
  import jax  # the backend here
  jax.config.update("jax_default_matmul_precision",
                    None if precision == "default" else precision)
  platform = jax.default_backend()
  out["jax_default_matmul_precision"] = precision
  out["platform"] = platform
  out["float32_matmuls"] = (
      "TF32 on NVIDIA GPUs (JAX's default)" if precision == "default" and
      platform == "gpu" else "bfloat16_3x" if precision == "high" and
      platform != "cpu" else "float32")
  return out
