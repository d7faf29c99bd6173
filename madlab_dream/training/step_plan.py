"""What a run means to do: its planned steps and the rules that end it.

`make_plan` turns the settings and the training-set size into a `Plan`;
`early_stop` is the early-stopping rule on the validation history;
`small_data_warning` says when a run makes too few optimizer steps.
Pure Python: the callbacks and the training loop share these.
"""

from __future__ import annotations

import dataclasses
import math

from madlab_dream.config import RunConfig
from madlab_dream.data.order import batches_per_pass
from madlab_dream.errors import InputError

#: Fewer planned optimizer steps than this get a warning before training.
MIN_STEPS = 2000


@dataclasses.dataclass(frozen=True)
class Plan:
  """The steps a run means to make.

  steps_per_epoch: optimizer steps per epoch.
  epochs: epochs to run (the last may be partial when max_steps cuts it).
  total_steps: all the planned steps (epochs x steps, at most max_steps).
  time_budget: seconds of training (fit) wall time, or None.
  patience: early stopping patience in epochs (0: off).
  select: keep the epoch with the best validation Pearson r (else the last).
  """
  steps_per_epoch: int
  epochs: int
  total_steps: int
  time_budget: float | None = None
  patience: int = 0
  select: bool = True


def early_stop(values: list[float], patience: int) -> bool:
  """True when the last `patience` values brought no new maximum.

  `values` are the validation Pearson r of the epochs so far (NaN never
  counts as an improvement).
  """
  if patience <= 0 or len(values) <= patience:
    return False
  finite = [v if math.isfinite(v) else -math.inf for v in values]
  best = max(range(len(finite)), key=lambda i: (finite[i], -i))
  return len(values) - 1 - best >= patience


def make_plan(config: RunConfig, n_train: int) -> Plan:
  """Steps per epoch, epochs and total steps of the run (see `Plan`)."""
  settings = config.train
  steps = (settings.steps_per_epoch or
           batches_per_pass(n_train, settings.batch_size))
  if steps == 0:
    raise InputError(f"--batch_size={settings.batch_size} is larger than the "
                     f"{n_train:,} training rows")
  total = settings.epochs * steps
  if settings.max_steps:
    total = min(total, settings.max_steps)
  return Plan(steps_per_epoch=steps, epochs=math.ceil(total / steps),
              total_steps=total, time_budget=settings.time_budget,
              patience=settings.early_stopping_patience,
              select=settings.select_on_validation)


def small_data_warning(plan: Plan, batch_size: int) -> str | None:
  """A one-line warning when the run makes too few optimizer steps."""
  if plan.total_steps >= MIN_STEPS:
    return None
  return (f"warning: this run makes only {plan.total_steps:,} optimizer steps "
          f"({plan.epochs} epoch{'s' * (plan.epochs != 1)} x {plan.steps_per_epoch:,} steps of "
          f"{batch_size:,}); a model this size needs thousands: raise "
          "--epochs or --steps_per_epoch, or lower --batch_size "
          "(experiments/small_data.flags is a recipe for small files)")
