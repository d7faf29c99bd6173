"""Sizing the demo's training run to a wall-clock budget on this machine.

`measure_speed` times the experiment's own model, optimizer, batch size and
precision on random codes for a few seconds (warm-up excluded): training
and inference sequences/s. `make_plan` turns the budget left into planned
steps: the training time is what remains after the time already spent and
a reserve for the work after training (evaluation, baseline, export,
prediction, scoring, process start-ups), the number of steps is that time at
the measured speed, and the steps are cut into `EVALUATIONS` epochs so the
learning curve has that many points. Training also gets the time as
`--time_budget`, so a machine slower than measured still finishes in time.
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np

from madlab_dream import compat
from madlab_dream.config import RunConfig
from madlab_dream.errors import InputError
from madlab_dream.training import optim

EVALUATIONS = 10           # epochs (validation points) per demo run
RESERVE_FIXED_S = 45.0     # process start-ups, export, scoring, plots
BASELINE_S_PER_ROW = 2e-4  # k-mer ridge (k = 5) fit, measured: 21 s / 100k
SAFETY = 0.92              # share of the training time spent in steps


def measure_speed(run: RunConfig, seconds: float = 8.0) -> dict:
  """Training and inference sequences/s of `run`'s model here.

  Returns {"train_seq_per_s", "infer_seq_per_s", "train_steps_timed",
  "seconds"}. Random uint8 codes, the run's batch size, optimizer,
  mixed-precision policy and XLA setting; 3 warm-up steps not timed.
  """
  started = time.perf_counter()
  if compat.keras_backend() == "tensorflow":
    compat.tensorflow()
  # Keras and the model: imported once compat has started them quietly
  # (the demo checks its flags before that).
  import keras

  # Imported when used: it imports Keras, which starts a framework.
  from madlab_dream import model as model_lib
  from madlab_dream.training.precision import keras_policy
  settings = run.train
  if settings.mixed_precision == "auto":
    # The run decides with its own probes; sizing it here assumes float32,
    # which auto keeps unless bfloat16 is measured faster.
    settings = settings.replace(mixed_precision="none")
  keras.mixed_precision.set_global_policy(
      keras_policy(settings.mixed_precision))
  net = model_lib.build_model(run.model)
  net.compile(optimizer=optim.make_optimizer(settings, 10_000),
              loss=optim.make_loss(settings.loss),
              jit_compile=optim.resolve_jit(settings.jit_compile))
  rng = np.random.default_rng(0)
  shape = (settings.batch_size, run.model.seq_len)
  codes = rng.integers(0, 4, shape).astype(np.uint8)
  targets = rng.normal(size=(settings.batch_size, 1)).astype(np.float32)
  train_rate, steps = _train_rate(net, codes, targets, seconds)
  eval_codes = rng.integers(
      0, 4, (settings.eval_batch_size, run.model.seq_len)).astype(np.uint8)
  infer_rate = _inference_rate(net, eval_codes)
  keras.mixed_precision.set_global_policy("float32")
  return {"train_seq_per_s": train_rate, "infer_seq_per_s": infer_rate,
          "train_steps_timed": steps,
          "seconds": round(time.perf_counter() - started, 1)}


def _train_rate(net, codes: np.ndarray, targets: np.ndarray,
                seconds: float) -> tuple[float, int]:
  """(training sequences/s, steps timed): 3 warm-up steps, then at least
  5 steps and `seconds`."""
  for _ in range(3):
    net.train_on_batch(codes, targets)
  steps, start = 0, time.perf_counter()
  while steps < 5 or time.perf_counter() - start < seconds:
    net.train_on_batch(codes, targets)
    steps += 1
  return steps * len(codes) / (time.perf_counter() - start), steps


def _inference_rate(net, codes: np.ndarray) -> float:
  """Inference sequences/s: one warm-up call, then two timed."""
  net.predict_on_batch(codes)
  start = time.perf_counter()
  for _ in range(2):
    net.predict_on_batch(codes)
  return 2 * len(codes) / (time.perf_counter() - start)


@dataclasses.dataclass(frozen=True)
class DemoPlan:
  """How the demo spends its budget (seconds) and its training steps."""
  budget_s: float
  spent_s: float
  reserve_s: float
  train_s: float
  train_seq_per_s: float
  steps: int
  steps_per_epoch: int
  epochs: int

  def train_args(self) -> list[str]:
    """The training flags that carry out the plan."""
    return [f"--max_steps={self.steps}",
            f"--steps_per_epoch={self.steps_per_epoch}",
            f"--epochs={self.epochs}", f"--time_budget={self.train_s:.0f}s"]

  def describe(self, batch_size: int) -> str:
    return (f"plan: budget {self.budget_s:.0f} s = {self.spent_s:.0f} s "
            f"spent + {self.train_s:.0f} s training + {self.reserve_s:.0f} s "
            f"for the rest; at {self.train_seq_per_s:,.0f} training seq/s "
            f"measured here: {self.steps:,} steps of {batch_size:,} "
            f"({self.steps * batch_size:,} sequences) in {self.epochs} "
            f"epochs of {self.steps_per_epoch:,} steps")


def reserve_seconds(speed: dict, val_rows: int, train_eval_rows: int,
                    test_rows: int, baseline_rows: int) -> float:
  """Seconds the demo needs after training's steps, at the measured speed."""
  predictions = EVALUATIONS * val_rows + train_eval_rows + 2 * test_rows
  return (RESERVE_FIXED_S + predictions / speed["infer_seq_per_s"] +
          BASELINE_S_PER_ROW * baseline_rows)


def make_plan(budget_s: float, spent_s: float, reserve_s: float,
              speed: dict, batch_size: int) -> DemoPlan:
  """Planned steps that fit the budget left (see the module docstring)."""
  train_s = budget_s - spent_s - reserve_s
  if train_s < 30:
    raise InputError(f"--budget={budget_s:.0f}s leaves {train_s:.0f} s for "
                     f"training after {spent_s:.0f} s spent and "
                     f"{reserve_s:.0f} s reserved: raise --budget")
  steps = max(EVALUATIONS, int(train_s * SAFETY *
                               speed["train_seq_per_s"] / batch_size))
  per_epoch = math.ceil(steps / EVALUATIONS)
  return DemoPlan(budget_s=budget_s, spent_s=spent_s, reserve_s=reserve_s,
                  train_s=train_s,
                  train_seq_per_s=speed["train_seq_per_s"], steps=steps,
                  steps_per_epoch=per_epoch,
                  epochs=math.ceil(steps / per_epoch))
