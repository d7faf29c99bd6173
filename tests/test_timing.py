"""Timing in alternating and calibrated windows (madlab_dream.timing)."""

import numpy as np
import pytest

from madlab_dream import timing


class FakeClock:
  """A clock that advances only when a fake call runs."""

  def __init__(self):
    self.t = 0.0

  def __call__(self):
    return self.t


def test_alternate_reverses_the_order_every_other_window():
  order = []
  times = timing.alternate({"a": lambda: order.append("a"),
                            "b": lambda: order.append("b")},
                           windows=3, per_window=2, warmup=1,
                           finish=lambda out: out)
  assert order == ["a", "b"] + ["a"] * 2 + ["b"] * 2 + ["b"] * 2 + \
      ["a"] * 2 + ["a"] * 2 + ["b"] * 2
  assert {k: len(v) for k, v in times.items()} == {"a": 3, "b": 3}
  assert timing.medians({"a": [3.0, 1.0, 2.0]}) == {"a": 2.0}


def test_call_windows_are_sized_by_the_calibration():
  clock = FakeClock()
  made = []

  def call():  # 0.01 s per call
    made.append(clock.t)
    clock.t += 0.01

  r = timing.call_windows(call, per_call=8, windows=3, warmup=2,
                          calibration=4, window_s=0.095, min_calls=2,
                          clock=clock)
  # 1 compiling call, 2 warm-up, 4 calibration, then 3 windows of 10.
  assert len(made) == 1 + 2 + 4 + 3 * 10
  assert r["window_calls"] == 10
  assert r["first_call_s"] == pytest.approx(0.01)
  assert r["windows_per_s"] == pytest.approx([800.0] * 3)
  assert r["per_s"] == pytest.approx(800.0)
  made.clear()
  fixed = timing.call_windows(call, per_call=8, windows=2, warmup=0, calls=3,
                              clock=clock)
  assert len(made) == 1 + 2 * 3 and fixed["window_calls"] == 3


def test_step_windows_cut_step_end_times():
  ends = [5.0, 6.0, 6.5, 7.0, 8.0, 9.0]   # windows from the end of step 1
  assert timing.step_windows(ends, warmup=2, windows=2, steps=2,
                             per_step=10) == pytest.approx([20.0, 10.0])


def test_wait_reads_back_what_it_is_given():
  class Lazy:
    ready = False

    def block_until_ready(self):
      self.ready = True

  lazy = Lazy()
  out = timing.wait({"x": lazy, "y": np.ones(2)})
  assert lazy.ready and len(out) == 2
  assert timing.wait(None) is None
  assert np.isnan(timing.median([]))
