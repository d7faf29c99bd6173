"""The plan of a run (training.step_plan): steps, stop rules, the small-data warning."""

import math

import pytest

from madlab_dream import config as cfg
from madlab_dream.errors import InputError
from madlab_dream.training import step_plan


def run(**train):
  return cfg.RunConfig(train=cfg.TrainConfig(**train))


def test_one_pass_per_epoch_by_default():
  p = step_plan.make_plan(run(batch_size=100, epochs=3), n_train=1050)
  assert (p.steps_per_epoch, p.epochs, p.total_steps) == (10, 3, 30)


def test_max_steps_cuts_the_last_epoch():
  p = step_plan.make_plan(run(steps_per_epoch=4, epochs=5, max_steps=10), 999)
  assert (p.steps_per_epoch, p.epochs, p.total_steps) == (4, 3, 10)
  p = step_plan.make_plan(run(steps_per_epoch=4, epochs=2, max_steps=100), 9)
  assert (p.epochs, p.total_steps) == (2, 8)


def test_batch_larger_than_the_data():
  with pytest.raises(InputError, match="--batch_size=1024 is larger"):
    step_plan.make_plan(run(), n_train=100)


@pytest.mark.parametrize("values, patience, stop", [
    ([0.1, 0.2, 0.3], 2, False),
    ([0.3, 0.2, 0.1], 2, True),
    ([0.3, 0.2], 2, False),            # not enough epochs yet
    ([0.1, 0.3, 0.2, 0.25], 2, True),  # best at epoch 2, two without
    ([0.1, 0.3, 0.3, 0.29], 2, True),  # a tie is no improvement
    ([0.1, 0.3, 0.2, 0.31], 2, False),
    ([math.nan, math.nan, math.nan], 2, True),
    ([0.3, 0.2, 0.1], 0, False),       # off
])
def test_early_stopping_rule(values, patience, stop):
  assert step_plan.early_stop(values, patience) is stop


def test_early_stopping_epoch_on_a_scripted_history():
  history = [0.10, 0.20, 0.35, 0.34, 0.30, 0.36, 0.33, 0.32, 0.31, 0.30]
  stops = [k + 1 for k in range(len(history))
           if step_plan.early_stop(history[:k + 1], patience=3)]
  assert stops[0] == 9  # best 0.36 at epoch 6, then 7, 8, 9 without


def test_small_data_warning_when_and_only_when_too_few_steps():
  small = step_plan.make_plan(run(batch_size=1024, epochs=10), n_train=4491)
  message = step_plan.small_data_warning(small, 1024)
  assert small.total_steps == 40
  assert "only 40 optimizer steps" in message
  for flag in ("--epochs", "--steps_per_epoch", "--batch_size",
               "small_data.flags"):
    assert flag in message
  enough = step_plan.make_plan(run(batch_size=128, epochs=60), n_train=4491)
  assert enough.total_steps == 2100
  assert step_plan.small_data_warning(enough, 128) is None
