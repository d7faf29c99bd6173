"""Section 1: our preprocessing command beside MadLab's notebook approach.

`bench_preprocessing` times `python -m madlab_dream.data` on the generated
file from an empty cache; `bench_madlab_approach` runs MadLab's notebook
steps (restated below) on two subsets of the same file and extrapolates
wall time and peak memory linearly to every row. Both run in a fresh
subprocess measured by `measure.run_measured`.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import sys

from madlab_dream import data
from madlab_dream.bench.measure import dir_bytes
from madlab_dream.bench.measure import linear_extrapolation
from madlab_dream.bench.measure import log
from madlab_dream.bench.measure import run_measured
from madlab_dream.io import files

# MadLab's notebook (Data_preprocessing_final.ipynb), restated: csv.reader,
# a per-row coin flip for whole-number rows, N-padding one character at a
# time, a per-character dict lookup of boolean one-hot arrays, then
# np.asarray over the nested lists, and standardisation of the values.
_MADLAB_SCRIPT = """\
import csv, json, sys
import numpy as np
np.random.seed(0)
onehot = {"A": np.array([1, 0, 0, 0], dtype=bool), "C": np.array([0, 1, 0, 0], dtype=bool),
          "G": np.array([0, 0, 1, 0], dtype=bool), "T": np.array([0, 0, 0, 1], dtype=bool),
          "N": np.array([0, 0, 0, 0], dtype=bool)}
with open(sys.argv[1]) as f:
  rows = []
  for row in csv.reader(f, delimiter="\\t"):
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
print(json.dumps({"kept": len(rows), "shape": list(x.shape), "dtype": str(x.dtype),
                  "nbytes": int(x.nbytes)}))
"""


def bench_preprocessing(path: str, bench_dir: str, rows: int) -> dict:
  """Times `python -m madlab_dream.data` on the file, from an empty cache.

  Args:
    path: the generated DREAM-format file.
    bench_dir: where the cache and the log go.
    rows: the file's row count.

  Returns:
    `run_measured`'s figures plus the command, rows, input and cache sizes,
    the cache directory, its counts and rows per second.
  """
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
      "cache_dir": cache_dir, "cache_bytes": dir_bytes(cache_dir),
      "counts": cache.meta["counts"],
      "rows_per_s": rows / result["wall_s"]})
  log(f"preprocessing: {result['wall_s']:.1f} s wall, peak "
      f"{result['peak_rss_bytes'] / 1e9:.2f} GB, cache "
      f"{result['cache_bytes'] / 1e9:.2f} GB")
  return result


def _subset_file(path: str, bench_dir: str, rows: int) -> str:
  """The first `rows` lines of `path` as a file of their own (reused)."""
  out = os.path.join(bench_dir, f"subset_{rows}.txt")
  if not os.path.exists(out):
    with open(path, "rb") as f, files.atomic_path(out) as tmp:
      with open(tmp, "wb") as g:
        g.writelines(itertools.islice(f, rows))
  return out


def bench_madlab_approach(path: str, bench_dir: str, subset_rows,
                          total_rows: int) -> dict:
  """MadLab's notebook preprocessing on two subsets, extrapolated to all rows.

  Args:
    path: the generated DREAM-format file.
    bench_dir: where the subsets and logs go.
    subset_rows: the two subset sizes (first rows of the file).
    total_rows: the row count to extrapolate to.

  Returns:
    The measured runs, the extrapolated wall_s and peak_rss_bytes (lines
    from `linear_extrapolation`), the kept fraction, the size of their
    boolean one-hot array for every row, and a description of the method.
  """
  runs = []
  for n in subset_rows:
    subset = _subset_file(path, bench_dir, n)
    log_path = os.path.join(bench_dir, f"madlab_{n}.log")
    log(f"MadLab's approach on {n:,} rows")
    result = run_measured([sys.executable, "-c", _MADLAB_SCRIPT, subset],
                          log_path)
    with open(log_path) as f:
      result["output"] = json.loads(f.read().strip().splitlines()[-1])
    result["rows"] = n
    runs.append(result)
    log(f"  {result['wall_s']:.1f} s wall, peak "
        f"{result['peak_rss_bytes'] / 1e6:.0f} MB")
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
          "method": ("MadLab's notebook steps (csv.reader, per-row coin flip, "
                     "per-character N padding, per-character dict lookup of "
                     "bool one-hot arrays, np.asarray, standardisation), "
                     "run on the first rows of the same file in a fresh "
                     "process; wall time and peak memory extrapolated "
                     "linearly (fixed + per-row cost) from the two subsets")}
