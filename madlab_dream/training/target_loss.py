"""The loss of several targets with weights (--target_weights).

`TargetWeightedLoss(name, weights)` is the per-target loss (mse, huber,
mae) of each output column, combined as sum_t w_t loss_t / sum_t w_t. With
equal weights it equals Keras's own loss averaged over the targets, which
is what a run without --target_weights uses. It is a registered Keras
object, so a `.keras` file compiled with it loads again.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="madlab_dream")
class TargetWeightedLoss(keras.losses.Loss):
  """Weighted mean over targets of an element-wise regression loss.

  Args:
    kind: "mse", "huber" (delta 1) or "mae".
    weights: one non-negative weight per target.

  Call arguments: y_true, y_pred float [batch, T].
  """

  def __init__(self, kind: str = "mse", weights=(1.0,), name=None,
               reduction="sum_over_batch_size", dtype=None):
    if kind not in ("mse", "huber", "mae"):
      raise ValueError(f"unknown loss kind {kind!r}")
    weights = [float(w) for w in weights]
    if not weights or min(weights) < 0 or sum(weights) <= 0:
      raise ValueError(f"weights must be non-negative, not all 0: {weights}")
    super().__init__(name=name or f"weighted_{kind}", reduction=reduction,
                     dtype=dtype)
    self.kind, self.weights = kind, weights

  def call(self, y_true, y_pred):
    err = ops.cast(y_pred, "float32") - ops.cast(y_true, "float32")
    if self.kind == "mse":
      per = ops.square(err)
    elif self.kind == "mae":
      per = ops.abs(err)
    else:
      a = ops.abs(err)
      per = ops.where(a <= 1.0, 0.5 * ops.square(err), a - 0.5)
    w = ops.convert_to_tensor(self.weights, "float32")
    return ops.sum(per * w, axis=-1) / ops.sum(w)

  def get_config(self):
    return {**super().get_config(), "kind": self.kind,
            "weights": list(self.weights)}
