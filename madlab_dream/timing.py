"""Timing on a machine that is doing other work, on any Keras backend.

  alternate     alternatives in turn, in windows (A, B, B, A, A, B, ...), so
                that load from other processes, thermal state or memory
                fragmentation affects every alternative alike; the median
                window is the figure to compare
  call_windows  the rate of one call, in windows after compilation and
                warm-up, each window sized by a calibration to last about
                `window_s` seconds
  step_windows  the rate of consecutive windows cut from step end times
  wait          blocks until a result is computed (TensorFlow, JAX, NumPy)

Used by the `--mixed_precision=auto` probe (training/precision.py) and by the
benchmark (bench/) on both of its backends. NumPy only: no framework is
imported here.
"""

from __future__ import annotations

import math
import statistics
import time
from typing import Any
from typing import Callable

import numpy as np


def wait(out: Any) -> Any:
  """Returns `out` once every array in it is computed.

  A JAX array is waited for (`block_until_ready`); anything else is read
  back (`np.asarray`), which waits for TensorFlow's asynchronous work.
  """
  if isinstance(out, dict):
    out = list(out.values())
  for leaf in out if isinstance(out, (list, tuple)) else [out]:
    if hasattr(leaf, "block_until_ready"):
      leaf.block_until_ready()
    elif leaf is not None:
      np.asarray(leaf)
  return out


def median(values) -> float:
  """The median of `values` as a float (NaN when there are none)."""
  return float(statistics.median(values)) if len(values) else float("nan")


def alternate(calls: dict[str, Callable[[], Any]], windows: int = 3,
              per_window: int = 1, warmup: int = 1,
              finish: Callable[[Any], Any] = wait) -> dict[str, list[float]]:
  """Seconds per call of each alternative, in alternating windows.

  Args:
    calls: {name: a call with no arguments}.
    windows: timed windows per alternative.
    per_window: calls per window.
    warmup: untimed calls of each alternative first (compilation).
    finish: applied to the last output of a window before the clock stops
      (default `wait`, so that asynchronous work is counted).

  Returns:
    {name: [seconds per call of each window]}; window w runs the
    alternatives in order for even w and in reverse order for odd w.
  """
  names = list(calls)
  for name in names:
    for _ in range(warmup):
      finish(calls[name]())
  times: dict[str, list[float]] = {name: [] for name in names}
  for w in range(windows):
    for name in (names if w % 2 == 0 else names[::-1]):
      t0 = time.perf_counter()
      out = None
      for _ in range(per_window):
        out = calls[name]()
      finish(out)
      times[name].append((time.perf_counter() - t0) / per_window)
  return times


def medians(times: dict[str, list[float]]) -> dict[str, float]:
  """{name: median seconds per call} of `alternate`'s result."""
  return {name: median(t) for name, t in times.items()}


def call_windows(call: Callable[[], Any], per_call: int, windows: int,
                 warmup: int = 1, calibration: int = 2, window_s: float = 1.0,
                 min_calls: int = 1, calls: int | None = None,
                 clock: Callable[[], float] = time.perf_counter) -> dict:
  """Items/s of `call` in timed windows, after compilation and warm-up.

  Each window makes its calls and waits (`wait`) for the last result.

  Args:
    call: one call with no arguments.
    per_call: items (sequences) per call.
    windows: timed windows.
    warmup: calls after the first (compiling) one, untimed.
    calibration: calls timed to size the windows.
    window_s: the seconds a window should last at the calibration's rate.
    min_calls: the fewest calls per window.
    calls: calls per window; None: sized by the calibration.
    clock: the time source (seconds).

  Returns:
    first_call_s (compilation included), window_calls, windows_per_s and
    their median per_s.
  """
  def run(k: int) -> float:
    t0, out = clock(), None
    for _ in range(k):
      out = call()
    wait(out)
    return clock() - t0

  first = run(1)
  run(warmup)
  if calls is None:
    per_call_s = max(run(calibration) / calibration, 1e-12)
    calls = max(min_calls, math.ceil(window_s / per_call_s))
  rates = [calls * per_call / run(calls) for _ in range(windows)]
  return {"first_call_s": first, "window_calls": calls,
          "windows_per_s": rates, "per_s": median(rates)}


def step_windows(ends: list[float], warmup: int, windows: int, steps: int,
                 per_step: int) -> list[float]:
  """Items/s of consecutive windows of `steps` steps after `warmup` steps.

  Args:
    ends: the time each step ended, in order (at least warmup + windows x
      steps of them; the first window starts when step `warmup` ends).
    warmup: untimed steps first.
    windows: timed windows.
    steps: steps per window.
    per_step: items (sequences) per step.
  """
  out = []
  for w in range(windows):
    start = ends[warmup + w * steps - 1]
    end = ends[warmup + (w + 1) * steps - 1]
    out.append(steps * per_step / (end - start))
  return out
