"""Helpers shared by tests that drive the real command lines."""

import os
import pathlib
import subprocess
import sys

from madlab_dream.config import TINY_MODEL as _TINY
from madlab_dream.training.flagfile import as_flags

REPO = pathlib.Path(__file__).resolve().parents[1]

#: The tiny model as training flags, plus quick evaluation and no progress.
TINY_MODEL = as_flags(_TINY) + ["--eval_batch_size=256", "--noprogress"]


def default_sigint():
  """`preexec_fn` for a child that the test interrupts: Ctrl-C's default
  action, even when pytest itself was started in the background by a shell
  (which sets SIGINT to ignored, and Python keeps an inherited ignore)."""
  import signal
  signal.signal(signal.SIGINT, signal.SIG_DFL)


def env():
  e = dict(os.environ)
  e.update({"TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "",
            "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"})
  return e


def run_module(module, *args, timeout=300, **kwargs):
  """Runs `python -m module args`; returns CompletedProcess (text)."""
  return subprocess.run([sys.executable, "-m", module, *map(str, args)],
                        capture_output=True, text=True, env=env(),
                        timeout=timeout, cwd=REPO, **kwargs)


def assert_one_line_error(proc, *needles, status=2):
  """Exit `status`, a single stderr line, no traceback, with the needles."""
  assert proc.returncode == status, (proc.returncode, proc.stdout,
                                     proc.stderr)
  lines = [line for line in proc.stderr.splitlines() if line.strip()]
  assert len(lines) == 1, proc.stderr
  assert "Traceback" not in proc.stderr
  for needle in needles:
    assert needle in lines[0], (needle, lines[0])
  return lines[0]


def demo_sequences(demo_train, n=None):
  """The first `n` (default: all) sequences of the real DREAM rows."""
  return [line.split("\t")[0] for line in demo_train.read_text().splitlines()[:n]]


def run_through_fifo(fifo, data: bytes, consume, timeout=120, piece=1 << 14):
  """Calls `consume()` while a thread writes `data` into the FIFO `fifo`.

  Like `cat file | command --input=/dev/stdin`: the pipe outlives each
  reader (this process holds a read end too), so bytes that a reader takes
  and drops are lost to the next one. `consume` runs in a thread; a
  consumer still blocked after `timeout` seconds fails the test. Returns
  what `consume` returned (or raises what it raised).
  """
  import threading
  if not os.path.exists(fifo):
    os.mkfifo(fifo)
  keep = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)

  def feed():
    try:
      with open(fifo, "wb", buffering=0) as f:
        for start in range(0, len(data), piece):
          f.write(data[start:start + piece])
    except BrokenPipeError:
      pass

  result = {}

  def run():
    try:
      result["value"] = consume()
    except BaseException as e:  # re-raised in the test's thread
      result["error"] = e

  feeder = threading.Thread(target=feed, daemon=True)
  consumer = threading.Thread(target=run, daemon=True)
  feeder.start()
  consumer.start()
  consumer.join(timeout)
  hung = consumer.is_alive()
  if hung:  # release a reader blocked in open() or read(): EOF
    os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
  os.close(keep)  # a writer still blocked gets EPIPE
  feeder.join(10)
  consumer.join(10)
  assert not hung, f"reading {fifo} hung for {timeout} s"
  if "error" in result:
    raise result["error"]
  return result.get("value")
