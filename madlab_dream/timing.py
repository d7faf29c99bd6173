"""Timing alternatives fairly on a machine that is doing other work.

`alternate` runs each alternative in turn, in windows (A, B, B, A, A, B,
...), so that load from other processes, thermal state or memory
fragmentation affects every alternative alike, and returns the time per call
of every window; the median window is the figure to compare. Used by the
`--mixed_precision=auto` probe (train/precision.py) and the benchmark's A/B
comparisons (bench/).
"""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable


def alternate(calls: dict[str, Callable[[], Any]], windows: int = 3,
              per_window: int = 1, warmup: int = 1,
              finish: Callable[[Any], Any] = lambda out: out
              ) -> dict[str, list[float]]:
  """Seconds per call of each alternative, in alternating windows.

  Args:
    calls: {name: a call with no arguments}.
    windows: timed windows per alternative.
    per_window: calls per window.
    warmup: untimed calls of each alternative first (compilation).
    finish: applied to the last output of a window before the clock stops
      (e.g. fetching a tensor, so that asynchronous work is counted).

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
  return {name: float(statistics.median(t)) for name, t in times.items()}
