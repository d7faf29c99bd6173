"""Exact whole-set regression metrics and the callback that logs them.

MadLab's "correlation_coefficient" returned r squared averaged over batches,
so their reported "Pearson" 0.5719 is r^2 (r ~ 0.756). Here every figure is
computed once over the whole set, in float64, and r and r^2 are both given.
"""

from __future__ import annotations

import numpy as np


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict:
  """MSE, R^2 (coefficient of determination), Pearson r and r^2.

  Args:
    y_true, y_pred: [N] arrays (any float dtype; computed in float64).
  """
  y = np.asarray(y_true, np.float64).ravel()
  p = np.asarray(y_pred, np.float64).ravel()
  if len(y) != len(p):
    raise ValueError(f"{len(y)} targets but {len(p)} predictions")
  if len(y) < 2 or not np.all(np.isfinite(p)):
    nan = float("nan")
    mse = float(np.mean((y - p) ** 2)) if len(y) else nan
    return {"mse": mse, "r2_determination": nan, "pearson": nan,
            "pearson_squared": nan, "n": int(len(y))}
  err = y - p
  mse = float(np.mean(err ** 2))
  ss_tot = float(np.sum((y - y.mean()) ** 2))
  r2 = 1.0 - float(np.sum(err ** 2)) / ss_tot if ss_tot > 0 else float("nan")
  yc, pc = y - y.mean(), p - p.mean()
  denom = np.sqrt(np.sum(yc ** 2) * np.sum(pc ** 2))
  r = float(np.sum(yc * pc) / denom) if denom > 0 else float("nan")
  return {"mse": mse, "r2_determination": r2, "pearson": r,
          "pearson_squared": r * r, "n": int(len(y))}


def predictor(model, jit_compile: bool = False):
  """A compiled function codes [b, L] uint8 -> float32 [b] standardised.

  Made once per model (and XLA setting) and reused, so repeated validation
  does not retrace.
  """
  import tensorflow as tf
  cache = model.__dict__.setdefault("_madlab_predictors", {})
  if jit_compile not in cache:
    @tf.function(jit_compile=jit_compile, reduce_retracing=True)
    def step(codes):
      return tf.cast(model(codes, training=False), tf.float32)[:, 0]
    cache[jit_compile] = step
  return cache[jit_compile]


def predict(model, codes: np.ndarray, batch_size: int,
            jit_compile: bool = False) -> np.ndarray:
  """Predictions [N] (standardised scale) for codes [N, L], in order.

  Runs the model directly (not `Model.predict`), so under a distribution
  strategy every worker computes the same full set of predictions.
  """
  step = predictor(model, jit_compile)
  out = np.empty(len(codes), np.float32)
  for start in range(0, len(codes), batch_size):
    batch = np.asarray(codes[start:start + batch_size])
    out[start:start + len(batch)] = step(batch).numpy()
  return out


def make_validation_callback(codes: np.ndarray, targets: np.ndarray,
                             batch_size: int, jit_compile: bool = False):
  """Keras callback: exact validation metrics at each epoch end.

  Adds `val_pearson`, `val_r2` (r squared), `val_mse` and
  `val_r2_determination` to the epoch logs, so later callbacks (model
  selection, CSV, TensorBoard) see them. Must come before those callbacks.
  """
  import keras

  class ValidationMetrics(keras.callbacks.Callback):

    def on_epoch_end(self, epoch, logs=None):
      if logs is None or getattr(self.model, "_madlab_interrupted", False):
        return
      pred = predict(self.model, codes, batch_size, jit_compile)
      m = regression_metrics(targets, pred)
      logs.update({"val_pearson": m["pearson"], "val_r2": m["pearson_squared"],
                   "val_mse": m["mse"],
                   "val_r2_determination": m["r2_determination"]})

  return ValidationMetrics()
