"""The speed probes the benchmark calls (explain/speed.py)."""

import pytest

from madlab_dream.tools.bench import explain_speed as speed


@pytest.fixture(scope="module")
def net():
  from madlab_dream import model
  from madlab_dream.config import TINY_MODEL
  return model.build_model(TINY_MODEL, seed=1)


def test_rates_are_measured(net):
  grad = speed.gradient_rate(net, batch_size=8, batches=2)
  assert grad["batch_size"] == 8
  assert grad["gradient_evaluations_per_s"] > 0 and grad["forward_per_s"] > 0
  eg = speed.method_rate(net, sequences=2, batch_size=16,
                         method="expected_gradients", references=2, steps=2)
  assert eg["gradient_evaluations_per_sequence"] == 4
  assert eg["sequences_per_s"] > 0 and eg["settings"]["references"] == 2
  ism = speed.method_rate(net, sequences=1, batch_size=64, method="ism")
  assert ism["method"] == "ism" and ism["sequences_per_s"] > 0
