"""Learning-rate schedules over a run's planned optimizer steps.

  constant  MadLab's: the learning rate throughout (after an optional
            linear warm-up)
  cosine    linear warm-up from 0 to the learning rate over `warmup`
            steps, then cosine decay to 0 at `total` steps
  onecycle  the one-cycle policy of the challenge's winning team (LegNet,
            PyTorch's OneCycleLR defaults): cosine rise from lr / 25 to lr
            over `warmup` steps, then cosine fall to lr / 25 / 1e4 at
            `total` steps

The step is the optimizer's `iterations`, which the checkpoint saves with
the optimizer state, so a resumed run continues the same schedule. Past
`total` a schedule holds its last value.
"""

from __future__ import annotations

import math

import keras

from madlab_dream.config import SCHEDULES

#: Warm-up fraction of the planned steps when none is given.
DEFAULT_WARMUP = {"constant": 0.0, "cosine": 0.05, "onecycle": 0.3}
ONECYCLE_DIV = 25.0          # initial lr = peak / 25
ONECYCLE_FINAL_DIV = 1e4     # final lr = initial lr / 1e4


def warmup_steps(name: str, total: int, warmup_fraction: float | None) -> int:
  """Warm-up steps: the fraction (or the schedule's default) of `total`."""
  fraction = (DEFAULT_WARMUP[name] if warmup_fraction is None
              else warmup_fraction)
  return int(round(fraction * total))


def learning_rate(name: str, step: float, peak: float, total: int,
                  warmup: int) -> float:
  """The schedule's value at `step` (Python floats; the formula tests use)."""
  step = min(max(float(step), 0.0), float(total))
  if name == "onecycle":
    low = peak / ONECYCLE_DIV
    final = low / ONECYCLE_FINAL_DIV
    if step < warmup:
      return _cosine(low, peak, step / warmup)
    return _cosine(peak, final, (step - warmup) / max(total - warmup, 1))
  if step < warmup:
    return peak * step / warmup
  if name == "cosine":
    return _cosine(peak, 0.0, (step - warmup) / max(total - warmup, 1))
  return peak


def _cosine(start: float, end: float, t: float) -> float:
  """From `start` at t = 0 to `end` at t = 1 along half a cosine."""
  return end + (start - end) * 0.5 * (1.0 + math.cos(math.pi * t))


@keras.saving.register_keras_serializable(package="madlab_dream")
class Schedule(keras.optimizers.schedules.LearningRateSchedule):
  """`learning_rate(name, step, ...)` in backend ops, for an optimizer."""

  def __init__(self, name: str, peak: float, total: int, warmup: int = 0):
    if name not in SCHEDULES:
      raise ValueError(f"unknown schedule {name!r}; known: {SCHEDULES}")
    self.name = name
    self.peak = float(peak)
    self.total = int(total)
    self.warmup = int(warmup)

  def __call__(self, step):
    ops = keras.ops
    step = ops.clip(ops.cast(step, "float32"), 0.0, float(self.total))
    peak, warmup = self.peak, float(self.warmup)
    span = float(max(self.total - self.warmup, 1))

    def cosine(start, end, t):
      return end + (start - end) * 0.5 * (1.0 + ops.cos(math.pi * t))

    if self.name == "onecycle":
      low = peak / ONECYCLE_DIV
      rise = cosine(low, peak, step / max(warmup, 1.0))
      fall = cosine(peak, low / ONECYCLE_FINAL_DIV, (step - warmup) / span)
      return ops.where(step < warmup, rise, fall)
    ramp = peak * step / max(warmup, 1.0)
    after = (cosine(peak, 0.0, (step - warmup) / span)
             if self.name == "cosine" else ops.full_like(step, peak))
    return ops.where(step < warmup, ramp, after)

  def get_config(self):
    return {"name": self.name, "peak": self.peak, "total": self.total,
            "warmup": self.warmup}
