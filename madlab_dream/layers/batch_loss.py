"""The `batch_loss` metric a training run compiles its model with.

BatchLoss: the loss of the last batch (Keras's `loss` log is the epoch's
running mean, which hides a single batch); `training.loss_spikes` counts
the batches whose loss jumps far above the recent ones. Registered with
Keras here, beside the layers, so that loading a model.keras needs nothing
from training.
"""

from __future__ import annotations

import keras

METRIC = "batch_loss"


@keras.saving.register_keras_serializable(package="madlab_dream")
class BatchLoss(keras.metrics.Metric):
  """The data loss (without regularisation) of the last batch.

  Args:
    loss: the name of the training loss ("mse", "huber" or "mae").
    name: the metric's name in the logs.
  """

  def __init__(self, loss: str = "mse", name: str = METRIC, **kwargs):
    if loss not in ("mse", "huber", "mae"):
      raise ValueError(f"loss must be mse, huber or mae, got {loss!r}")
    super().__init__(name=name, **kwargs)
    self.loss = loss
    self._fn = {"mse": keras.losses.MeanSquaredError(),
                "huber": keras.losses.Huber(),
                "mae": keras.losses.MeanAbsoluteError()}[loss]
    self.value = self.add_variable(shape=(), initializer="zeros",
                                   name="value")

  def update_state(self, y_true, y_pred, sample_weight=None):
    del sample_weight
    self.value.assign(keras.ops.cast(
        self._fn(keras.ops.cast(y_true, "float32"),
                 keras.ops.cast(y_pred, "float32")), self.value.dtype))

  def result(self):
    # A tensor, not the variable: JAX no longer traces a variable returned
    # from a jitted function (Keras's metrics return tensors too).
    return keras.ops.convert_to_tensor(self.value)

  def reset_state(self):
    self.value.assign(0.0)

  def get_config(self):
    return {"loss": self.loss, "name": self.name}
