"""Keras callbacks of a training run, sharing one explicit `RunControl`.

  ValidationMetrics  exact validation Pearson r, r^2, MSE at each epoch end
  EpochEnd           divergence guard, model selection, checkpoint, one line
  FloatTensorBoard   TensorBoard that records overflowing epoch logs as inf

Order matters: ValidationMetrics adds `val_*` to the epoch logs that
EpochEnd and TensorBoard read, so it comes first.
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Callable

import keras
import numpy as np

from madlab_dream import metrics
from madlab_dream.train.evaluation import Evaluator
from madlab_dream.train.state import RunState


@dataclasses.dataclass
class RunControl:
  """Why a run stops early, shared by the callbacks and the training loop.

  diverged: what went wrong (a non-finite loss), if anything.
  signal: the SIGINT/SIGTERM number that asked to stop, if any.
  """
  diverged: str | None = None
  signal: int | None = None
  model: keras.Model | None = None

  @property
  def stopping(self) -> bool:
    return self.diverged is not None or self.signal is not None

  def stop(self, reason: str | None = None, signum: int | None = None):
    self.diverged = self.diverged or reason
    self.signal = self.signal or signum
    if self.model is not None:
      self.model.stop_training = True


class ValidationMetrics(keras.callbacks.Callback):
  """Adds val_pearson, val_r2 (r squared), val_mse, val_r2_determination."""

  def __init__(self, evaluator: Evaluator, codes: np.ndarray,
               targets: np.ndarray, control: RunControl):
    super().__init__()
    self.evaluator, self.codes, self.targets = evaluator, codes, targets
    self.control = control

  def on_epoch_end(self, epoch, logs=None):
    if logs is None or self.control.stopping:
      return
    m = metrics.regression_metrics(self.targets,
                                   self.evaluator.predict(self.codes))
    logs.update({"val_pearson": m["pearson"], "val_r2": m["pearson_squared"],
                 "val_mse": m["mse"],
                 "val_r2_determination": m["r2_determination"]})


class EpochEnd(keras.callbacks.Callback):
  """Divergence guard, model selection, checkpoint and a summary line."""

  def __init__(self, state: RunState, control: RunControl, batch_size: int,
               steps: int, select: bool,
               on_history: Callable[[list], None]):
    super().__init__()
    self.state, self.control = state, control
    self.batch_size, self.steps, self.select = batch_size, steps, select
    self.on_history = on_history
    self.t0 = self.t_last = 0.0

  def on_epoch_begin(self, epoch, logs=None):
    self.t0 = self.t_last = time.perf_counter()

  def on_train_batch_end(self, batch, logs=None):
    self.t_last = time.perf_counter()
    loss = (logs or {}).get("loss")
    if loss is not None and not math.isfinite(float(loss)):
      self.control.stop(f"loss became {float(loss)} at epoch "
                        f"{len(self.state.history) + 1}, batch {batch + 1}")

  def on_epoch_end(self, epoch, logs=None):
    if self.control.stopping:
      return
    logs = logs or {}
    state = self.state
    seconds = self.t_last - self.t0
    row = {"epoch": epoch + 1, "loss": float(logs.get("loss", math.nan))}
    for key in ("val_pearson", "val_r2", "val_mse", "val_r2_determination"):
      if key in logs:
        row[key] = float(logs[key])
    row["train_seconds"] = round(seconds, 3)
    row["seq_per_s"] = round(self.steps * self.batch_size /
                             max(seconds, 1e-9), 1)
    state.history.append(row)
    state.epochs_done = epoch + 1
    state.train_seconds += seconds
    state.examples += self.steps * self.batch_size
    value = row.get("val_pearson", math.nan) if self.select else epoch + 1
    if math.isfinite(value) and value > state.best_value:
      state.best_value, state.best_epoch = value, epoch + 1
      state.save_best(self.model)
    state.save(self.model)
    self.on_history(state.history)
    print(" | ".join(self._summary(row, epoch, seconds)), flush=True)

  def _summary(self, row, epoch, seconds):
    state = self.state
    parts = [f"epoch {epoch + 1}/{self.params.get('epochs')}",
             f"loss {row['loss']:.4f}"]
    if "val_pearson" in row:
      parts += [f"val_pearson {row['val_pearson']:.4f}",
                f"val_r2 {row['val_r2']:.4f}", f"val_mse {row['val_mse']:.4f}"]
    parts += [f"best {state.best_value:.4f} @ epoch {state.best_epoch}"
              if self.select else f"epochs done {state.epochs_done}",
              f"{seconds:.1f} s", f"{row['seq_per_s']:,.0f} seq/s"]
    return parts


class FloatTensorBoard(keras.callbacks.TensorBoard):
  """TensorBoard whose epoch logs are cast to float32 first.

  A diverging epoch can log finite doubles beyond float32's range, which
  tf.summary rejects; as float32 they become inf, which it records.
  """

  def on_epoch_end(self, epoch, logs=None):
    with np.errstate(over="ignore"):
      logs = {k: float(np.float32(v)) for k, v in (logs or {}).items()}
    super().on_epoch_end(epoch, logs)
