"""Helpers shared by tests that drive the real command lines."""

import os
import pathlib
import subprocess
import sys

from madlab_dream.config import TINY_MODEL as _TINY
from madlab_dream.flags import as_flags

REPO = pathlib.Path(__file__).resolve().parents[1]

#: The tiny model as training flags, plus quick evaluation and no progress.
TINY_MODEL = as_flags(_TINY) + ["--eval_batch_size=256", "--noprogress"]


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
  lines = [l for l in proc.stderr.splitlines() if l.strip()]
  assert len(lines) == 1, proc.stderr
  assert "Traceback" not in proc.stderr
  for needle in needles:
    assert needle in lines[0], (needle, lines[0])
  return lines[0]
