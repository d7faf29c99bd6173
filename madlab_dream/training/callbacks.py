"""Keras callbacks of a training run, sharing one explicit `RunControl`.

  ValidationMetrics    exact validation Pearson r, r^2, MSE at each epoch end
  StopSelectCheckpoint the stop rules, model selection, checkpoint, one line
  FloatTensorBoard     TensorBoard that records overflowing epoch logs as inf

Order matters: ValidationMetrics adds `val_*` to the epoch logs that
StopSelectCheckpoint and TensorBoard read, so it comes first.

Stop rules (StopSelectCheckpoint): a non-finite loss, non-finite weights or
non-finite validation predictions end the run as diverged (nothing of that
epoch is kept); the planned steps (`--max_steps`, the last epoch may be
partial), the time budget and early stopping end it cleanly after the epoch
in progress is evaluated and checkpointed.
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Callable

import keras
import numpy as np

from madlab_dream import metrics
from madlab_dream.training.exact_predictions import Evaluator
from madlab_dream.training.state import RunState
from madlab_dream.training.step_plan import Plan
from madlab_dream.training.step_plan import early_stop


@dataclasses.dataclass
class RunControl:
  """Why a run stops, shared by the callbacks and the training loop.

  diverged: what went wrong (a non-finite loss, weights or predictions).
  signal: the SIGINT/SIGTERM number that asked to stop, if any.
  stopped: a clean, planned stop (max steps, time budget, early stopping).
  """
  diverged: str | None = None
  signal: int | None = None
  stopped: str | None = None
  model: keras.Model | None = None

  @property
  def interrupted(self) -> bool:
    """True when this epoch's results must not be kept."""
    return self.diverged is not None or self.signal is not None

  def stop(self, reason: str | None = None, signum: int | None = None,
           planned: str | None = None):
    self.diverged = self.diverged or reason
    self.signal = self.signal or signum
    self.stopped = self.stopped or planned
    if self.model is not None:
      self.model.stop_training = True


class ValidationMetrics(keras.callbacks.Callback):
  """Adds val_pearson, val_pearson_squared (r²), val_mse,
  val_r2_determination (1 - SSE/SST: another number);
  with several targets these are means over the targets, and each target's
  val_pearson_<name> and val_mse_<name> are added."""

  def __init__(self, evaluator: Evaluator, codes: np.ndarray,
               targets: np.ndarray, control: RunControl,
               target_names=("expression",)):
    super().__init__()
    self.evaluator, self.codes, self.targets = evaluator, codes, targets
    self.control = control
    self.target_names = list(target_names)

  def on_epoch_end(self, epoch, logs=None):
    if logs is None or self.control.interrupted:
      return
    pred = self.evaluator.predict(self.codes)
    if not np.all(np.isfinite(pred)):
      self.control.stop(f"validation predictions became non-finite in "
                        f"epoch {epoch + 1}")
      return
    scores = metrics.target_metrics(self.targets, pred, self.target_names)
    logs.update({"val_pearson": scores["pearson"],
                 "val_pearson_squared": scores["pearson_squared"],
                 "val_mse": scores["mse"],
                 "val_r2_determination": scores["r2_determination"]})
    for name, per in scores.get("targets", {}).items():
      logs.update({f"val_pearson_{name}": per["pearson"],
                   f"val_mse_{name}": per["mse"]})


def weights_finite(model) -> bool:
  return all(np.all(np.isfinite(np.asarray(w))) for w in model.weights)


class StopSelectCheckpoint(keras.callbacks.Callback):
  """The stop rules, model selection, checkpoint and a summary line."""

  def __init__(self, state: RunState, control: RunControl, plan: Plan,
               batch_size: int, on_history: Callable[[list], None],
               select_key: str = "val_pearson"):
    super().__init__()
    self.state, self.control, self.plan = state, control, plan
    self.select_key = select_key
    self.batch_size = batch_size
    self.on_history = on_history
    self.fit_start = self.fit_seconds_before = 0.0
    self.epoch_start = self.last_batch_end = 0.0
    self.steps = 0

  def on_train_begin(self, logs=None):
    self.fit_start = time.perf_counter()
    self.fit_seconds_before = self.state.fit_seconds

  def on_epoch_begin(self, epoch, logs=None):
    self.epoch_start = self.last_batch_end = time.perf_counter()
    self.steps = 0

  def on_train_batch_end(self, batch, logs=None):
    self.last_batch_end = time.perf_counter()
    self.steps += 1
    loss = (logs or {}).get("loss")
    if loss is not None and not math.isfinite(float(loss)):
      self.control.stop(f"loss became {float(loss)} at epoch "
                        f"{len(self.state.history) + 1}, batch {batch + 1}")
      return
    plan, done = self.plan, self.state.steps_done + self.steps
    if done >= plan.total_steps:
      if plan.total_steps < plan.epochs * plan.steps_per_epoch:
        self.control.stop(planned=f"max_steps: {done:,} steps")
      self.model.stop_training = True  # the planned steps are done
    elif plan.time_budget and self._fit_seconds() >= plan.time_budget:
      self.control.stop(planned=f"time budget of {plan.time_budget:,.0f} s "
                        f"reached after {done:,} steps")

  def _fit_seconds(self) -> float:
    return self.fit_seconds_before + time.perf_counter() - self.fit_start

  def on_epoch_end(self, epoch, logs=None):
    if self.control.interrupted:
      return
    if not weights_finite(self.model):
      self.control.stop(f"weights became non-finite in epoch {epoch + 1}")
      return
    logs = logs or {}
    state = self.state
    seconds = self.last_batch_end - self.epoch_start
    row = {"epoch": epoch + 1, "steps": self.steps,
           "loss": float(logs.get("loss", math.nan))}
    for key in ("val_pearson", "val_pearson_squared", "val_mse",
                "val_r2_determination"):
      if key in logs:
        row[key] = float(logs[key])
    for key in logs:  # each target's, with several targets
      if key.startswith(("val_pearson_", "val_mse_")):
        row[key] = float(logs[key])
    row["train_seconds"] = round(seconds, 3)
    row["seq_per_s"] = round(self.steps * self.batch_size /
                             max(seconds, 1e-9), 1)
    state.history.append(row)
    state.epochs_done = epoch + 1
    state.steps_done += self.steps
    state.train_seconds += seconds
    state.fit_seconds = self._fit_seconds()
    row["elapsed_seconds"] = round(state.fit_seconds, 3)
    state.examples += self.steps * self.batch_size
    value = (row.get(self.select_key, math.nan) if self.plan.select
             else epoch + 1)
    if math.isfinite(value) and value > state.best_value:
      state.best_value, state.best_epoch = value, epoch + 1
      state.save_best(self.model)
    if self.plan.select and early_stop(
        [h.get(self.select_key, math.nan) for h in state.history],
        self.plan.patience):
      self.control.stop(planned=(
          f"early stopping: no better validation Pearson r for "
          f"{self.plan.patience} epoch{'s' * (self.plan.patience != 1)}"))
    state.stopped = self.control.stopped
    state.save(self.model)
    self.on_history(state.history)
    print(" | ".join(self._summary(row, seconds)), flush=True)

  def _summary(self, row, seconds):
    state = self.state
    parts = [f"epoch {row['epoch']}/{self.plan.epochs}",
             f"step {state.steps_done:,}/{self.plan.total_steps:,}",
             f"loss {row['loss']:.4f}"]
    if "val_pearson" in row:
      parts += [f"val_pearson {row['val_pearson']:.4f}",
                f"val_pearson_squared {row['val_pearson_squared']:.4f}",
                f"val_mse {row['val_mse']:.4f}"]
    parts += [f"best {state.best_value:.4f} @ epoch {state.best_epoch}"
              if self.plan.select else f"epochs done {state.epochs_done}",
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
