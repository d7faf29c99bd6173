"""python -m madlab_dream.teacher_rows on the DREAM rows and on a table."""

import json
import pathlib

import numpy as np
import pytest
from helpers import assert_one_line_error
from helpers import run_module

from madlab_dream.config import DataConfig
from madlab_dream.data import preprocess
from madlab_dream.io import sequences

pytestmark = pytest.mark.slow
DATA = pathlib.Path(__file__).parent / "data"


def _table(path):
  lines = path.read_text().splitlines()
  rows = [line.split("\t") for line in lines[1:]]
  return lines[0].split("\t"), rows


#: The DREAM rows with the recipe's flags, a small teacher.
DREAM_ARGS = ("--flagfile=experiments/small_data_prior.flags",
              f"--train_data={DATA / 'dream_demo_train.txt'}", "--seed=3",
              "--teacher_rows=400", "--teacher_kmer=3")


@pytest.fixture(scope="module")
def dream_teacher(tmp_path_factory):
  out = tmp_path_factory.mktemp("dream") / "teacher"
  proc = run_module("madlab_dream.teacher_rows", *DREAM_ARGS,
                    f"--output_dir={out}")
  assert proc.returncode == 0, proc.stderr[-2000:]
  return out, proc


def test_dream_rows_split_as_training_splits_them(dream_teacher, tmp_path):
  out, proc = dream_teacher
  assert "k-mer ridge (k = 1..3)" in proc.stdout
  cache = preprocess(str(DATA / "dream_demo_train.txt"),
                     str(tmp_path / "cache"), DataConfig(seed=3))
  record = json.loads((out / "teacher.json").read_text())
  assert record["rows"] == {"teacher": 400, "train": len(cache.train_codes),
                            "validation": len(cache.val_codes)}
  for name, codes, standardised in (
      ("train", cache.train_codes, cache.train_targets),
      ("validation", cache.val_codes, cache.val_targets)):
    header, rows = _table(out / f"{name}.tsv")
    assert header == ["sequence", "expression"]
    assert (sequences.encode([s for s, _ in rows]) == codes).all()
    assert np.allclose([float(v) for _, v in rows],
                       cache.to_expression(standardised), atol=1e-4)
  header, rows = _table(out / "teacher.tsv")
  assert len(rows) == 400 and header == ["sequence", "expression"]
  assert 0.3 < record["ridge_validation_r"]["expression"] < 0.9
  assert not (out / "test.tsv").exists()
  again = run_module("madlab_dream.teacher_rows", *DREAM_ARGS,
                     f"--output_dir={out}")
  assert again.returncode == 0, again.stderr[-2000:]
  assert (out / "teacher.tsv").read_text().splitlines()[1:] == [
      "\t".join(r) for r in rows]


def test_a_table_with_two_targets_and_given_splits(tmp_path):
  out = tmp_path / "teacher"
  proc = run_module(
      "madlab_dream.teacher_rows", "--flagfile=experiments/deepstarr.flags",
      f"--train_data={DATA / 'deepstarr_mini_train.txt'}",
      f"--val_data={DATA / 'deepstarr_mini_val.txt'}",
      f"--test_data={DATA / 'deepstarr_mini_test.txt'}",
      "--teacher_rows=50", "--teacher_kmer=2", f"--output_dir={out}")
  assert proc.returncode == 0, proc.stderr[-2000:]
  names = ["Dev_log2_enrichment", "Hk_log2_enrichment"]
  for name, count in (("teacher", 50), ("train", 200), ("validation", 100),
                      ("test", 100)):
    header, rows = _table(out / f"{name}.tsv")
    assert header == ["sequence", *names] and len(rows) == count, name
  record = json.loads((out / "teacher.json").read_text())
  assert set(record["ridge_validation_r"]) == set(names)
  assert record["conserved_positions"] == 0


def test_refusals_leave_everything_as_it_was(tmp_path):
  out = tmp_path / "mine"
  out.mkdir()
  (out / "notes.txt").write_text("mine")
  proc = run_module("madlab_dream.teacher_rows",
                    f"--train_data={DATA / 'dream_demo_train.txt'}",
                    f"--output_dir={out}")
  assert_one_line_error(proc, str(out))
  assert [p.name for p in out.iterdir()] == ["notes.txt"]
  missing = run_module("madlab_dream.teacher_rows",
                       f"--train_data={tmp_path / 'none.txt'}",
                       f"--output_dir={tmp_path / 'y'}")
  assert_one_line_error(missing, "none.txt")
  assert not (tmp_path / "y").exists()


def test_the_two_runs_of_the_recipe_read_the_tables(dream_teacher, tmp_path):
  """small_data_teacher.flags on teacher.tsv, then the measured rows from
  that run (a tiny model: the recipe's plumbing, not its accuracy)."""
  import madlab_dream  # imports Keras: only this test trains
  from madlab_dream.config import TINY_MODEL
  out, _ = dream_teacher
  tiny = {**TINY_MODEL, "eval_batch_size": 256, "progress": False,
          "steps_per_epoch": 2, "epochs": 1, "jit_compile": "false",
          "val_data": str(out / "validation.tsv")}
  first = madlab_dream.train(
      flagfile="experiments/small_data_teacher.flags", init_from=None,
      train_data=str(out / "teacher.tsv"), model_dir=str(tmp_path / "s1"),
      **tiny)
  assert first.status == 0 and first.report["data"]["counts"]["train"] == 400
  second = madlab_dream.train(
      flagfile="experiments/small_data_prior.flags",
      init_from=str(tmp_path / "s1"), sequence_column="sequence",
      target_columns=["expression"], train_data=str(out / "train.tsv"),
      model_dir=str(tmp_path / "s2"), baseline_kmer=0, **tiny)
  counts = second.report["data"]["counts"]
  record = json.loads((out / "teacher.json").read_text())
  assert second.status == 0 and second.report["init_from"]
  assert counts["train"] == record["rows"]["train"]
  assert counts["validation"] == record["rows"]["validation"]
