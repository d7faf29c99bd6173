"""Helpers shared by tests that drive the real command lines."""

import os
import subprocess
import sys

import pathlib

REPO = pathlib.Path(__file__).resolve().parents[1]

TINY_MODEL = ["--conv_kernels=3,5", "--conv_filters=8", "--conv_reduced=8",
              "--key_size=8", "--value_size=8", "--num_blocks=1",
              "--lstm_units=2", "--eval_batch_size=256", "--noprogress"]


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


def assert_one_line_error(proc, *needles):
  """Exit 2, a single stderr line, no traceback, containing the needles."""
  assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
  lines = [l for l in proc.stderr.splitlines() if l.strip()]
  assert len(lines) == 1, proc.stderr
  assert "Traceback" not in proc.stderr
  for needle in needles:
    assert needle in lines[0], (needle, lines[0])
  return lines[0]
