"""From the file to batches: `python -m madlab_dream.data` beside MadLab's
notebook steps (on the first rows, extrapolated linearly), each timed in a
subprocess with its own peak memory, and `data.train_dataset`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

from madlab_dream import data
from madlab_dream.tools.bench.outputs import log

# MadLab's notebook (Data_preprocessing_final.ipynb), restated.
_MADLAB_SCRIPT = """\
import csv, itertools, json, sys
import numpy as np
np.random.seed(0)
onehot = {"A": np.array([1, 0, 0, 0], dtype=bool),
          "C": np.array([0, 1, 0, 0], dtype=bool),
          "G": np.array([0, 0, 1, 0], dtype=bool),
          "T": np.array([0, 0, 0, 1], dtype=bool),
          "N": np.array([0, 0, 0, 0], dtype=bool)}
with open(sys.argv[1]) as f:
  rows = []
  reader = csv.reader(f, delimiter="\\t")
  for row in itertools.islice(reader, int(sys.argv[2])):
    if float(row[1]) % 1 == 0.0:
      if np.random.choice([True, False], 1)[0]:
        rows.append(row)
    else:
      rows.append(row)
sequences = [row[0] for row in rows]
for i in range(len(sequences)):
  if len(sequences[i]) > 110:
    sequences[i] = sequences[i][-110:]
  while len(sequences[i]) < 110:
    sequences[i] = "N" + sequences[i]
x = np.asarray([[onehot[c] for c in s] for s in sequences])
y = np.asarray([row[1] for row in rows]).astype(float).reshape(-1, 1)
y = (y - y.mean()) / y.std()
print(json.dumps({"kept": len(rows), "shape": list(x.shape),
                  "dtype": str(x.dtype), "nbytes": int(x.nbytes)}))
"""


# A small parent for the command: its RUSAGE_CHILDREN is the command's own
# (a child of this, larger, process would count this one's pages: exec
# carries the parent's high-water mark over).
_MEASURED = """\
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
with open(sys.argv[2], "w") as log:
  rc = subprocess.run(sys.argv[3:], stdout=log, stderr=log).returncode
u = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as f:
  json.dump({"returncode": rc, "wall_s": time.perf_counter() - t0,
             "peak_rss_bytes": u.ru_maxrss * 1024, "user_s": u.ru_utime,
             "sys_s": u.ru_stime}, f)
"""


def run_measured(cmd: list[str], log_path: str) -> dict:
  """{wall_s, peak_rss_bytes, user_s, sys_s, returncode} of `cmd`, run
  from the repository with its output in `log_path`.

  Raises:
    RuntimeError: the command failed; the message ends with its log's tail.
  """
  root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
      os.path.abspath(__file__)))))
  env = {**os.environ, "PYTHONPATH": os.pathsep.join(
      p for p in (root, os.environ.get("PYTHONPATH")) if p)}
  subprocess.run([sys.executable, "-c", _MEASURED, log_path + ".json",
                  log_path, *cmd], check=True, env=env, cwd=root)
  with open(log_path + ".json") as f:
    result = json.load(f)
  os.remove(log_path + ".json")
  if result["returncode"] != 0:
    with open(log_path) as f:
      raise RuntimeError(f"{' '.join(cmd)} failed (exit "
                         f"{result['returncode']}):\n{f.read()[-2000:]}")
  return result


def linear_extrapolation(n1: int, y1: float, n2: int, y2: float,
                         n: int) -> dict:
  """The line through (n1, y1), (n2, y2) at n: {per_row, fixed, at, value}."""
  slope = (y2 - y1) / (n2 - n1)
  return {"per_row": slope, "fixed": y1 - slope * n1, "at": n,
          "value": y1 + slope * (n - n1)}


def bench_preprocessing(path: str, bench_dir: str, rows: int) -> dict:
  """`run_measured`'s figures of `python -m madlab_dream.data` on the file
  (`rows` rows) from an empty cache in `bench_dir`, with the command, the
  input and cache sizes, the cache directory, its counts and rows/s."""
  cache_dir = os.path.join(bench_dir, f"cache_{rows}")
  if os.path.exists(cache_dir):
    shutil.rmtree(cache_dir)  # the command must do the work, not reuse it
  cmd = [sys.executable, "-m", "madlab_dream.data", f"--input={path}",
         f"--output_dir={cache_dir}"]
  log("preprocessing: " + " ".join(cmd[1:]))
  result = run_measured(cmd, os.path.join(bench_dir, "preprocess.log"))
  cache = data.load_cache(cache_dir)
  if cache is None:
    raise RuntimeError(f"no cache was written in {cache_dir}")
  result.update({
      "command": "python -m madlab_dream.data --input=... --output_dir=...",
      "rows": rows, "input_bytes": os.path.getsize(path),
      "cache_dir": cache_dir, "cache_bytes": sum(
          os.path.getsize(os.path.join(cache_dir, name))
          for name in os.listdir(cache_dir)),
      "counts": cache.meta["counts"],
      "rows_per_s": rows / result["wall_s"]})
  log(f"  {result['wall_s']:.1f} s, peak "
      f"{result['peak_rss_bytes'] / 1e9:.2f} GB")
  return result


def bench_madlab_approach(path: str, bench_dir: str, subset_rows,
                          total_rows: int) -> dict:
  """MadLab's notebook preprocessing on the first `subset_rows` (two
  sizes) of the file, extrapolated to `total_rows`: the runs, wall_s and
  peak_rss_bytes (`linear_extrapolation`), the kept fraction, the size of
  their boolean one-hot array for every row, and the method."""
  runs = []
  for n in subset_rows:
    log_path = os.path.join(bench_dir, f"madlab_{n}.log")
    log(f"MadLab's approach on {n:,} rows")
    result = run_measured([sys.executable, "-c", _MADLAB_SCRIPT, path,
                           str(n)], log_path)
    with open(log_path) as f:
      result["output"] = json.loads(f.read().strip().splitlines()[-1])
    result["rows"] = n
    runs.append(result)
  (a, b) = runs
  wall = linear_extrapolation(a["rows"], a["wall_s"], b["rows"], b["wall_s"],
                              total_rows)
  peak = linear_extrapolation(a["rows"], a["peak_rss_bytes"], b["rows"],
                              b["peak_rss_bytes"], total_rows)
  kept_fraction = b["output"]["kept"] / b["rows"]
  bytes_per_kept = b["output"]["nbytes"] / max(b["output"]["kept"], 1)
  return {"runs": runs, "wall_s": wall, "peak_rss_bytes": peak,
          "kept_fraction": kept_fraction,
          "bool_array_bytes_full": kept_fraction * total_rows * bytes_per_kept,
          "method": ("their notebook's steps (csv.reader, a per-row coin "
                     "flip, N padding and a dict lookup of bool one-hot "
                     "arrays per character, np.asarray, standardisation)")}


def _rate(iterator, batches: int, warmup: int) -> tuple[int, float]:
  """(sequences, seconds) of `batches` batches after `warmup`."""
  for _ in range(warmup):
    next(iterator)
  t0 = time.perf_counter()
  total = sum(int(next(iterator)[0].shape[0]) for _ in range(batches))
  return total, time.perf_counter() - t0


def bench_pipeline(cache, batch_size: int, batches: int, warmup: int) -> dict:
  """Sequences/s delivered by `data.train_dataset` (tf.data) over a loaded
  cache, and by `data.train_batches` (the NumPy stream of the backends
  without TensorFlow) in the same order (with the sizes, wall_s, setup_s
  and train_rows)."""
  t0 = time.perf_counter()
  iterator = iter(data.train_dataset(cache.train_codes, cache.train_targets,
                                     batch_size, seed=0))
  setup = time.perf_counter() - t0
  total, wall = _rate(iterator, batches, warmup)
  log(f"input pipeline: {total / wall:,.0f} sequences/s")
  stream = data.train_batches(cache.train_codes, cache.train_targets,
                              batch_size, seed=0)
  numpy_total, numpy_wall = _rate(stream, batches, warmup)
  stream.close()
  log(f"NumPy input stream: {numpy_total / numpy_wall:,.0f} sequences/s")
  return {"batch_size": batch_size, "batches": batches, "warmup": warmup,
          "sequences": total, "wall_s": wall, "seq_per_s": total / wall,
          "numpy_seq_per_s": numpy_total / numpy_wall,
          "setup_s": setup, "train_rows": int(len(cache.train_codes))}
