"""`make demo` in miniature: simulate, plan, train, predict, score."""

import json

import pytest
from helpers import TINY_MODEL
from helpers import assert_one_line_error
from helpers import run_module


@pytest.mark.slow
@pytest.mark.long
def test_demo_runs_end_to_end_and_reuses_its_data(tmp_path):
  out = tmp_path / "demo"
  train_args = [*TINY_MODEL, "--batch_size=64", "--train_eval_rows=500",
                "--baseline_kmer=3", "--max_steps=40"]
  args = [f"--output_dir={out}", "--train_rows=3000", "--test_rows=1000",
          "--budget=3m", *[f"--train_arg={a}" for a in train_args]]
  proc = run_module("madlab_dream.demo", *args, timeout=400)
  assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
  for step in ("1. simulate", "2. measure", "3. train", "4. predict",
               "5. score"):
    assert step in proc.stdout
  assert "plan: budget 180 s" in proc.stdout and "steps of 64" in proc.stdout
  summary = json.loads((out / "demo_report.json").read_text())
  val = summary["validation_pearson"]
  assert 0.5 < val["noise_ceiling"] < 1.0
  assert -1 <= val["model"] <= 1 and 0 < val["baseline"] < 1
  assert val["fraction_of_ceiling"] == val["model"] / val["noise_ceiling"]
  assert len(summary["checks"]) == 3
  assert summary["training"]["steps_run"] == 40  # --train_arg wins
  assert summary["plan"]["speed"]["train_seq_per_s"] > 0
  submission = json.loads((out / "test_predictions.json").read_text())
  assert len(submission) == 1000 and "0" in submission and "999" in submission
  scores = json.loads((out / "test_scores.json").read_text())
  assert "pearson_score" in scores and "spearman_score" in scores
  assert (out / "run" / "saved_model" / "saved_model.pb").exists()
  assert (out / "learning_curve.png").read_bytes()[:4] == b"\x89PNG"
  report_md = (out / "demo_report.md").read_text()
  assert "noise ceiling" in report_md and "ridge on k-mer counts" in report_md

  # --check_targets turns a failed check into exit status 1; the simulated
  # data are reused, not written again.
  again = run_module("madlab_dream.demo", *args, "--check_targets",
                     timeout=400)
  assert "simulated data: reusing" in again.stdout
  checks = json.loads((out / "demo_report.json").read_text())["checks"]
  assert again.returncode == (0 if all(checks.values()) else 1)


@pytest.mark.slow
def test_demo_bad_output_or_budget_is_one_line_error(tmp_path):
  blocker = tmp_path / "file"
  blocker.write_text("x")
  proc = run_module("madlab_dream.demo", f"--output_dir={blocker / 'sub'}",
                    timeout=60)
  assert_one_line_error(proc, str(blocker))
  proc = run_module("madlab_dream.demo", f"--output_dir={tmp_path / 'd'}",
                    "--budget=soon", timeout=60)
  assert_one_line_error(proc, "--budget=soon")


@pytest.mark.slow
def test_a_folder_of_the_users_is_refused_untouched(tmp_path):
  from test_io_output_dirs import tree
  (tmp_path / "project").mkdir()
  (tmp_path / "project" / "demo_report.md").write_text("the user's notes")
  before = tree(tmp_path)
  proc = run_module("madlab_dream.demo", f"--output_dir={tmp_path / 'project'}",
                    timeout=60)
  assert_one_line_error(proc, "holds files that demo did not write",
                        "demo_report.md")
  assert tree(tmp_path) == before
