"""train/state.py: checkpoints on a full disk (refused before the write,
the last completed epoch kept and resumable, no temporary left behind), and
what a resumed run must share with the interrupted one."""

import collections
import errno
import json
import os

import numpy as np
import pytest

from madlab_dream import config as cfg
from madlab_dream.errors import InputError
from madlab_dream.training import state as state_lib
from madlab_dream.training.state import RunState


def small_model():
  import keras
  model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
  model.compile(optimizer="rmsprop", loss="mse")
  model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
  return model


def saved_epoch_one(tmp_path):
  model = small_model()
  run = state_lib.RunState(str(tmp_path), {"input": "x"})
  run.epochs_done, run.steps_done = 1, 1
  run.save(model)
  return model, run


def test_a_checkpoint_is_refused_when_the_disk_cannot_hold_it(tmp_path,
                                                              monkeypatch):
  model, run = saved_epoch_one(tmp_path)
  usage = collections.namedtuple("usage", "total used free")
  monkeypatch.setattr(state_lib.files.shutil, "disk_usage",
                      lambda path: usage(10 << 20, 10 << 20, 1000))
  run.epochs_done, run.steps_done = 2, 2
  with pytest.raises(OSError) as caught:
    run.save(model)
  assert caught.value.errno == errno.ENOSPC
  assert "the checkpoint of epoch 2 needs about" in str(caught.value)
  assert "1.0 KB free" in str(caught.value)
  assert_epoch_one_resumes(tmp_path)


def test_a_write_failing_half_way_keeps_the_last_epoch(tmp_path, monkeypatch):
  model, run = saved_epoch_one(tmp_path)

  def full(path):  # as h5py's writes fail on a full disk
    with open(path, "wb") as f:
      f.write(b"partial")
    raise OSError(errno.ENOSPC, "No space left on device")

  monkeypatch.setattr(model, "save_weights", full)
  run.epochs_done, run.steps_done = 2, 2
  with pytest.raises(OSError) as caught:
    run.save(model)
  assert caught.value.filename == run.weights_file(2)  # named by the writer
  assert_epoch_one_resumes(tmp_path)


def assert_epoch_one_resumes(tmp_path):
  names = sorted(os.listdir(tmp_path / "checkpoints"))
  assert names == ["epoch-0001.weights.h5", "state.json"]  # no temporary
  again = state_lib.RunState(str(tmp_path), {"input": "x"})
  assert again.load() and again.epochs_done == 1
  again.restore(small_model())


def test_the_size_needed_covers_weights_and_optimizer(tmp_path):
  model, run = saved_epoch_one(tmp_path)
  written = os.path.getsize(run.weights_file(1))
  assert state_lib.weights_bytes(model, optimizer=True) > written


#: ModelConfig keys of 0.2.0 and the names they have now.
OLD_NAMES = {"num_relative_position_features": "num_relative_features",
             "relative_position_functions": "relative_functions",
             "attention_dropout_rate": "attention_dropout",
             "positional_dropout_rate": "positional_dropout"}


def _settings():
  return {**cfg.RunConfig().result_dict(), "input": "ab" * 32}


def _saved(tmp_path, settings):
  state = RunState(str(tmp_path), settings)
  (tmp_path / "checkpoints").mkdir()
  state.save_state()
  return RunState(str(tmp_path), _settings())


def test_a_state_written_with_the_model_settings_old_names_resumes(tmp_path):
  settings = _settings()
  model = dict(settings["model"])
  for new, old in OLD_NAMES.items():
    model[old] = model.pop(new)
  model["relative_logits"] = "gather"   # a 0.2.0 setting with one value now
  del model["num_targets"]              # settings added since 0.2.0
  data = {k: v for k, v in settings["data"].items()
          if k not in ("sequence_column", "target_columns", "skip_bad_rows")}
  assert _saved(tmp_path, {**settings, "model": model, "data": data}).load()


def test_a_state_with_other_model_settings_is_refused_naming_them(tmp_path):
  settings = _settings()
  model = {**settings["model"], "lstm_units": 8}
  with pytest.raises(InputError, match="lstm_units"):
    _saved(tmp_path, {**settings, "model": model}).load()


def test_a_state_on_other_data_is_refused(tmp_path):
  state = _saved(tmp_path, {**_settings(), "input": "cd" * 32})
  with pytest.raises(InputError, match="other data"):
    state.load()
  assert json.loads((tmp_path / "checkpoints" / "state.json").read_text())
