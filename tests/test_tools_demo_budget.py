"""Sizing the demo's run to its budget (tools.demo.budget)."""

import pytest

from madlab_dream.errors import InputError
from madlab_dream.tools.demo import budget


def test_plan_fills_the_training_time_at_the_measured_speed():
  speed = {"train_seq_per_s": 600.0, "infer_seq_per_s": 3000.0}
  p = budget.make_plan(720, spent_s=20, reserve_s=100, speed=speed,
                         batch_size=128)
  assert p.train_s == 600
  assert p.steps == int(600 * budget.SAFETY * 600 / 128)
  assert p.epochs == budget.EVALUATIONS
  assert p.steps_per_epoch * (p.epochs - 1) < p.steps <= (
      p.steps_per_epoch * p.epochs)
  assert p.train_args() == [f"--max_steps={p.steps}",
                            f"--steps_per_epoch={p.steps_per_epoch}",
                            f"--epochs={p.epochs}", "--time_budget=600s"]
  slower = budget.make_plan(720, 20, 100, {**speed,
                                             "train_seq_per_s": 300.0}, 128)
  assert slower.steps == pytest.approx(p.steps / 2, abs=1)


def test_plan_refuses_a_budget_with_no_time_to_train():
  with pytest.raises(InputError, match="--budget=100s leaves"):
    budget.make_plan(100, 40, 50, {"train_seq_per_s": 1.0}, 128)


def test_reserve_grows_with_the_work_after_training():
  speed = {"infer_seq_per_s": 1000.0}
  small = budget.reserve_seconds(speed, 1000, 1000, 1000, 0)
  big = budget.reserve_seconds(speed, 1000, 1000, 1000, 100_000)
  assert small == pytest.approx(budget.RESERVE_FIXED_S + 13.0)
  assert big - small == pytest.approx(100_000 * budget.BASELINE_S_PER_ROW)
