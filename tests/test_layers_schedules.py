"""Learning-rate schedules (layers.schedules): each equals its formula."""

import math

import numpy as np
import pytest

from madlab_dream.layers import schedules


def value(name, step, peak=1e-3, total=1000, warmup=100):
  s = schedules.Schedule(name, peak, total, warmup)
  return float(np.asarray(s(step)))


@pytest.mark.parametrize("step, expected", [
    (0, 1e-3), (50, 1e-3), (999, 1e-3), (5000, 1e-3)])
def test_constant_without_warmup(step, expected):
  assert value("constant", step, warmup=0) == pytest.approx(expected)


@pytest.mark.parametrize("step, expected", [
    (0, 0.0), (50, 0.5e-3), (100, 1e-3), (550, 0.5e-3), (1000, 0.0),
    (2000, 0.0),
    # A quarter of the way through the decay: (1 + cos(pi/4)) / 2.
    (325, 1e-3 * (1 + math.cos(math.pi / 4)) / 2)])
def test_cosine_with_warmup(step, expected):
  assert value("cosine", step) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("step, expected", [
    (0, 1e-3 / 25), (50, (1e-3 + 1e-3 / 25) / 2), (100, 1e-3),
    (550, (1e-3 + 1e-3 / 25 / 1e4) / 2), (1000, 1e-3 / 25 / 1e4)])
def test_onecycle(step, expected):
  assert value("onecycle", step) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("name", schedules.SCHEDULES)
def test_graph_and_python_formulas_agree_everywhere(name):
  for step in range(0, 1201, 37):
    assert value(name, step) == pytest.approx(
        schedules.learning_rate(name, step, 1e-3, 1000, 100), rel=1e-5,
        abs=1e-9)  # float32 cos near -1: ~1e-6 of the peak


def test_default_warmups_and_serialisation():
  assert schedules.warmup_steps("onecycle", 1000, None) == 300
  assert schedules.warmup_steps("cosine", 1000, None) == 50
  assert schedules.warmup_steps("constant", 1000, None) == 0
  assert schedules.warmup_steps("cosine", 1000, 0.2) == 200
  s = schedules.Schedule("onecycle", 1e-3, 1000, 300)
  again = schedules.Schedule(**s.get_config())
  assert float(np.asarray(again(123))) == float(np.asarray(s(123)))
  assert again.get_config() == s.get_config()
  with pytest.raises(ValueError, match="unknown schedule"):
    schedules.Schedule("linear", 1e-3, 10)
