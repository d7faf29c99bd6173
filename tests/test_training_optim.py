"""The optimiser a run gets (training.optim)."""

import numpy as np
import pytest

from madlab_dream.config import TrainConfig
from madlab_dream.layers import schedules
from madlab_dream.layers.keras2_rmsprop import Keras2RMSprop
from madlab_dream.training import optim


def test_madlabs_optimiser_is_plain_rmsprop_at_a_fixed_rate():
  opt = optim.make_optimizer(TrainConfig())
  assert type(opt).__name__ == "RMSprop"
  assert float(np.asarray(opt.learning_rate)) == pytest.approx(1e-4)
  assert opt.global_clipnorm is None


def test_schedules_clipping_and_keras2_rmsprop():
  opt = optim.make_optimizer(TrainConfig(lr_schedule="onecycle",
                                         learning_rate=2e-3, clipnorm=0.5,
                                         optimizer="adamw"), total_steps=100)
  assert isinstance(opt._learning_rate, schedules.Schedule)
  assert opt._learning_rate.warmup == 30 and opt.global_clipnorm == 0.5
  assert isinstance(optim.make_optimizer(
      TrainConfig(optimizer="rmsprop_keras2")), Keras2RMSprop)
  with pytest.raises(ValueError, match="planned steps"):
    optim.make_optimizer(TrainConfig(lr_schedule="cosine"))


def test_jit_resolution():
  assert optim.resolve_jit("true") is True
  assert optim.resolve_jit("false") is False
  assert optim.resolve_jit("auto") is False  # no GPU or TPU in the tests
