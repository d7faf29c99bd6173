"""python -m madlab_dream.pretrain: a tiny run writes the prior and its
record; bad input and an existing prior elsewhere are refused first."""

import pytest
from helpers import assert_one_line_error
from helpers import run_module

from madlab_dream import model as model_lib
from madlab_dream.config import TINY_MODEL
from madlab_dream.errors import InputError
from madlab_dream.tools.pretrain import pretrain
from madlab_dream.training import pretrained


@pytest.mark.slow
def test_a_tiny_pretrain_writes_weights_and_record(tmp_path):
  settings = {k: list(v) if isinstance(v, tuple) else v
              for k, v in TINY_MODEL.items()}
  record = pretrain(rows=2000, steps=6, output_dir=str(tmp_path),
                    settings=settings, command="tiny")
  assert record["rows"] == 2000 and record["steps_run"] == 6
  assert record["command"] == "tiny" and -1 <= record[
      "simulated_validation_r"] <= 1
  assert 0.5 < record["noise_ceiling"] < 1
  assert pretrained.record(str(tmp_path)) == record
  weights = pretrained.load(str(tmp_path))
  net = model_lib.build_model(TINY_MODEL, seq_len=110)
  assert set(weights) == {layer.name for layer in net.layers if layer.weights}
  with pytest.raises(InputError, match="already exists"):
    pretrain(rows=2000, steps=6, output_dir=str(tmp_path))


def test_too_few_rows_or_steps_are_refused():
  with pytest.raises(InputError, match="at least 2000 rows"):
    pretrain(rows=10, steps=6)
  with pytest.raises(InputError, match="6 steps"):
    pretrain(rows=2000, steps=1)


@pytest.mark.slow
def test_the_command_refuses_bad_input_in_one_line(tmp_path):
  assert_one_line_error(run_module("madlab_dream.pretrain", "--rows=10",
                                   f"--output_dir={tmp_path}"),
                        "at least 2000 rows")
  assert not list(tmp_path.iterdir())


def test_the_recorded_command_leaves_out_the_work_dir():
  from madlab_dream.tools.pretrain import run
  assert run.recorded_command(["--rows=3000", "--work_dir=/tmp/w",
                               "--seed=2"]) == (
      "python -m madlab_dream.pretrain --rows=3000 --seed=2")
