"""train/state.py: what a resumed run must share with the interrupted one."""

import json

import pytest

from madlab_dream import config as cfg
from madlab_dream.errors import InputError
from madlab_dream.train.state import RunState

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
  assert _saved(tmp_path, {**settings, "model": model}).load()


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
