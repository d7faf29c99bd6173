"""Training end to end through the command line, on the real rows."""

import csv
import json
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from helpers import REPO
from helpers import TINY_MODEL
from helpers import assert_one_line_error
from helpers import env
from helpers import run_module

from madlab_dream import config

pytestmark = pytest.mark.slow


def train(model_dir, data_file, *extra, timeout=300):
  return run_module("madlab_dream.train", f"--train_data={data_file}",
                    f"--model_dir={model_dir}", "--batch_size=64",
                    "--steps_per_epoch=8", "--epochs=2",
                    "--train_eval_rows=500", "--seed=3", *TINY_MODEL, *extra,
                    timeout=timeout)


@pytest.fixture(scope="module")
def run_dir(demo_train, tmp_path_factory):
  d = tmp_path_factory.mktemp("run")
  proc = train(d, demo_train, "--val_fraction=0.05")
  assert proc.returncode == 0, proc.stderr[-3000:]
  return d, proc


def test_outputs_exist(run_dir):
  d, proc = run_dir
  for name in ("saved_model/saved_model.pb", "model.keras", "report.json",
               "report.md", "history.csv", "validation_scatter.png",
               "flags.txt", "config.json"):
    assert (d / name).exists(), name
  assert list((d / "tensorboard").rglob("events.out.tfevents*"))
  lines = [line for line in proc.stdout.splitlines() if line.startswith("epoch ")]
  assert len(lines) == 2 and "val_pearson" in lines[0]  # one line per epoch
  report = json.loads((d / "report.json").read_text())
  for part in ("train", "validation"):
    assert set(report[part]) >= {"mse", "r2_determination", "pearson",
                                 "pearson_squared"}
  assert report["epochs_run"] == 2 and report["best_epoch"] in (1, 2)
  assert report["throughput_seq_per_s"] > 0
  assert report["data"]["counts"]["read"] == 6370
  assert report["config"]["data"]["seed"] == 3
  assert report["config"]["model"]["conv_kernels"] == [3, 5]
  history = list(csv.DictReader(open(d / "history.csv")))
  assert [int(r["epoch"]) for r in history] == [1, 2]
  assert "| validation |" in (d / "report.md").read_text()
  assert report["loss_spikes"]["count"] == 0
  assert "Loss spikes: none" in (d / "report.md").read_text()
  trained = json.loads((d / "config.json").read_text())["trained_range"]
  assert trained["min"] < report["data"]["scaler"]["mean"] < trained["max"]
  meta = json.loads((d / "saved_model/assets/madlab_dream.json").read_text())
  assert meta["trained_range"] == trained


def test_report_numbers_equal_recomputed_predictions(run_dir, demo_train):
  d, _ = run_dir
  import keras

  from madlab_dream import data  # noqa: F401 (registration)
  from madlab_dream import layers  # noqa: F401 (registration)
  from madlab_dream import model  # noqa: F401 (registration)
  report = json.loads((d / "report.json").read_text())
  cache = data.load_cache(str(d / "cache"))
  net = keras.models.load_model(d / "model.keras")
  pred = net.predict(np.asarray(cache.val_codes), verbose=0)[:, 0]
  y = np.asarray(cache.val_targets, np.float64)
  r = np.corrcoef(y, pred)[0, 1]
  mse = np.mean((y - pred) ** 2)
  r2 = 1 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2)
  v = report["validation"]
  assert v["n"] == len(y)
  np.testing.assert_allclose([v["pearson"], v["pearson_squared"], v["mse"],
                              v["r2_determination"]], [r, r * r, mse, r2],
                             rtol=1e-4, atol=1e-6)
  best = max(report["history"], key=lambda h: h["val_pearson"])
  assert report["best_epoch"] == best["epoch"]
  np.testing.assert_allclose(v["pearson"], best["val_pearson"], rtol=1e-4)


def test_saved_model_loads_with_tensorflow_alone(run_dir, demo_train):
  d, _ = run_dir
  import keras

  from madlab_dream import data  # noqa: F401
  from madlab_dream import layers  # noqa: F401
  from madlab_dream import model  # noqa: F401
  cache = data.load_cache(str(d / "cache"))
  lines = open(demo_train).read().splitlines()[:40]
  seqs = [line.split("\t")[0] for line in lines]
  net = keras.models.load_model(d / "model.keras")
  from madlab_dream.io import sequences
  in_memory = cache.to_expression(
      net.predict(sequences.encode(seqs, 110), verbose=0)[:, 0])
  script = textwrap.dedent(f"""
      import json, sys
      import numpy as np
      import tensorflow as tf
      m = tf.saved_model.load({str(d / 'saved_model')!r})
      seqs = json.loads(sys.stdin.read())
      by_text = m.signatures["serving_default"](sequences=tf.constant(seqs))
      table = np.full(256, 4, np.uint8)
      for i, c in enumerate("ACGT"): table[ord(c)] = i
      codes = np.stack([table[np.frombuffer(("N" * 110 + s)[-110:].encode(),
                                            np.uint8)] for s in seqs])
      by_codes = m.signatures["predict_codes"](codes=tf.constant(codes))
      assert "madlab_dream" not in sys.modules
      print(json.dumps([by_text["prediction"].numpy().tolist(),
                        by_codes["prediction"].numpy().tolist()]))
      """)
  e = env()
  e.pop("PYTHONPATH")
  proc = subprocess.run([sys.executable, "-c", script], input=json.dumps(seqs),
                        capture_output=True, text=True, env=e, cwd="/",
                        timeout=120)
  assert proc.returncode == 0, proc.stderr[-2000:]
  by_text, by_codes = json.loads(proc.stdout.strip().splitlines()[-1])
  np.testing.assert_allclose(by_text, by_codes, rtol=1e-6)
  np.testing.assert_allclose(by_text, in_memory, rtol=1e-4, atol=1e-4)


def test_the_train_function_runs_what_the_command_runs(run_dir, demo_train,
                                                     tmp_path):
  """madlab_dream.train(...) in this process: the command's run, its
  numbers, its outputs and the report it returns."""
  import madlab_dream
  command_dir, _ = run_dir
  result = madlab_dream.train(
      batch_size=64, steps_per_epoch=8, **config.TINY_MODEL,
      eval_batch_size=256, progress=False,
      train_data=str(demo_train), model_dir=str(tmp_path), epochs=2,
      train_eval_rows=500, seed=3, val_fraction=0.05)
  assert result.status == 0 and result.run_dir == str(tmp_path)
  written = json.loads((tmp_path / "report.json").read_text())
  assert json.loads(json.dumps(result.report, default=float)) == written
  command = json.loads((command_dir / "report.json").read_text())
  assert written["config"] == command["config"] | {
      "train": command["config"]["train"] | {"model_dir": str(tmp_path)}}
  for part in ("train", "validation"):
    for name, value in command[part].items():
      assert written[part][name] == pytest.approx(value, rel=1e-5), name
  assert [h["loss"] for h in written["history"]] == pytest.approx(
      [h["loss"] for h in command["history"]], rel=1e-5)
  for name in ("saved_model/saved_model.pb", "model.keras", "flags.txt"):
    assert (tmp_path / name).exists(), name


def test_rerun_flagfile_is_complete(run_dir):
  d, _ = run_dir
  text = (d / "flags.txt").read_text()
  for flag in ("--seed=3", "--batch_size=64", "--conv_kernels=3,5",
               "--learning_rate=0.0001", "--steps_per_epoch=8"):
    assert flag in text


def test_tiny_best_epoch_restore(demo_train, tmp_path):
  """The same construction, 4 epochs of 5 steps, in one process."""
  import madlab_dream
  from madlab_dream.config import TINY_MODEL as TINY
  result = madlab_dream.train(
      train_data=str(demo_train), model_dir=str(tmp_path), val_fraction=0.05,
      epochs=4, optimizer="rmsprop", learning_rate=0.01, batch_size=64,
      steps_per_epoch=5, jit_compile="false", seed=1, eval_batch_size=256,
      progress=False, **TINY)
  report = result.report
  values = [h["val_pearson"] for h in report["history"]]
  best = report["best_epoch"]
  assert best != report["epochs_run"], values  # the construction worked
  assert max(values) == values[best - 1]
  assert report["validation"]["pearson"] == pytest.approx(values[best - 1],
                                                          rel=1e-4)
  assert report["validation"]["pearson"] != pytest.approx(values[-1],
                                                          rel=1e-4)


@pytest.mark.long
def test_best_epoch_is_restored_when_a_later_epoch_is_worse(demo_train,
                                                            tmp_path):
  # A learning rate far too large makes later epochs worse than an early one.
  train(tmp_path, demo_train, "--val_fraction=0.05", "--epochs=4",
        "--optimizer=rmsprop", "--learning_rate=0.01")
  report = json.loads((tmp_path / "report.json").read_text())
  values = [h.get("val_pearson", float("nan")) for h in report["history"]]
  best = report["best_epoch"]
  assert best != report["epochs_run"], values  # the construction worked
  assert np.nanmax(values) == pytest.approx(values[best - 1])
  assert report["validation"]["pearson"] == pytest.approx(values[best - 1],
                                                          rel=1e-4)


@pytest.mark.parametrize("args, needles", [
    (["--train_data=/no/such/train_sequences.txt", "--model_dir=/tmp/x"],
     ["/no/such/train_sequences.txt", "Zenodo record 10633252",
      "data/train_sequences.txt"]),
    (["--model_dir=/tmp/x"], ["--train_data is required", "Zenodo"]),
    (["--train_data={demo}", "--model_dir={tmp}/m", "--val_fraction=0"],
     ["--val_fraction=0", "--noselect_on_validation"]),
    (["--train_data={demo}", "--model_dir=/proc/forbidden"],
     ["/proc/forbidden", "not writable"]),
    (["--train_data={demo}", "--model_dir={tmp}/m", "--batch_size=abc"],
     ["batch_size"]),
    (["--train_data={demo}", "--model_dir={tmp}/m", "--strategy=multi_worker"],
     ["TF_CONFIG"]),
])
def test_bad_flags_are_one_line_errors(demo_train, tmp_path, args, needles):
  args = [a.format(demo=demo_train, tmp=tmp_path) for a in args]
  proc = run_module("madlab_dream.train", *args)
  assert_one_line_error(proc, *needles)
  assert not (tmp_path / "m" / "report.json").exists()


AS_RUN = ("--split=tail", "--shuffle_buffer=64", "--notransformer_trainable",
          "--optimizer=rmsprop_keras2")


@pytest.fixture(scope="module")
def as_run_capped(demo_train, tmp_path_factory):
  """One run for two tests: MadLab's as-run data options, frozen
  transformer and Keras 2 RMSprop, cut by --max_steps in its third epoch."""
  d = tmp_path_factory.mktemp("as_run")
  proc = train(d, demo_train, *AS_RUN, "--max_steps=13", "--epochs=5",
               "--steps_per_epoch=5")
  return d, proc


def test_max_steps_stops_mid_epoch_and_exports(as_run_capped):
  tmp_path, proc = as_run_capped
  assert proc.returncode == 0, proc.stderr[-3000:]
  report = json.loads((tmp_path / "report.json").read_text())
  assert [h["steps"] for h in report["history"]] == [5, 5, 3]
  assert report["steps_run"] == report["steps_planned"] == 13
  assert report["stopped"] == "max_steps: 13 steps"
  assert (tmp_path / "saved_model" / "saved_model.pb").exists()
  assert (tmp_path / "learning_curve.png").read_bytes()[:4] == b"\x89PNG"
  # The small-data warning names the flags that fix it.
  assert "only 13 optimizer steps" in proc.stderr


@pytest.mark.long  # the decision and record: test_training_precision.py
def test_auto_precision_is_decided_and_recorded(demo_train, tmp_path):
  from madlab_dream import machine
  proc = train(tmp_path, demo_train, "--mixed_precision=auto",
               "--epochs=1", "--val_fraction=0.05")
  assert proc.returncode == 0, proc.stderr[-3000:]
  report = json.loads((tmp_path / "report.json").read_text())
  p = report["precision"]
  assert p["requested"] == "auto"
  assert p["mixed_precision"] in ("none", "mixed_bfloat16")
  assert p["bf16_matrix_units"] == machine.has_bf16_matrix_units()
  if not p["bf16_matrix_units"]:
    assert p["mixed_precision"] == "none" and "speed" not in p
  assert f"--mixed_precision=auto: {p['mixed_precision']}" in proc.stdout
  assert "(auto: " in (tmp_path / "report.md").read_text()
  assert json.loads((tmp_path / "precision.json").read_text())[
      "mixed_precision"] == p["mixed_precision"]
  assert report["config"]["train"]["mixed_precision"] == "auto"


def test_time_budget_stops_cleanly_and_a_rerun_keeps_it(demo_train,
                                                        tmp_path):
  args = ("--time_budget=3s", "--epochs=200", "--steps_per_epoch=5")
  proc = train(tmp_path, demo_train, *args)
  assert proc.returncode == 0, proc.stderr[-3000:]
  report = json.loads((tmp_path / "report.json").read_text())
  assert report["stopped"].startswith("time budget of 3 s reached after")
  assert 1 <= report["epochs_run"] < 200
  assert report["best_epoch"] >= 1
  assert (tmp_path / "saved_model" / "saved_model.pb").exists()
  again = train(tmp_path, demo_train, *args)
  assert again.returncode == 0, again.stderr[-3000:]
  assert "resuming after epoch" in again.stdout
  assert json.loads((tmp_path / "report.json").read_text())[
      "epochs_run"] == report["epochs_run"]  # the budget is spent


@pytest.mark.long
def test_a_second_run_on_the_same_directory_is_refused(demo_train, tmp_path):
  first = subprocess.Popen(
      [sys.executable, "-m", "madlab_dream.train", f"--train_data={demo_train}",
       f"--model_dir={tmp_path}", "--batch_size=64", "--steps_per_epoch=5",
       "--epochs=1000", *TINY_MODEL], stdout=subprocess.PIPE,
      stderr=subprocess.PIPE, text=True, env=env(), cwd=REPO)
  try:
    deadline = time.time() + 120
    while not (tmp_path / "checkpoints" / "state.json").exists():
      assert first.poll() is None, first.stderr.read()[-2000:]
      assert time.time() < deadline
      time.sleep(0.1)
    second = train(tmp_path, demo_train)
    assert_one_line_error(second, f"another training run (PID {first.pid})",
                          str(tmp_path))
  finally:
    first.kill()  # as after a crash: the lock goes with the process
    first.communicate()
  third = train(tmp_path, demo_train, "--noresume", "--epochs=1",
                "--steps_per_epoch=2")
  assert third.returncode == 0, third.stderr[-3000:]


def test_as_run_data_options_are_recorded_and_exact(as_run_capped):
  tmp_path, proc = as_run_capped
  assert proc.returncode == 0, proc.stderr[-3000:]
  from madlab_dream import data
  cache = data.load_cache(str(tmp_path / "cache"))
  assert cache.meta["options"]["split"] == "tail"
  assert cache.meta["options"]["shuffle_buffer"] == 64
  kept = np.sort(np.concatenate([cache.train_rows, cache.val_rows]))
  np.testing.assert_array_equal(cache.val_rows, kept[-len(cache.val_rows):])
  flagfile = (tmp_path / "flags.txt").read_text()
  for flag in AS_RUN:
    assert flag in flagfile
  config = json.loads((tmp_path / "config.json").read_text())
  assert config["model"]["transformer_trainable"] is False
  report = json.loads((tmp_path / "report.json").read_text())
  assert report["parameters"]["trainable"] < report["parameters"]["total"]


def test_runs_that_cannot_give_a_validation_r_are_refused_before_any_work(
    demo_train, tmp_path):
  rows = demo_train.read_text().splitlines()
  two = tmp_path / "two.txt"
  two.write_text("\n".join(rows[:2]) + "\n")
  constant = tmp_path / "constant.txt"
  constant.write_text("".join(r.split("\t")[0] + "\t3.5\n" for r in rows[:40]))
  cases = [(two, [], "a validation set of 1 row"),
           (constant, ["--val_rows=10"], "all 10 validation targets are "
            "equal"),
           (demo_train, ["--seq_len=100000"], "--seq_len=100000: must be at "
            "most 2,048")]
  for data_file, extra, needle in cases:
    proc = train(tmp_path / "run", data_file, *extra)
    assert_one_line_error(proc, needle)
    assert not (tmp_path / "run").exists()  # nothing trained, nothing left
