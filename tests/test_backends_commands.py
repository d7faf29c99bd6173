"""The command line on JAX and PyTorch with TensorFlow not installed
(tests/no_tensorflow.py): simulate -> train (quickstart flags) -> predict
-> evaluate -> explain -> design; a run killed after an epoch resumes to the
uninterrupted run's figures; --strategy=mirrored on two JAX CPU devices
gives one device's figures."""

import importlib.util
import json
import signal
import subprocess
import sys
import time

import pytest
from helpers import REPO
from helpers import env

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    sys.version_info < (3, 11), reason="JAX 0.10 needs Python >= 3.11")]

BLOCK = str(REPO / "tests" / "no_tensorflow.py")
TORCH = pytest.param("torch", marks=[pytest.mark.long, pytest.mark.skipif(
    importlib.util.find_spec("torch") is None,
    reason="PyTorch is not installed (optional; not in the test extra)")])
TRAIN = ["--flagfile=experiments/quickstart.flags", "--epochs=3",
         "--steps_per_epoch=8", "--min_val_rows=300", "--train_eval_rows=300",
         "--noprogress"]


def command(backend, module, *args, extra_env=None):
  e = env()
  e.update({"KERAS_BACKEND": backend, **(extra_env or {})})
  return [sys.executable, BLOCK, "-m", module, *map(str, args)], e


def run(backend, module, *args, extra_env=None, timeout=600):
  argv, e = command(backend, module, *args, extra_env=extra_env)
  proc = subprocess.run(argv, env=e, cwd=REPO, capture_output=True,
                        text=True, timeout=timeout)
  assert proc.returncode == 0, (module, proc.stdout[-2000:],
                                proc.stderr[-3000:])
  return proc


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
  d = tmp_path_factory.mktemp("sim")
  run("jax", "madlab_dream.simulate", f"--output_dir={d}", "--train_rows=1500",
      "--test_rows=200", "--seed=3")
  return d


def history_of(run_dir):
  report = json.loads((run_dir / "report.json").read_text())
  keep = ("loss", "val_pearson", "val_mse")
  return report, [{k: row[k] for k in keep} for row in report["history"]]


@pytest.mark.parametrize("backend", ["jax", TORCH])
def test_every_command_runs_without_tensorflow(sim, tmp_path, backend):
  model = tmp_path / "run"
  out = run(backend, "madlab_dream.train", *TRAIN,
            f"--train_data={sim / 'train_sequences.txt'}",
            f"--model_dir={model}").stdout
  assert "saved_model/" not in out.splitlines()[-1]
  assert (model / "model.keras").exists() and (model / "model.json").exists()
  assert not (model / "saved_model").exists()
  report, _ = history_of(model)
  assert report["backend"] == backend
  assert report["matmul_precision"]["requested"] == "default"
  run(backend, "madlab_dream.predict", f"--model={model}",
      f"--input={sim / 'test_sequences.txt'}", f"--output={tmp_path / 'p.json'}")
  run(backend, "madlab_dream.evaluate", f"--predictions={tmp_path / 'p.json'}",
      f"--ground_truth={sim / 'filtered_test_data_with_MAUDE_expression.txt'}",
      f"--subsets_dir={sim / 'test_subset_ids'}",
      f"--public_dir={sim / 'public_leaderboard_ids'}",
      f"--output={tmp_path / 'scores.json'}")
  assert "pearson" in (tmp_path / "scores.json").read_text().lower()
  five = tmp_path / "five.txt"
  five.write_text("".join((sim / "test_sequences.txt").read_text()
                          .splitlines(True)[:3]))
  run(backend, "madlab_dream.explain", f"--model={model}", f"--input={five}",
      "--method=integrated_gradients", f"--output={tmp_path / 'c.npz'}")
  run(backend, "madlab_dream.design", f"--model={model}", "--objective=max",
      "--num_designs=3", "--rounds=1", f"--output={tmp_path / 'd.tsv'}")
  assert len((tmp_path / "d.tsv").read_text().splitlines()) == 4


def test_a_saved_model_alone_needs_tensorflow_one_line(tmp_path):
  (tmp_path / "saved_model").mkdir()
  (tmp_path / "saved_model" / "saved_model.pb").write_bytes(b"\0")
  argv, e = command("jax", "madlab_dream.predict", f"--model={tmp_path}",
                    f"--input={tmp_path / 'x.txt'}",
                    f"--output={tmp_path / 'p.json'}")
  (tmp_path / "x.txt").write_text("ACGT\t0\n")
  proc = subprocess.run(argv, env=e, cwd=REPO, capture_output=True,
                        text=True, timeout=300)
  lines = [line for line in proc.stderr.splitlines() if line.strip()]
  assert proc.returncode == 2 and len(lines) == 1, proc.stderr
  assert "SavedModel and TensorFlow is not installed" in lines[0]


def _wait_for_epoch(model_dir, proc, epochs, timeout=300):
  state = model_dir / "checkpoints" / "state.json"
  t0 = time.time()
  while time.time() - t0 < timeout:
    try:
      if json.loads(state.read_text())["epochs_done"] >= epochs:
        return
    except (OSError, ValueError, KeyError):
      pass
    assert proc.poll() is None, "training ended early"
    time.sleep(0.05)
  raise AssertionError("no epoch completed in time")


@pytest.mark.long
def test_a_killed_jax_run_resumes_to_the_uninterrupted_figures(sim, tmp_path):
  data = f"--train_data={sim / 'train_sequences.txt'}"
  whole, cut = tmp_path / "whole", tmp_path / "cut"
  run("jax", "madlab_dream.train", *TRAIN, "--rc_augment", data,
      f"--model_dir={whole}")
  argv, e = command("jax", "madlab_dream.train", *TRAIN, "--rc_augment", data,
                    f"--model_dir={cut}")
  proc = subprocess.Popen(argv, env=e, cwd=REPO, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
  _wait_for_epoch(cut, proc, 1)
  proc.send_signal(signal.SIGKILL)
  proc.wait(timeout=60)
  assert not (cut / "report.json").exists()
  again = run("jax", "madlab_dream.train", *TRAIN, "--rc_augment", data,
              f"--model_dir={cut}")
  assert "resuming after epoch" in again.stdout
  assert history_of(cut)[1] == history_of(whole)[1]


@pytest.mark.long
def test_data_parallel_on_two_jax_devices_gives_one_devices_figures(
    sim, tmp_path):
  data = f"--train_data={sim / 'train_sequences.txt'}"
  one, two = tmp_path / "one", tmp_path / "two"
  run("jax", "madlab_dream.train", *TRAIN, data, f"--model_dir={one}")
  run("jax", "madlab_dream.train", *TRAIN, data, f"--model_dir={two}",
      "--strategy=mirrored",
      extra_env={"XLA_FLAGS": "--xla_force_host_platform_device_count=2"})
  report, history = history_of(two)
  assert report["replicas"] == 2
  _, reference = history_of(one)
  for a, b in zip(history, reference):  # the same batches and steps
    assert abs(a["val_pearson"] - b["val_pearson"]) < 2e-3, (a, b)
    assert abs(a["loss"] - b["loss"]) < 2e-3 * max(1, abs(b["loss"])), (a, b)
