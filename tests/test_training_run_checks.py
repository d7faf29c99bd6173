"""training.run_checks: a refused training run writes nothing, creates nothing.

Each case runs `loop.run` (the command's own path) and compares a checksum
of the whole tree before and after; none starts TensorFlow.
"""

import json

import pytest
from helpers import TINY_MODEL
from test_io_output_dirs import tree

from madlab_dream.commands import flags
from madlab_dream.errors import InputError
from madlab_dream.training import loop
from madlab_dream.training.state import RunState


def config_of(data, model_dir, *extra):
  return flags.run_config_from_args([f"--train_data={data}",
                                     f"--model_dir={model_dir}",
                                     *TINY_MODEL, *extra])


def refused(tmp_path, config, needle):
  before = tree(tmp_path)
  with pytest.raises(InputError, match=needle):
    loop.run(config)
  assert tree(tmp_path) == before


@pytest.fixture
def data(tmp_path, demo_train):
  rows = demo_train.read_text().splitlines()[:300]
  path = tmp_path / "train.txt"
  path.write_text("\n".join(rows) + "\n")
  other = tmp_path / "other.txt"
  other.write_text("\n".join(rows[:250]) + "\n")
  return path, other


def fake_run(run, data, config_model=None, **model):
  """A finished run's files, as far as the checks read them."""
  (run / "cache").mkdir(parents=True)
  (run / "cache" / "meta.json").write_text('{"cache": "of the first data"}')
  (run / "model.keras").write_bytes(b"zip")
  settings = config_of(data, run).model.to_dict()
  settings.update(model)
  (run / "config.json").write_text(json.dumps({"model": settings}))


def test_another_models_saved_model_is_not_a_run_directory(tmp_path, data):
  saved = tmp_path / "run" / "saved_model"
  (saved / "variables").mkdir(parents=True)
  (saved / "saved_model.pb").write_bytes(b"graph")
  refused(tmp_path, config_of(data[0], saved), "did not write")


def test_a_folder_of_the_users_is_not_a_run_directory(tmp_path, data):
  (tmp_path / "mine").mkdir()
  (tmp_path / "mine" / "notes.txt").write_text("mine")
  refused(tmp_path, config_of(data[0], tmp_path / "mine"), "notes.txt")


def test_a_finished_run_on_other_data_is_refused_before_its_cache(
    tmp_path, data):
  train, other = data
  run = tmp_path / "run"
  fake_run(run, train)
  config = config_of(train, run)
  from madlab_dream.data.cache import fingerprint
  state = RunState(str(run), {**config.result_dict(),
                              "input": fingerprint(str(train))})
  (run / "checkpoints").mkdir()
  state.save_state()
  refused(tmp_path, config_of(other, run), "other data")


@pytest.mark.parametrize("case, needle", [
    ("missing", "no model.keras"),
    ("itself", "own --model_dir"),
    ("architecture", "conv_filters 5 there"),
    ("freeze alone", "--freeze needs --init_from"),
])
def test_init_from_is_checked_before_anything_is_written(tmp_path, data,
                                                         case, needle):
  source = tmp_path / "source"
  fake_run(source, data[0], conv_filters=5)
  model_dir = tmp_path / "new_run"
  extra = {"missing": [f"--init_from={tmp_path / 'nothing'}"],
           "itself": [f"--init_from={source}"],
           "architecture": [f"--init_from={source}"],
           "freeze alone": ["--freeze=conv"]}[case]
  if case == "itself":
    model_dir = source
  refused(tmp_path, config_of(data[0], model_dir, *extra), needle)


def test_a_folder_where_a_report_goes_is_refused(tmp_path, data):
  run = tmp_path / "run"
  fake_run(run, data[0])
  (run / "report.json").mkdir()
  refused(tmp_path, config_of(data[0], run), "report.json")


def test_a_refused_table_leaves_no_run_directory(tmp_path):
  table = tmp_path / "t.tsv"
  table.write_text("seq\ty\tfold\n" + "".join(
      f"{'ACGT' * 5}\t{i}\t{'a' if i % 2 else 'b'}\n" for i in range(40)))
  refused(tmp_path, config_of(table, tmp_path / "run", "--sequence_column=seq",
                              "--target_columns=y", "--split_column=fold",
                              "--val_values=c", "--seq_len=20"),
          "--val_values: 'c' matches no row of column 'fold'")
