"""Loss spikes (training.loss_spikes): the rule, and a BiLSTM made to explode
in the middle of a fit."""

import math

import numpy as np
import pytest

from madlab_dream.layers.batch_loss import METRIC
from madlab_dream.layers.batch_loss import BatchLoss
from madlab_dream.training import loss_spikes


def feed(counter, losses):
  for loss in losses:
    counter.on_train_batch_end(0, {METRIC: loss})


def test_a_batch_above_100x_the_running_median_is_a_spike(capsys):
  counter = loss_spikes.LossSpikes(steps_before=50)
  counter.on_epoch_begin(0)
  feed(counter, [1.0] * 5 + [1e6] + [1.0] * 10)  # too early to judge
  feed(counter, [99.0, 101.0, math.nan, 1.0, 2e4])
  counter.on_epoch_end(0)
  summary = counter.summary()
  assert summary["count"] == 3
  assert summary["first_steps"] == [68, 69, 71]  # 50 done before this fit
  assert summary["largest_loss"] == 2e4
  err = capsys.readouterr().err.strip().splitlines()
  assert len(err) == 1 and err[0].startswith("epoch 1: 3 loss spike(s)")
  counter.on_epoch_begin(1)
  feed(counter, [1.0] * 20)
  counter.on_epoch_end(1)
  assert capsys.readouterr().err == ""  # no line for an epoch without one


def fit(explode_at):
  """A tiny model fitted for 30 batches; its BiLSTM made to explode after
  batch `explode_at` (None: never). Returns the spike counter."""
  import keras
  from exploding import explode

  from madlab_dream import model
  from madlab_dream.config import TINY_MODEL
  net = model.build_model(TINY_MODEL, seq_len=40, seed=2)
  net.compile(optimizer=keras.optimizers.SGD(1e-3), loss="mse",
              metrics=[BatchLoss("mse")], jit_compile=False)
  rng = np.random.default_rng(0)
  codes = rng.integers(0, 4, (480, 40)).astype(np.uint8)
  targets = rng.normal(size=(480, 1)).astype(np.float32)

  class Explode(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
      if batch == explode_at:
        explode(self.model)
  counter = loss_spikes.LossSpikes()
  net.fit(codes, targets, batch_size=16, epochs=1, shuffle=False, verbose=0,
          callbacks=[Explode(), counter])
  return counter


def test_an_exploding_bilstm_triggers_the_counter_and_a_normal_fit_not():
  assert fit(None).summary()["count"] == 0
  exploded = fit(explode_at=19).summary()
  assert exploded["first_steps"][0] == 21  # the first batch after it
  assert exploded["largest_loss"] > 1e6


def test_batch_loss_is_the_last_batch_loss():
  metric = BatchLoss("mse")
  metric.update_state(np.zeros((2, 1)), np.array([[1.0], [3.0]]))
  metric.update_state(np.zeros((2, 1)), np.array([[2.0], [0.0]]))
  assert float(metric.result()) == pytest.approx(2.0)
  with pytest.raises(ValueError, match="mse, huber or mae"):
    BatchLoss("hinge")
