"""Timing a command in a fresh subprocess, with its peak memory.

`run_measured` starts the command under a small Python parent that has no
other child, so `getrusage(RUSAGE_CHILDREN)` there is the command's own
peak resident memory and CPU time. Also: the environment of every child
process of the benchmark, the log line, and two small numeric helpers.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

_MEASURE = """\
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
with open(sys.argv[2], "w") as log:
  rc = subprocess.run(sys.argv[3:], stdout=log, stderr=subprocess.STDOUT).returncode
wall = time.perf_counter() - t0
u = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as f:
  json.dump({"returncode": rc, "wall_s": wall, "peak_rss_bytes": u.ru_maxrss * 1024,
             "user_s": u.ru_utime, "sys_s": u.ru_stime}, f)
"""


def log(message: str) -> None:
  """Prints one progress line of the benchmark."""
  print(f"[bench] {message}", flush=True)


def median(values) -> float:
  """The median of `values` as a float (NaN when there are none)."""
  return float(statistics.median(values)) if values else float("nan")


def repo_root() -> str:
  """The directory that holds the `madlab_dream` package."""
  here = os.path.abspath(__file__)
  return os.path.dirname(os.path.dirname(os.path.dirname(here)))


def child_env(**extra: str) -> dict[str, str]:
  """The environment of a benchmark subprocess, with `extra` set.

  The repository goes first on PYTHONPATH (the children run
  `python -m madlab_dream...`), TensorFlow's start-up logs are quiet unless
  already configured, and output is unbuffered.
  """
  env = dict(os.environ)
  root = repo_root()
  env["PYTHONPATH"] = os.pathsep.join(
      p for p in (root, env.get("PYTHONPATH")) if p)
  env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  env["PYTHONUNBUFFERED"] = "1"
  env.update(extra)
  return env


def run_measured(cmd: list[str], log_path: str,
                 env: dict[str, str] | None = None) -> dict:
  """Runs `cmd` under a fresh Python parent that reports its resources.

  Args:
    cmd: the command and its arguments.
    log_path: where the command's stdout and stderr go.
    env: its environment (default: `child_env()`).

  Returns:
    wall_s, peak_rss_bytes (the child's maximum resident set, from
    getrusage(RUSAGE_CHILDREN) in that parent, which has no other child),
    user_s, sys_s, returncode.

  Raises:
    RuntimeError: the command failed; the message ends with its log's tail.
  """
  result_path = log_path + ".rusage.json"
  subprocess.run([sys.executable, "-c", _MEASURE, result_path, log_path,
                  *cmd], check=True, env=env or child_env(),
                 cwd=repo_root())
  with open(result_path) as f:
    result = json.load(f)
  os.remove(result_path)
  if result["returncode"] != 0:
    with open(log_path) as f:
      tail = f.read()[-2000:]
    raise RuntimeError(f"{' '.join(cmd)} failed (exit {result['returncode']})"
                       f":\n{tail}")
  return result


def linear_extrapolation(n1: int, y1: float, n2: int, y2: float,
                         n: int) -> dict:
  """The line through (n1, y1), (n2, y2), evaluated at n.

  Returns:
    {"per_row": slope, "fixed": intercept, "at": n, "value": y at n}.
  """
  slope = (y2 - y1) / (n2 - n1)
  intercept = y1 - slope * n1
  return {"per_row": slope, "fixed": intercept, "at": n,
          "value": intercept + slope * n}


def dir_bytes(path: str) -> int:
  """Total size of the files directly in directory `path`."""
  return sum(os.path.getsize(os.path.join(path, name))
             for name in os.listdir(path))
