"""Training runs that are interrupted, resumed, repeated or diverge."""

import json
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from helpers import REPO
from helpers import TINY_MODEL
from helpers import assert_one_line_error
from helpers import env
from helpers import run_module

pytestmark = pytest.mark.slow


def test_train_reports_bad_data_line_before_any_output(tmp_path):
  bad = tmp_path / "train.txt"
  bad.write_bytes(b"ACGT\t1\n" * 50 + b"ACGT\tx\n")
  proc = run_module("madlab_dream.train", f"--train_data={bad}",
                    f"--model_dir={tmp_path / 'run'}", *TINY_MODEL)
  assert_one_line_error(proc, f"{bad}:51:", "not a number")
  assert not (tmp_path / "run" / "report.json").exists()
  assert not (tmp_path / "run" / "saved_model").exists()


# --- Interruption, divergence, repeatability (tiny model, real rows) -------

def train_args(data, model_dir, *extra):
  # A one-cycle schedule: a resumed run reproduces the reference only if
  # the schedule continues where it was (its step is in the checkpoint).
  return [f"--train_data={data}", f"--model_dir={model_dir}",
          "--batch_size=64", "--steps_per_epoch=10", "--epochs=3",
          "--train_eval_rows=300", "--seed=11", "--lr_schedule=onecycle",
          "--learning_rate=3e-3", "--min_val_rows=300", *TINY_MODEL, *extra]


def metrics_of(model_dir):
  report = json.loads((model_dir / "report.json").read_text())
  keep = ("loss", "val_pearson", "val_pearson_squared",
          "val_mse", "val_r2_determination")
  history = [{k: h[k] for k in keep if k in h} for h in report["history"]]
  return {"train": report["train"], "validation": report["validation"],
          "best_epoch": report["best_epoch"], "history": history}


@pytest.fixture(scope="module")
def reference_run(demo_train, tmp_path_factory):
  d = tmp_path_factory.mktemp("reference")
  proc = run_module("madlab_dream.train", *train_args(demo_train, d))
  assert proc.returncode == 0, proc.stderr[-3000:]
  return d


def test_same_seed_gives_identical_reports(demo_train, reference_run,
                                           tmp_path):
  proc = run_module("madlab_dream.train", *train_args(demo_train, tmp_path))
  assert proc.returncode == 0, proc.stderr[-3000:]
  assert metrics_of(tmp_path) == metrics_of(reference_run)


@pytest.mark.long
def test_other_seed_gives_other_split_and_weights(demo_train, reference_run,
                                                  tmp_path):
  proc = run_module("madlab_dream.train",
                    *train_args(demo_train, tmp_path, "--seed=12"))
  assert proc.returncode == 0, proc.stderr[-3000:]
  from madlab_dream import data
  a = data.load_cache(str(reference_run / "cache"))
  b = data.load_cache(str(tmp_path / "cache"))
  assert not np.array_equal(a.val_rows, b.val_rows)
  assert metrics_of(tmp_path)["history"] != metrics_of(reference_run)["history"]


def _wait_for_epoch(model_dir, proc, epochs, timeout=240):
  state = model_dir / "checkpoints" / "state.json"
  t0 = time.time()
  while time.time() - t0 < timeout:
    if state.exists():
      try:
        if json.loads(state.read_text())["epochs_done"] >= epochs:
          return
      except (ValueError, KeyError):
        pass
    if proc.poll() is not None:
      raise AssertionError(f"training ended early: {proc.stderr.read()[-2000:]}")
    time.sleep(0.05)
  raise AssertionError("no epoch completed in time")


@pytest.mark.parametrize("sig", [
    signal.SIGTERM, pytest.param(signal.SIGKILL, marks=pytest.mark.long)])
def test_interrupted_run_resumes_to_the_same_result(demo_train, reference_run,
                                                    tmp_path, sig):
  args = train_args(demo_train, tmp_path)
  proc = subprocess.Popen([sys.executable, "-m", "madlab_dream.train", *args],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=env(), cwd=REPO)
  _wait_for_epoch(tmp_path, proc, 1)
  proc.send_signal(sig)
  out, err = proc.communicate(timeout=120)
  if sig == signal.SIGTERM:
    assert proc.returncode == 128 + signal.SIGTERM, err[-2000:]
    assert "rerun the same command to resume" in out
  else:
    assert proc.returncode == -signal.SIGKILL
  assert not (tmp_path / "report.json").exists()
  done = json.loads((tmp_path / "checkpoints" / "state.json").read_text())
  assert 1 <= done["epochs_done"] < 3
  again = run_module("madlab_dream.train", *args)
  assert again.returncode == 0, again.stderr[-3000:]
  assert f"resuming after epoch {done['epochs_done']}" in again.stdout
  assert "Warning" not in again.stderr, again.stderr  # a quiet resume
  assert metrics_of(tmp_path) == metrics_of(reference_run)


def test_report_metrics_are_those_of_the_best_history_row(reference_run):
  report = json.loads((reference_run / "report.json").read_text())
  row = report["history"][report["best_epoch"] - 1]
  v = report["validation"]
  assert (v["pearson"], v["pearson_squared"], v["mse"],
          v["r2_determination"]) == (
              row["val_pearson"], row["val_pearson_squared"], row["val_mse"],
              row["val_r2_determination"])


def test_rerunning_a_completed_run_is_bit_identical(demo_train, reference_run,
                                                    tmp_path):
  run = tmp_path / "run"
  shutil.copytree(reference_run, run)
  (run / ".lock").unlink(missing_ok=True)
  again = run_module("madlab_dream.train", *train_args(demo_train, run))
  assert again.returncode == 0, again.stderr[-3000:]
  assert "resuming after epoch 3" in again.stdout
  assert metrics_of(run) == metrics_of(reference_run)


def test_changed_training_data_is_not_resumed(demo_train, reference_run,
                                              tmp_path):
  # The run records its training file by contents (SHA-256), not by path:
  # the reference run, given its file with one value changed.
  run = tmp_path / "run"
  shutil.copytree(reference_run, run)
  (run / ".lock").unlink(missing_ok=True)
  data_file = tmp_path / "train.txt"
  lines = demo_train.read_text().splitlines()
  lines[10] = lines[10].split("\t")[0] + "\t7.25"
  data_file.write_text("\n".join(lines) + "\n")
  proc = run_module("madlab_dream.train", *train_args(data_file, run))
  assert_one_line_error(proc, "contents changed", "--noresume")


@pytest.mark.parametrize("damage", ["state", "epoch_weights", "best_weights"])
def test_damaged_checkpoints_are_one_line_errors(demo_train, reference_run,
                                                 tmp_path, damage):
  run = tmp_path / "run"
  shutil.copytree(reference_run, run)
  checkpoints = run / "checkpoints"
  target = {"state": checkpoints / "state.json",
            "epoch_weights": checkpoints / "epoch-0003.weights.h5",
            "best_weights": checkpoints / "best.weights.h5"}[damage]
  target.write_bytes(target.read_bytes()[:200])
  proc = run_module("madlab_dream.train", *train_args(demo_train, run))
  assert_one_line_error(proc, str(target), "damaged checkpoint",
                        "--noresume")


def test_resume_with_other_flags_is_refused(demo_train, reference_run):
  proc = run_module("madlab_dream.train",
                    *train_args(demo_train, reference_run, "--epochs=4"))
  assert_one_line_error(proc, "different settings", "epochs")


def test_non_finite_weights_are_never_exported(demo_train, tmp_path):
  # The first step's loss is finite; the update makes the weights inf/NaN.
  proc = run_module("madlab_dream.train", *train_args(
      demo_train, tmp_path, "--noselect_on_validation",
      "--steps_per_epoch=1", "--epochs=1", "--learning_rate=1e30",
      "--lr_schedule=constant"))
  assert proc.returncode == 3, (proc.stdout[-2000:], proc.stderr[-2000:])
  assert "non-finite" in proc.stderr and "no epoch to export" in proc.stderr
  assert not (tmp_path / "saved_model").exists()
  assert not (tmp_path / "report.json").exists()


def test_divergence_keeps_and_exports_the_best_epoch(demo_train, tmp_path):
  # Plain SGD with a huge step on 3-step epochs: epoch 1 is finite, then the
  # loss overflows during epoch 2 (deterministic on CPU for this seed and
  # the BiLSTM's initial weights).
  proc = run_module("madlab_dream.train", *train_args(
      demo_train, tmp_path, "--optimizer=sgd", "--learning_rate=3.0",
      "--lr_schedule=constant", "--epochs=6", "--steps_per_epoch=3"))
  assert proc.returncode == 3, (proc.stdout[-2000:], proc.stderr[-2000:])
  assert "diverged" in proc.stderr
  report = json.loads((tmp_path / "report.json").read_text())
  assert report["stopped"].startswith("diverged: loss became")
  assert report["epochs_run"] < 6 and report["best_epoch"] >= 1
  assert np.isfinite(report["validation"]["pearson"])
  assert (tmp_path / "saved_model" / "saved_model.pb").exists()
  assert (f"exported the best epoch ({report['best_epoch']} of "
          f"{report['epochs_run']} completed)") in proc.stderr
