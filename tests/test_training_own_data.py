"""Training end to end on a table with a header row and two targets
(the DeepSTARR sample rows), and fine-tuning from that run: a tiny version
in one process for `make test`, the full one through the command line."""

import csv
import json

import numpy as np
import pytest
from helpers import REPO
from helpers import TINY_MODEL
from helpers import assert_one_line_error
from helpers import run_module

pytestmark = pytest.mark.slow
DIR = REPO / "tests" / "data"
TARGETS = "Dev_log2_enrichment,Hk_log2_enrichment"


def train(model_dir, *extra):
  return run_module(
      "madlab_dream.train", f"--train_data={DIR}/deepstarr_mini_train.txt",
      f"--model_dir={model_dir}", "--sequence_column=Sequence",
      "--batch_size=32", "--epochs=2", "--seed=3", "--learning_rate=1e-3",
      *TINY_MODEL, *extra, timeout=300)


def test_tiny_two_targets_then_fine_tuning_in_one_process(tmp_path):
  from madlab_dream import train as train_fn
  from madlab_dream.config import TINY_MODEL as TINY
  table = dict(train_data=f"{DIR}/deepstarr_mini_train.txt",
               sequence_column="Sequence", seq_len=249, batch_size=32,
               steps_per_epoch=2, epochs=1, seed=3, jit_compile="false",
               val_data=f"{DIR}/deepstarr_mini_val.txt", eval_batch_size=256,
               progress=False, **TINY)
  two = train_fn(target_columns=TARGETS.split(","),
                 model_dir=str(tmp_path / "two"), **table)
  assert two.status == 0
  assert two.report["targets"] == TARGETS.split(",")
  assert set(two.report["validation"]["targets"]) == set(TARGETS.split(","))
  one = train_fn(target_columns=["Dev_log2_enrichment"],
                 model_dir=str(tmp_path / "one"),
                 init_from=str(tmp_path / "two"), freeze=["conv"], **table)
  assert one.status == 0
  assert one.report["init_from"]["reinitialised"] == ["expression"]
  assert one.report["frozen"] == ["conv"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
  d = tmp_path_factory.mktemp("deepstarr")
  proc = train(d, f"--target_columns={TARGETS}", "--seq_len=auto",
               f"--val_data={DIR}/deepstarr_mini_val.txt",
               f"--test_data={DIR}/deepstarr_mini_test.txt", "--rc_augment",
               "--notransformer_trainable")
  assert proc.returncode == 0, proc.stderr[-3000:]
  return d, proc


@pytest.mark.long
def test_two_targets_report_history_and_figures(run_dir):
  d, proc = run_dir
  assert "--seq_len=auto: 249" in proc.stdout
  report = json.loads((d / "report.json").read_text())
  assert report["targets"] == TARGETS.split(",")
  for part in ("train", "validation", "test"):
    per = report[part]["targets"]
    assert list(per) == TARGETS.split(",")
    np.testing.assert_allclose(
        report[part]["pearson"], np.mean([m["pearson"] for m in per.values()]))
  assert report["test"]["n"] == 100 and report["validation"]["n"] == 100
  assert report["selection"] == ("best mean validation Pearson r over the "
                                 "targets")
  history = list(csv.DictReader(open(d / "history.csv")))
  assert "val_pearson_Hk_log2_enrichment" in history[0]
  for name in TARGETS.split(","):
    assert (d / f"validation_scatter_{name}.png").exists()
  md = (d / "report.md").read_text()
  assert "| test |" in md and "validation: Dev_log2_enrichment" in md


@pytest.mark.long
def test_saved_model_round_trips_the_reported_validation(run_dir):
  d, _ = run_dir
  from madlab_dream import metrics
  from madlab_dream.data import load_cache
  from madlab_dream.inference.predictor import Predictor
  predictor = Predictor(str(d))
  assert predictor.targets == TARGETS.split(",")
  cache = load_cache(str(d / "cache"))
  pred = predictor.predict_codes(np.asarray(cache.val_codes),
                                 output="standardised")
  scores = metrics.target_metrics(cache.val_targets, pred, cache.target_names)
  report = json.loads((d / "report.json").read_text())
  for name, per in scores["targets"].items():
    np.testing.assert_allclose(
        per["pearson"], report["validation"]["targets"][name]["pearson"],
        atol=1e-4)


@pytest.mark.long
def test_fine_tuning_reinitialises_the_head_and_refuses_other_shapes(
    run_dir, tmp_path):
  d, _ = run_dir
  proc = train(tmp_path / "one", "--target_columns=Dev_log2_enrichment",
               "--seq_len=249", "--val_rows=50", f"--init_from={d}",
               "--freeze=transformer", "--notransformer_trainable",
               "--select_target=Dev_log2_enrichment")
  assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
  assert "re-initialised expression" in proc.stdout
  report = json.loads((tmp_path / "one" / "report.json").read_text())
  assert report["init_from"]["reinitialised"] == ["expression"]
  assert report["frozen"] == ["transformer"]
  proc = train(tmp_path / "wide", f"--target_columns={TARGETS}",
               "--seq_len=249", "--val_rows=50", f"--init_from={d}",
               "--lstm_units=3")
  assert_one_line_error(proc, "another architecture (lstm_units 2 there, 3 "
                        "here)")
