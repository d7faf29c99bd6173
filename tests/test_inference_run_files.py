"""inference/run_files.py: a run's file names, its model forms, its metadata
and the check of metadata against the model (no framework needed)."""

import json

import pytest

from madlab_dream.errors import InputError
from madlab_dream.inference import run_files
from madlab_dream.inference.run_files import RunFiles


def make_run(root, keras=True, saved_model=True, metadata=None, config=None):
  root.mkdir(parents=True, exist_ok=True)
  if keras:
    (root / "model.keras").write_bytes(b"PK")
  if saved_model:
    (root / "saved_model" / "assets").mkdir(parents=True)
    (root / "saved_model" / "saved_model.pb").write_bytes(b"")
  if metadata is not None:
    (root / "model.json").write_text(json.dumps(metadata))
  if config is not None:
    (root / "config.json").write_text(json.dumps(config))
  return root


def test_every_way_of_naming_a_run_finds_the_same_files(tmp_path):
  run = make_run(tmp_path / "run")
  names = [run, run / "saved_model", run / "model.keras"]
  for name in names:
    files = RunFiles(str(name))
    assert files.run_dir == str(run)
    assert files.keras_file == str(run / "model.keras")
    assert files.saved_model.rstrip("/") == str(run / "saved_model")
    assert files.config_file == str(run / "config.json")
    assert files.forms() == ["keras", "saved_model"]
  assert RunFiles(RunFiles(str(run))).run_dir == str(run)


def test_an_incomplete_saved_model_folder_still_names_its_run(tmp_path):
  saved = tmp_path / "run" / "saved_model"
  saved.mkdir(parents=True)
  files = RunFiles(str(saved))
  assert files.run_dir == str(tmp_path / "run")
  assert files.forms() == []
  with pytest.raises(InputError, match="not a model: no model.keras"):
    files.require_any()


def test_forms_say_what_is_there(tmp_path):
  assert RunFiles(str(make_run(tmp_path / "k", saved_model=False))).forms() \
      == ["keras"]
  assert RunFiles(str(make_run(tmp_path / "s", keras=False))).forms() == [
      "saved_model"]
  other = tmp_path / "k" / "model.txt"
  other.write_text("")
  with pytest.raises(InputError, match="expected a run directory"):
    RunFiles(str(other))


def test_metadata_beside_model_keras_comes_first(tmp_path):
  run = make_run(tmp_path / "run", metadata={"seq_len": 110, "source": 1})
  (run / "saved_model" / "assets" / "madlab_dream.json").write_text(
      json.dumps({"seq_len": 110, "source": 2}))
  files = RunFiles(str(run))
  assert files.metadata()["source"] == 1
  assert files.metadata(prefer_saved_model=True)["source"] == 2
  assert files.inputs("keras") == [str(run / "model.keras"),
                                   str(run / "model.json")]


def test_unreadable_metadata_is_one_error_naming_the_file(tmp_path):
  run = make_run(tmp_path / "run")
  (run / "model.json").write_text("[1, 2]")
  with pytest.raises(InputError, match="not a JSON object") as e:
    RunFiles(str(run)).metadata()
  assert str(run / "model.json") in str(e.value)
  (run / "model.json").write_text("{")
  with pytest.raises(InputError, match="cannot read the model's metadata"):
    RunFiles(str(run)).metadata()


def test_files_of_two_runs_mixed_are_refused(tmp_path):
  run = make_run(tmp_path / "run", metadata={"seq_len": 110,
                                              "targets": ["a", "b"]},
                 config={"model": {"seq_len": 110}})
  files = RunFiles(str(run))
  files.check_model(110, 2)
  with pytest.raises(InputError, match="says L = 110 but the model takes "
                     "L = 80: files of different runs mixed"):
    files.check_model(80, 2)
  with pytest.raises(InputError, match="names 2 target"):
    files.check_model(110, 1)
  (run / "model.json").unlink()
  (run / "config.json").write_text(json.dumps({"model": {"seq_len": 249}}))
  with pytest.raises(InputError, match="config.json"):
    RunFiles(str(run)).check_model(110, 1)


def test_the_names_are_the_documented_ones():
  assert (run_files.KERAS_FILE, run_files.METADATA_FILE,
          run_files.SAVED_MODEL_DIR) == ("model.keras", "model.json",
                                         "saved_model")
