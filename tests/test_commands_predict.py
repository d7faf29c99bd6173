"""The predict command: formats, errors, pipes, FIFOs and signals."""

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from helpers import REPO
from helpers import assert_one_line_error
from helpers import default_sigint
from helpers import demo_sequences
from helpers import env
from helpers import run_module
from helpers import run_through_fifo


@pytest.mark.slow
def test_tsv_and_json_agree_and_keep_order(exported_model, demo_train, tmp_path,
                                           predictor):
  tsv, js = tmp_path / "p.tsv", tmp_path / "p.json"
  for out in (tsv, js):
    proc = run_module("madlab_dream.predict", f"--model={exported_model}",
                      f"--input={demo_train}", f"--output={out}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "wrote 6,370 predictions" in proc.stdout
    # A model exported without its trained range: said once, no column.
    assert proc.stdout.count("trained range unknown") == 1
  header, *rows = [line.split("\t") for line in tsv.read_text().splitlines()]
  assert header == ["sequence", "prediction"] and {len(r) for r in rows} == {2}
  seqs = [line.split("\t")[0] for line in demo_train.read_text().splitlines()]
  assert [r[0] for r in rows] == seqs  # input order, sequences unchanged
  by_pos = json.loads(js.read_text())
  assert list(by_pos) == [str(i) for i in range(6370)]
  from_tsv = np.array([float(r[1]) for r in rows])
  np.testing.assert_array_equal(from_tsv, np.array(list(by_pos.values())))
  direct = predictor.predict_text(seqs[:100])
  np.testing.assert_allclose(from_tsv[:100], direct, rtol=1e-6)
  assert from_tsv.std() > 0  # the model is not constant


@pytest.mark.slow
def test_bad_input_is_one_line_and_leaves_no_output(exported_model, predictor,
                                                    tmp_path):
  bad = tmp_path / "bad.txt"
  bad.write_text("ACGT\t\nACXT\t\n")
  out = tmp_path / "out.json"
  proc = run_module("madlab_dream.predict", f"--model={exported_model}",
                    f"--input={bad}", f"--output={out}")
  assert_one_line_error(proc, f"{bad}:2:", "invalid character 'X'")
  assert not out.exists() and not list(tmp_path.glob(".out*"))
  from madlab_dream.errors import InputError
  from madlab_dream.inference.predict_file import predict_file
  from madlab_dream.inference.predictor import Predictor
  with pytest.raises(InputError, match="not a model"):
    Predictor(str(tmp_path))
  fa = tmp_path / "bad.fa"
  fa.write_text(">a\nACGT\n>b\nAC GT\n")
  with pytest.raises(InputError, match=f"{fa}:4: invalid character"):
    predict_file(predictor, str(fa), str(out), progress=False)
  assert not out.exists()


@pytest.mark.slow
def test_output_equal_to_the_input_is_refused(exported_model, demo_train,
                                              tmp_path):
  src = tmp_path / "in.txt"
  src.write_text("\n".join(demo_sequences(demo_train, 40)) + "\n")
  before = src.read_bytes()
  link = tmp_path / "link.tsv"
  link.symlink_to(src)
  for out in (src, link):
    proc = run_module("madlab_dream.predict", f"--model={exported_model}",
                      f"--input={src}", f"--output={out}")
    assert_one_line_error(proc, str(out), "is also the input")
  assert src.read_bytes() == before and link.is_symlink()


def test_an_output_inside_the_model_is_refused_before_any_work(
    exported_model, demo_train):
  graph = exported_model / "saved_model" / "saved_model.pb"
  before = graph.read_bytes()
  proc = run_module("madlab_dream.predict", f"--model={exported_model}",
                    f"--input={demo_train}", f"--output={graph}")
  assert_one_line_error(proc, str(graph), "lies inside the input directory")
  assert graph.read_bytes() == before


@pytest.mark.slow
def test_predict_says_how_many_sequences_were_trimmed_or_padded(
    exported_model, tmp_path):
  src = tmp_path / "in.txt"
  src.write_text("A" * 120 + "\n" + "C" * 50 + "\n" + "G" * 110 + "\n")
  proc = run_module("madlab_dream.predict", f"--model={exported_model}",
                    f"--input={src}", f"--output={tmp_path / 'p.tsv'}")
  assert proc.returncode == 0, proc.stderr
  assert ("sequences longer than 110 nt (their last 110 nt kept): 1; "
          "shorter (padded on the left with N): 1") in proc.stdout


@pytest.mark.slow
def test_predict_command_reads_a_pipe_and_writes_a_fifo(exported_model,
                                                        demo_train, tmp_path):
  """`cat file | predict --input=/dev/stdin --output=FIFO`, in a tmp dir."""
  fifo_in, fifo_out = tmp_path / "stdin", tmp_path / "stdout"
  os.mkfifo(fifo_out)
  got = {}
  reader = threading.Thread(daemon=True, target=lambda: got.setdefault(
      "text", fifo_out.read_text()))
  reader.start()
  proc = run_through_fifo(fifo_in, demo_train.read_bytes(), lambda: run_module(
      "madlab_dream.predict", f"--model={exported_model}",
      f"--input={fifo_in}", f"--output={fifo_out}", "--format=json"))
  reader.join(60)
  assert proc.returncode == 0, proc.stderr[-2000:]
  assert list(json.loads(got["text"])) == [str(i) for i in range(6370)]
  assert stat.S_ISFIFO(os.lstat(fifo_out).st_mode)
  assert sorted(p.name for p in tmp_path.iterdir()) == ["stdin", "stdout"]


def start_predict_on_a_stalled_pipe(exported_model, demo_train, tmp_path):
  """predict reading a FIFO that has sent ~7 MB and waits: mid-run, with
  part of the output written. Returns (process, release, out, keep)."""
  fifo, out = tmp_path / "stdin", tmp_path / "out" / "p.json"
  out.parent.mkdir()
  os.mkfifo(fifo)
  keep = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
  rows = demo_train.read_bytes() + b"\n"
  release = threading.Event()

  def feed():
    try:
      with open(fifo, "wb") as f:
        f.write(rows * 10)
        release.wait(120)
        f.write(rows * 10)
    except BrokenPipeError:
      pass

  threading.Thread(target=feed, daemon=True).start()
  proc = subprocess.Popen(
      [sys.executable, "-m", "madlab_dream.predict",
       f"--model={exported_model}", f"--input={fifo}", f"--output={out}"], stdout=subprocess.PIPE,
      stderr=subprocess.PIPE, text=True, env=env(), cwd=REPO,
      preexec_fn=default_sigint)
  deadline = time.time() + 120
  while not any(p.name.startswith(".p.tmp-") and p.stat().st_size
                for p in out.parent.iterdir()):  # predictions being written
    assert proc.poll() is None and time.time() < deadline, proc.stderr.read()
    time.sleep(0.2)
  return proc, release, out, keep


@pytest.mark.slow
@pytest.mark.parametrize("sig, status", [
    pytest.param(signal.SIGINT, 130, marks=pytest.mark.long),
    (signal.SIGTERM, 143)])
def test_a_signal_mid_run_is_one_line_and_leaves_nothing(
    exported_model, demo_train, tmp_path, sig, status):
  proc, release, out, keep = start_predict_on_a_stalled_pipe(
      exported_model, demo_train, tmp_path)
  try:
    proc.send_signal(sig)
    release.set()  # the blocked read returns and the signal is handled
    proc.wait(120)
  finally:
    os.close(keep)
  proc.stderr = proc.stderr.read()
  assert_one_line_error(proc, "interrupted" if sig == signal.SIGINT
                        else "terminated", status=status)
  assert list(out.parent.iterdir()) == []  # no output, no temporary


@pytest.mark.slow
@pytest.mark.long
def test_litter_of_a_killed_predict_is_cleaned_by_the_next_run(
    exported_model, demo_train, tmp_path):
  proc, release, out, keep = start_predict_on_a_stalled_pipe(
      exported_model, demo_train, tmp_path)
  proc.kill()
  proc.wait(60)
  os.close(keep)
  release.set()
  litter = list(out.parent.iterdir())
  assert litter and not out.exists()
  src = tmp_path / "in.txt"
  src.write_text("\n".join(demo_sequences(demo_train, 40)) + "\n")
  rerun = run_module("madlab_dream.predict", f"--model={exported_model}",
                     f"--input={src}", f"--output={out}")
  assert rerun.returncode == 0, rerun.stderr[-2000:]
  assert list(out.parent.iterdir()) == [out]


@pytest.mark.slow
def test_dash_is_stdin_and_stdout_and_stdout_holds_only_the_table(
    exported_model, demo_train):
  rows = demo_train.read_text().splitlines()[:300]
  proc = run_module("madlab_dream.predict", f"--model={exported_model}",
                    "--input=-", "--output=-", input="\n".join(rows) + "\n")
  assert proc.returncode == 0, proc.stderr[-2000:]
  lines = proc.stdout.splitlines()
  assert lines[0] == "sequence\tprediction" and len(lines) == 301
  assert [line.split("\t")[0] for line in lines[1:]] == [
      r.split("\t")[0] for r in rows]
  assert "wrote 300 predictions to /dev/stdout" in proc.stderr
  assert "\r" not in proc.stderr and "\x1b" not in proc.stderr


@pytest.mark.slow
def test_sequence_column_reads_the_table_a_model_was_trained_on(
    exported_model, tmp_path):
  table = REPO / "tests" / "data" / "deepstarr_mini_test.txt"
  out = tmp_path / "p.tsv"
  proc = run_module("madlab_dream.predict", f"--model={exported_model}",
                    f"--input={table}", "--sequence_column=Sequence",
                    f"--output={out}")
  assert proc.returncode == 0, proc.stderr[-2000:]
  assert "wrote 100 predictions" in proc.stdout
  assert out.read_text().splitlines()[0] == "sequence\tprediction"
