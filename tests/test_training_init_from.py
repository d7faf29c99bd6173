"""--init_from: weights copied by layer, a new head re-initialised, other
shapes refused; --freeze keeps blocks fixed."""

import numpy as np
import pytest

from madlab_dream import model as model_lib
from madlab_dream.config import TINY_MODEL
from madlab_dream.errors import InputError
from madlab_dream.training import init_from


@pytest.fixture(scope="module")
def source_run(tmp_path_factory):
  run = tmp_path_factory.mktemp("source")
  model_lib.build_model(TINY_MODEL, seq_len=24, seed=1).save(
      str(run / "model.keras"))
  return run


def test_copies_every_layer_and_reinitialises_a_head_of_another_size(
    source_run):
  source = model_lib.build_model(TINY_MODEL, seq_len=24, seed=1)
  target = model_lib.build_model(TINY_MODEL, seq_len=40, seed=2,
                                 num_targets=2)
  head = target.get_layer("expression").get_weights()[0].copy()
  lines = []
  done = init_from.copy_weights(target, str(source_run), lines.append)
  assert done["reinitialised"] == ["expression"]
  assert "multi_scale_conv" in done["copied"]
  assert "re-initialised expression" in lines[0] and "2 here" in lines[0]
  for name in done["copied"]:
    for mine, theirs in zip(target.get_layer(name).get_weights(),
                            source.get_layer(name).get_weights()):
      np.testing.assert_array_equal(mine, theirs)
  np.testing.assert_array_equal(target.get_layer("expression").get_weights()[0],
                                head)


def test_other_shapes_are_refused_naming_the_layers(source_run, tmp_path):
  wider = model_lib.build_model({**TINY_MODEL, "lstm_units": 3}, seq_len=24)
  with pytest.raises(InputError, match=r"layers of other shapes: bilstm "):
    init_from.copy_weights(wider, str(source_run))
  deeper = model_lib.build_model({**TINY_MODEL, "num_blocks": 2}, seq_len=24)
  with pytest.raises(InputError, match=r"transformer_block_1 \(not in"):
    init_from.copy_weights(deeper, str(source_run))
  with pytest.raises(InputError, match="no model.keras"):
    init_from.copy_weights(deeper, str(tmp_path))


def test_freeze_makes_the_blocks_non_trainable():
  net = model_lib.build_model(TINY_MODEL, seq_len=24)
  before = model_lib.parameter_counts(net)["trainable"]
  names = init_from.freeze(net, ("conv", "transformer"))
  assert names == ["multi_scale_conv", "transformer_block_0"]
  after = model_lib.parameter_counts(net)["trainable"]
  lstm_and_head = sum(int(np.prod(w.shape)) for layer in ("bilstm",
                      "expression") for w in net.get_layer(layer).weights)
  assert before > after == lstm_and_head
