"""Loss spikes: batches whose loss jumps far above the recent ones.

  LossSpikes  a callback counting batches whose loss exceeds `factor` x the
              median of the previous `window` batches; one stderr line at
              the end of an epoch that had any, and `summary()` for
              report.json

MadLab's BiLSTM uses swish, which is unbounded: a batch holding a sequence
with a long homopolymer run can drive the recurrent state (and the loss)
up by many orders of magnitude for one step while the epoch's other
batches stay normal. Counting them changes nothing about training.
"""

from __future__ import annotations

import collections
import math
import sys

import keras
import numpy as np

from madlab_dream.layers.batch_loss import METRIC

FACTOR = 100.0
WINDOW = 100
MIN_HISTORY = 10   # batches seen before a spike can be called
FIRST_STEPS = 10   # how many spike steps the report lists


class LossSpikes(keras.callbacks.Callback):
  """Counts loss spikes (see the module docstring).

  Args:
    steps_before: the run's steps done before this fit (resumed runs), so
      spike steps are the run's global 1-based step numbers.
    factor: a spike's loss exceeds factor x the running median.
    window: the running median's number of previous batches.
  """

  def __init__(self, steps_before: int = 0, factor: float = FACTOR,
               window: int = WINDOW):
    super().__init__()
    self.factor, self.window = float(factor), int(window)
    self.recent = collections.deque(maxlen=self.window)
    self.step = int(steps_before)
    self.steps = []         # 1-based global steps of every spike
    self.largest = 0.0      # the largest finite batch loss of a spike
    self.epoch_spikes = 0
    self.disabled = None    # why spikes are not counted (None: they are)

  def on_epoch_begin(self, epoch, logs=None):
    self.epoch_spikes = 0

  def on_train_batch_end(self, batch, logs=None):
    self.step += 1
    loss = (logs or {}).get(METRIC)
    if loss is None:
      return
    loss = float(loss)
    finite = math.isfinite(loss)
    if self.is_spike(loss):
      self.steps.append(self.step)
      self.epoch_spikes += 1
      self.largest = max(self.largest, loss) if finite else self.largest
    if finite:
      self.recent.append(loss)

  def is_spike(self, loss: float) -> bool:
    """loss > factor x the median of the last `window` batches."""
    if len(self.recent) < MIN_HISTORY:
      return False
    return not loss <= self.factor * float(np.median(self.recent))

  def on_epoch_end(self, epoch, logs=None):
    if self.epoch_spikes:
      print(f"epoch {epoch + 1}: {self.epoch_spikes} loss spike(s) (a batch "
            f"loss above {self.factor:g}x the median of the previous "
            f"{self.window} batches; largest {self.largest:.3g}), at steps "
            f"{_steps_text(self.steps[-self.epoch_spikes:])}",
            file=sys.stderr, flush=True)

  def summary(self) -> dict:
    """report.json's "loss_spikes": the count, the first steps, the rule."""
    if self.disabled:
      return {"count": None, "not_counted": self.disabled}
    return {"count": len(self.steps), "first_steps": self.steps[:FIRST_STEPS],
            "largest_loss": self.largest if self.steps else None,
            "rule": (f"batch loss > {self.factor:g} x the median of the "
                     f"previous {self.window} batches, counted over this "
                     "session's batches")}


def _steps_text(steps: list[int]) -> str:
  shown = ", ".join(f"{s:,}" for s in steps[:FIRST_STEPS])
  return shown + (f" and {len(steps) - FIRST_STEPS} more"
                  if len(steps) > FIRST_STEPS else "")

