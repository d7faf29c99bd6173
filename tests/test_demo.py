"""`make demo` in miniature: simulate, train (+ baseline), predict, score."""

import json

import pytest

from helpers import TINY_MODEL, assert_one_line_error, run_module

pytestmark = pytest.mark.slow


def test_demo_runs_end_to_end_and_reuses_its_data(tmp_path):
  out = tmp_path / "demo"
  train_args = [*TINY_MODEL, "--epochs=1", "--batch_size=64",
                "--train_eval_rows=500", "--baseline_kmer=3"]
  args = [f"--output_dir={out}", "--train_rows=3000", "--test_rows=1000",
          *[f"--train_arg={a}" for a in train_args]]
  proc = run_module("madlab_dream.demo", *args, timeout=400)
  assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
  for step in ("1. simulate", "2. train", "3. predict", "4. score"):
    assert step in proc.stdout
  summary = json.loads((out / "demo_report.json").read_text())
  val = summary["validation_pearson"]
  assert 0.5 < val["noise_ceiling"] < 1.0
  assert -1 <= val["model"] <= 1 and 0 < val["baseline"] < 1
  assert val["fraction_of_ceiling"] == val["model"] / val["noise_ceiling"]
  assert set(summary["checks"]) == {"model beats the k-mer baseline",
                                    "model reaches 85 % of the noise ceiling"}
  assert summary["training"]["epochs"] == 1
  submission = json.loads((out / "test_predictions.json").read_text())
  assert len(submission) == 1000 and "0" in submission and "999" in submission
  scores = json.loads((out / "test_scores.json").read_text())
  assert "pearson_score" in scores and "spearman_score" in scores
  assert (out / "run" / "saved_model" / "saved_model.pb").exists()
  report_md = (out / "demo_report.md").read_text()
  assert "noise ceiling" in report_md and "ridge on k-mer counts" in report_md

  # --check_targets turns a missed target into exit status 1; the simulated
  # data are reused, not written again.
  again = run_module("madlab_dream.demo", *args, "--check_targets",
                     timeout=400)
  assert "simulated data: reusing" in again.stdout
  checks = json.loads((out / "demo_report.json").read_text())["checks"]
  assert again.returncode == (0 if all(checks.values()) else 1)


def test_demo_unwritable_output_is_one_line_error(tmp_path):
  blocker = tmp_path / "file"
  blocker.write_text("x")
  proc = run_module("madlab_dream.demo", f"--output_dir={blocker / 'sub'}",
                    timeout=60)
  assert_one_line_error(proc, str(blocker))
