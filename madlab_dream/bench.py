"""`make bench`: measured preprocessing, input, training and inference speed.

  python -m madlab_dream.bench [--output=BENCHMARKS.md] [--rows=6739258]
      [--quick] [--bench_dir=bench_output]

Writes the Markdown report `--output` and the raw figures beside it (same
name, `.json`), both atomically. Every figure is measured by this code in the
same run, on this machine:

  1. preprocessing: a generated full-size DREAM-format file (vectorised,
     seeded, reused when present) through `python -m madlab_dream.data` in a
     subprocess (wall time, peak resident memory, cache size), beside
     MadLab's own notebook approach on two subsets, extrapolated linearly;
  2. input pipeline: sequences/s from `data.train_dataset` over the cache;
  3. training (XLA on and off) and inference throughput of the MadLab preset,
     medians of timed windows after warm-up;
  4. model FLOPs per sequence, counted analytically from the layer shapes and
     from the XLA HLO of the compiled computations, and the model FLOP
     utilisation (MFU) against a float32 matmul measured in the same run,
     with a per-block profile;
  5. time per epoch and for MadLab's whole schedule, from the throughput;
  6. a GPU (if any): the same with XLA and mixed_bfloat16, against the
     target of 164,000 training sequences/s.

`--quick` runs every section on tiny sizes and a tiny model (tests).
Generated data and caches go under --bench_dir (git-ignored).
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from typing import Any

import numpy as np
from absl import flags

from madlab_dream import files
from madlab_dream import options
from madlab_dream import simulate
from madlab_dream.errors import InputError

FLAGS = flags.FLAGS

# --- What is compared ----------------------------------------------------------------

FULL_ROWS = 6_739_258            # rows of the challenge's train_sequences.txt
EPOCH_ROWS = 4_703_150           # MadLab's training rows (one pass)
SCHEDULE_EXAMPLES = 10 * 36_743 * 1_024   # MadLab's 10 "epochs" of 36,743 steps
TPU_SEQ_PER_S = 82_000           # MadLab's 8-core Colab TPU (459 s per epoch)
GPU_TARGET_SEQ_PER_S = 164_000   # 2x the TPU, on one H100
GPU_TARGET_SCHEDULE_MIN = 40.0
TARGETS = {
    "preprocess_wall_s": 60.0, "preprocess_peak_gb": 3.0,
    "cache_gb": 1.0, "speedup_vs_madlab": 10.0, "memory_vs_madlab": 5.0,
    "pipeline_seq_per_s": 500_000.0, "train_mfu": 0.50, "inference_mfu": 0.60,
}

FLANK5 = simulate.FLANK5.encode()  # the plasmid's 17 nt 5' flank
FLANK3 = simulate.FLANK3.encode()  # and its 13 nt 3' flank
RANDOM_MAX = 81                   # random region: 74..81 nt -> 104..111 total
_LENGTHS = np.array([104, 105, 106, 107, 108, 109, 110, 111])
_LENGTH_P = np.array([0.005, 0.005, 0.006, 0.009, 0.025, 0.125, 0.82, 0.005])
WHOLE_FRACTION = 0.57             # rows whose value is a whole number
GENERATOR_VERSION = 1
SEED = 2022

#: A tiny model for --quick (and tests): every layer kind, little compute.
TINY_MODEL = {"conv_kernels": [3, 5], "conv_filters": 8, "conv_reduced": 8,
              "key_size": 8, "value_size": 8, "num_blocks": 1,
              "lstm_units": 2}


@dataclasses.dataclass
class Sizes:
  """How much work each section does."""
  rows: int
  madlab_rows: tuple[int, int]     # two subset sizes for the extrapolation
  pipeline_batches: int
  pipeline_warmup: int
  train_batch: int
  train_warmup: int                # steps before the first timed window
  train_windows: int
  train_steps: int                 # steps per window
  infer_batch: int
  infer_windows: int
  infer_steps: int
  matmul_n: int
  matmul_reps: int
  profile_reps: int
  model: dict[str, Any]


FULL = Sizes(rows=FULL_ROWS, madlab_rows=(50_000, 100_000),
             pipeline_batches=2000, pipeline_warmup=50, train_batch=1024,
             train_warmup=2, train_windows=5, train_steps=3, infer_batch=4096,
             infer_windows=5, infer_steps=2, matmul_n=4096, matmul_reps=5,
             profile_reps=3, model={})
QUICK = Sizes(rows=20_000, madlab_rows=(1_000, 2_000), pipeline_batches=40,
              pipeline_warmup=5, train_batch=256, train_warmup=1,
              train_windows=2, train_steps=2, infer_batch=512,
              infer_windows=2, infer_steps=2, matmul_n=512, matmul_reps=2,
              profile_reps=1, model=dict(TINY_MODEL))
#: A GPU is fast: longer windows, so each lasts long enough to time.
GPU_STEPS = {"train_warmup": 20, "train_windows": 5, "train_steps": 200,
             "infer_windows": 5, "infer_steps": 100, "matmul_n": 8192,
             "matmul_reps": 10}


def log(message: str) -> None:
  print(f"[bench] {message}", flush=True)


def _repo_root() -> str:
  return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _child_env(**extra: str) -> dict[str, str]:
  env = dict(os.environ)
  root = _repo_root()
  env["PYTHONPATH"] = os.pathsep.join(
      p for p in (root, env.get("PYTHONPATH")) if p)
  env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  env["PYTHONUNBUFFERED"] = "1"
  env.update(extra)
  return env


def _median(values):
  return float(statistics.median(values)) if values else float("nan")


# --- 1. A full-size DREAM-format file ------------------------------------------------

def generate_dream_lines(rows: int, rng: np.random.Generator) -> bytes:
  """`rows` DREAM-format lines like the challenge's training file.

  17 nt flank + random region + 13 nt flank; lengths 104..111 nt (82 % 110);
  57 % of the values whole numbers in 0..17, the rest non-integers with 13
  decimals. Vectorised: every line is laid out in a fixed-width byte matrix
  with a mask of the bytes it uses, and the masked bytes are concatenated.
  """
  n = rows
  lengths = rng.choice(_LENGTHS, size=n, p=_LENGTH_P)
  width = len(FLANK5) + RANDOM_MAX + len(FLANK3)            # 111
  seq = np.empty((n, width), np.uint8)
  seq[:, :len(FLANK5)] = np.frombuffer(FLANK5, np.uint8)
  acgt = np.frombuffer(b"ACGT", np.uint8)
  seq[:, len(FLANK5):len(FLANK5) + RANDOM_MAX] = acgt[
      rng.integers(0, 4, (n, RANDOM_MAX), dtype=np.uint8)]
  cols = (lengths - len(FLANK3))[:, None] + np.arange(len(FLANK3))
  seq[np.arange(n)[:, None], cols] = np.frombuffer(FLANK3, np.uint8)
  seq_mask = np.arange(width) < lengths[:, None]

  whole = rng.random(n) < WHOLE_FRACTION
  level = rng.normal(11.0, 3.5, n)
  integer = np.where(whole, np.clip(np.rint(level), 0, 17),
                     np.clip(np.floor(level), 0, 16)).astype(np.int64)
  decimals = 13
  digits = rng.integers(0, 10, (n, decimals), dtype=np.uint8)
  digits[:, -1] = rng.integers(1, 10, n, dtype=np.uint8)    # never x.000
  zero = ord("0")
  tail = np.empty((n, 1 + 2 + 1 + decimals + 1), np.uint8)  # \t dd . ddd \n
  tail[:, 0] = ord("\t")
  tail[:, 1] = zero + integer // 10
  tail[:, 2] = zero + integer % 10
  tail[:, 3] = ord(".")
  tail[:, 4:4 + decimals] = zero + digits
  tail[:, -1] = ord("\n")
  tail_mask = np.ones(tail.shape, bool)
  tail_mask[:, 1] = integer >= 10
  tail_mask[:, 3:4 + decimals] = ~whole[:, None]
  lines = np.concatenate([seq, tail], axis=1)
  mask = np.concatenate([seq_mask, tail_mask], axis=1)
  return lines[mask].tobytes()


def ensure_dream_file(bench_dir: str, rows: int, seed: int = SEED,
                      chunk_rows: int = 250_000) -> tuple[str, dict]:
  """The generated file for (rows, seed), reused when already present."""
  path = os.path.join(bench_dir, f"train_sequences_{rows}.txt")
  marker = path + ".json"
  want = {"rows": rows, "seed": seed, "version": GENERATOR_VERSION}
  if os.path.exists(path) and os.path.exists(marker):
    with open(marker) as f:
      info = json.load(f)
    if ({k: info.get(k) for k in want} == want and
        info.get("bytes") == os.path.getsize(path)):
      log(f"reusing {path} ({rows:,} rows, {info['bytes'] / 1e6:,.0f} MB)")
      return path, {**info, "reused": True}
  log(f"generating {path} ({rows:,} rows)")
  t0 = time.perf_counter()
  rng = np.random.default_rng(seed)
  with files.atomic_path(path) as tmp:
    with open(tmp, "wb") as f:
      for start in range(0, rows, chunk_rows):
        f.write(generate_dream_lines(min(chunk_rows, rows - start), rng))
  info = {**want, "bytes": os.path.getsize(path),
          "seconds": round(time.perf_counter() - t0, 2)}
  files.write_text(marker, json.dumps(info))
  log(f"generated {info['bytes'] / 1e6:,.0f} MB in {info['seconds']} s")
  return path, {**info, "reused": False}


# --- Measured subprocesses ------------------------------------------------------------

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


def run_measured(cmd: list[str], log_path: str,
                 env: dict[str, str] | None = None) -> dict:
  """Runs `cmd` under a fresh Python parent that reports its resources.

  Returns wall_s, peak_rss_bytes (the child's maximum resident set, from
  getrusage(RUSAGE_CHILDREN) in that parent, which has no other child),
  user_s, sys_s, returncode. The command's output goes to `log_path`.
  """
  result_path = log_path + ".rusage.json"
  subprocess.run([sys.executable, "-c", _MEASURE, result_path, log_path,
                  *cmd], check=True, env=env or _child_env(),
                 cwd=_repo_root())
  with open(result_path) as f:
    result = json.load(f)
  os.remove(result_path)
  if result["returncode"] != 0:
    with open(log_path) as f:
      tail = f.read()[-2000:]
    raise RuntimeError(f"{' '.join(cmd)} failed (exit {result['returncode']})"
                       f":\n{tail}")
  return result


def _dir_bytes(path: str) -> int:
  return sum(os.path.getsize(os.path.join(path, name))
             for name in os.listdir(path))


def bench_preprocessing(path: str, bench_dir: str, rows: int) -> dict:
  """Times `python -m madlab_dream.data` on the file, from an empty cache."""
  from madlab_dream import data
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
      "cache_dir": cache_dir, "cache_bytes": _dir_bytes(cache_dir),
      "counts": cache.meta["counts"],
      "rows_per_s": rows / result["wall_s"]})
  log(f"preprocessing: {result['wall_s']:.1f} s wall, peak "
      f"{result['peak_rss_bytes'] / 1e9:.2f} GB, cache "
      f"{result['cache_bytes'] / 1e9:.2f} GB")
  return result


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


def _subset_file(path: str, bench_dir: str, rows: int) -> str:
  out = os.path.join(bench_dir, f"subset_{rows}.txt")
  if not os.path.exists(out):
    with open(path, "rb") as f, files.atomic_path(out) as tmp:
      with open(tmp, "wb") as g:
        g.writelines(itertools.islice(f, rows))
  return out


def linear_extrapolation(n1: int, y1: float, n2: int, y2: float,
                         n: int) -> dict:
  """The line through (n1, y1), (n2, y2), evaluated at n."""
  slope = (y2 - y1) / (n2 - n1)
  intercept = y1 - slope * n1
  return {"per_row": slope, "fixed": intercept, "at": n,
          "value": intercept + slope * n}


def bench_madlab_approach(path: str, bench_dir: str, subset_rows,
                          total_rows: int) -> dict:
  """MadLab's notebook preprocessing on two subsets, extrapolated to all rows."""
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


# --- 2. Input pipeline ---------------------------------------------------------------------

def bench_pipeline(cache, batch_size: int, batches: int, warmup: int) -> dict:
  """Sequences/s delivered by data.train_dataset over the cache."""
  from madlab_dream import data
  from madlab_dream import tfquiet
  tfquiet.tensorflow()
  t0 = time.perf_counter()
  ds = data.train_dataset(cache.train_codes, cache.train_targets, batch_size,
                          seed=0)
  iterator = iter(ds)
  build_s = time.perf_counter() - t0
  for _ in range(warmup):
    next(iterator)
  t0 = time.perf_counter()
  total = 0
  for _ in range(batches):
    codes, targets = next(iterator)
    total += int(codes.shape[0])
  wall = time.perf_counter() - t0
  result = {"batch_size": batch_size, "batches": batches, "warmup": warmup,
            "sequences": total, "wall_s": wall, "seq_per_s": total / wall,
            "setup_s": build_s, "train_rows": int(len(cache.train_codes))}
  log(f"input pipeline: {result['seq_per_s']:,.0f} sequences/s")
  return result


# --- 4. FLOPs --------------------------------------------------------------------------------

def analytic_flops(config: dict[str, Any] | None = None,
                   batch: int = 1024) -> dict:
  """Model FLOPs per sequence from the layer shapes (multiply-add = 2).

  Counts every matrix product (convolutions, projections, attention,
  LSTM gates, output). The relative keys are computed once per batch
  ([2L-1, F] x [F, H*K]), so they are divided by `batch`. Element-wise work
  (BatchNorm, activations, LayerNorm, softmax, biases, LSTM gate
  non-linearities) is estimated separately in `elementwise` (not in the
  totals: it is small and memory-bound).

  Returns per-sequence counts: `parts` (conv, transformer, bilstm, head;
  forward), `forward`, `train_3x` (3 x forward, the usual convention) and
  `train_exact` (forward + the backward products actually needed: no input
  gradient for the first convolution, whose input is the one-hot encoding,
  nor for the relative keys, whose input is a constant).
  """
  cfg = options.model_config(**(config or {}))
  L = int(cfg["seq_len"])
  c_in = 4
  F = int(cfg["conv_filters"])
  W = int(cfg["conv_reduced"])
  kernels = [int(k) for k in cfg["conv_kernels"]]
  H, K, V = int(cfg["num_heads"]), int(cfg["key_size"]), int(cfg["value_size"])
  from madlab_dream import layers
  Fr = layers.resolve_relative_features(
      V, cfg["num_relative_features"], list(cfg["relative_functions"]), False)
  hidden = int(cfg["ffn_multiplier"]) * W
  u = int(cfg["lstm_units"])
  blocks = int(cfg["num_blocks"])
  P = 2 * L - 1

  conv_wide = sum(2 * L * k * c_in * F for k in kernels)
  conv_reduce = len(kernels) * 2 * L * F * W
  attention = {
      "q_k_v": 2 * L * W * (2 * H * K + H * V),
      "relative_keys": 2 * P * Fr * H * K / batch,
      "content_logits": 2 * H * L * L * K,
      "relative_logits": 2 * H * L * P * K,
      "weights_values": 2 * H * L * L * V,
      "output_projection": 2 * L * H * V * W,
  }
  ffn = 2 * L * W * hidden + 2 * L * hidden * W
  block = sum(attention.values()) + ffn
  lstm = 2 * L * 2 * 4 * u * (W + u)  # 2 directions x L steps
  head = 2 * 2 * u
  parts = {"conv": conv_wide + conv_reduce, "transformer": blocks * block,
           "bilstm": lstm, "head": head}
  forward = float(sum(parts.values()))
  no_input_grad = conv_wide + blocks * attention["relative_keys"]
  parts_train = {
      "conv": 3 * parts["conv"] - conv_wide,
      "transformer": 3 * parts["transformer"]
                     - blocks * attention["relative_keys"],
      "bilstm": 3 * lstm, "head": 3 * head}
  # Element-wise estimate (per sequence, forward): BN 2/elem (inference
  # scale+shift), swish ~4/elem, branch sum 1/elem; LayerNorm ~8/elem;
  # softmax ~5/elem; relative shift/adds 2/elem; biases 1/elem; LSTM gates
  # ~ 4u x 6 per step.
  conv_elems = len(kernels) * L * (F + W)
  elementwise = (conv_elems * (2 + 4 + 1)
                 + blocks * (2 * L * W * 8 + H * L * L * (5 + 2)
                             + L * (hidden * 5 + 2 * W))
                 + 2 * L * 4 * u * 6)
  return {
      "config": {"seq_len": L, "conv_kernels": kernels, "conv_filters": F,
                 "conv_reduced": W, "num_heads": H, "key_size": K,
                 "value_size": V, "relative_features": Fr,
                 "ffn_hidden": hidden, "num_blocks": blocks,
                 "lstm_units": u},
      "batch": batch,
      "detail": {"conv_wide": conv_wide, "conv_reduce": conv_reduce,
                 **{f"attention_{k}": blocks * v for k, v in attention.items()},
                 "ffn": blocks * ffn, "bilstm": lstm, "head": head},
      "parts": parts, "parts_train": parts_train,
      "forward": forward, "train_3x": 3 * forward,
      "train_exact": 3 * forward - no_input_grad,
      "elementwise_forward_estimate": float(elementwise),
  }


# A small reader of XLA's HLO text: enough to count the FLOPs of `dot` and
# `convolution` instructions, following calls and skipping dead code.

_COMPUTATION = re.compile(r"^(ENTRY\s+)?%([^\s(]+)\s*\(.*\{\s*$")
_VALUE = re.compile(r"%([\w.\-]+)")
_SHAPE = re.compile(r"\b[a-z]+\d*\[([\d,]*)\]")
_CALLED = re.compile(
    r"\b(to_apply|calls|body|condition|true_computation|false_computation)"
    r"=%([\w.\-]+)")
_BRANCHES = re.compile(r"branch_computations=\{([^}]*)\}")


def _close(text: str, start: int) -> int:
  depth = 0
  for i in range(start, len(text)):
    if text[i] == "(":
      depth += 1
    elif text[i] == ")":
      depth -= 1
      if depth == 0:
        return i + 1
  raise ValueError("unbalanced parentheses in HLO")


def parse_hlo(text: str) -> tuple[dict[str, list[dict]], str]:
  """HLO text -> ({computation: [instruction dicts]}, entry name)."""
  computations: dict[str, list[dict]] = {}
  entry, current = None, None
  for line in text.splitlines():
    match = _COMPUTATION.match(line)
    if match:
      current = match.group(2)
      computations[current] = []
      if match.group(1):
        entry = current
      continue
    stripped = line.strip()
    if current is None:
      continue
    if stripped == "}":
      current = None
      continue
    root = stripped.startswith("ROOT ")
    if root:
      stripped = stripped[5:]
    if not stripped.startswith("%") or " = " not in stripped:
      continue
    name, rest = stripped[1:].split(" = ", 1)
    if rest.startswith("("):
      end = _close(rest, 0)
      shape, rest = rest[:end], rest[end:].lstrip()
    else:
      shape, rest = rest.split(" ", 1)
    open_at = rest.index("(")
    end = _close(rest, open_at)
    computations[current].append({
        "name": name, "shape": shape, "opcode": rest[:open_at],
        "operands": rest[open_at + 1:end - 1], "attrs": rest[end:],
        "root": root})
  if entry is None:
    raise ValueError("no ENTRY computation in the HLO text")
  return computations, entry


def _dims(shape_text: str) -> list[int]:
  match = _SHAPE.search(shape_text)
  if match is None:
    return []
  return [int(d) for d in match.group(1).split(",") if d]


def _attr_ints(attrs: str, key: str) -> list[int]:
  match = re.search(key + r"=\{([\d,]*)\}", attrs)
  return [int(d) for d in match.group(1).split(",") if d] if match else []


def instruction_flops(inst: dict) -> float:
  """FLOPs of one dot or convolution (2 per multiply-add), else 0."""
  if inst["opcode"] == "dot":
    out = math.prod(_dims(inst["shape"]))
    lhs = [int(d) for d in _SHAPE.findall(inst["operands"])[0].split(",") if d]
    contract = math.prod(lhs[i] for i in _attr_ints(inst["attrs"],
                                                    "lhs_contracting_dims"))
    return 2.0 * out * contract
  if inst["opcode"] == "convolution":
    out = math.prod(_dims(inst["shape"]))
    shapes = _SHAPE.findall(inst["operands"])
    rhs = [int(d) for d in shapes[1].split(",") if d]
    labels = re.search(r"dim_labels=\w+_(\w+)->", inst["attrs"]).group(1)
    in_features = rhs[labels.index("i")]
    window = re.search(r"window=\{size=([\dx]+)", inst["attrs"])
    taps = math.prod(int(s) for s in window.group(1).split("x")) if window else 1
    return 2.0 * out * taps * in_features
  return 0.0


def hlo_flops(text: str) -> dict:
  """Dot and convolution FLOPs of the ENTRY computation of an HLO module.

  Only instructions the result depends on are counted (dead code, such as
  values computed only for their shape, is skipped). Called computations
  (call, fusion, conditional branches) count once per live call; a while
  loop's body counts once per call because its trip count is not in the
  text: `while_loops` reports how many were met.
  """
  computations, entry = parse_hlo(text)
  memo: dict[str, float] = {}
  loops = [0]

  def flops(name: str) -> float:
    if name in memo:
      return memo[name]
    instructions = computations[name]
    by_name = {inst["name"]: inst for inst in instructions}
    live, stack = set(), [i["name"] for i in instructions if i["root"]]
    while stack:
      current = stack.pop()
      if current in live or current not in by_name:
        continue
      live.add(current)
      stack.extend(_VALUE.findall(by_name[current]["operands"]))
    total = 0.0
    for inst in instructions:
      if inst["name"] not in live:
        continue
      total += instruction_flops(inst)
      if inst["opcode"] == "while":
        loops[0] += 1
      called = [m.group(2) for m in _CALLED.finditer(inst["attrs"])]
      for match in _BRANCHES.finditer(inst["attrs"]):
        called += _VALUE.findall(match.group(1))
      for callee in called:
        if callee in computations:
          total += flops(callee)
    memo[name] = total
    return total

  return {"flops": flops(entry), "while_loops": loops[0]}


def _unrolled_clone(model):
  """The model with its recurrence unrolled (same ops, no while loop).

  XLA's HLO text does not carry a loop's trip count; unrolled, every LSTM
  step appears in the HLO and is counted.
  """
  import keras

  def clone_layer(layer):
    config = layer.get_config()
    if isinstance(layer, keras.layers.Bidirectional):
      config = json.loads(json.dumps(config))
      for key in ("layer", "backward_layer"):
        if isinstance(config.get(key), dict):
          config[key]["config"]["unroll"] = True
    return layer.__class__.from_config(config)

  clone = keras.models.clone_model(model, clone_function=clone_layer)
  return clone


def xla_flops(config: dict[str, Any], batch: int) -> dict:
  """Forward and training-step FLOPs per sequence from XLA's HLO.

  The forward pass (training=False) and the gradient of the MSE loss with
  respect to every trainable weight (training=True) of the model built from
  `config`, each traced with `tf.function(jit_compile=True)` and lowered to
  HLO (`experimental_get_compiler_ir(...)(stage="hlo")`), on an unrolled
  clone of the model. The optimizer update is element-wise and not counted.
  The analytic counts for the same config and batch are returned beside.
  """
  import tensorflow as tf
  from madlab_dream import model as model_lib
  config = options.model_config(**config)
  clone = _unrolled_clone(model_lib.build_model(config))
  seq_len = int(config["seq_len"])
  codes = tf.zeros([batch, seq_len], tf.uint8)
  target = tf.zeros([batch, 1], tf.float32)

  @tf.function(jit_compile=True)
  def forward(c):
    return clone(c, training=False)

  @tf.function(jit_compile=True)
  def gradients(c, y):
    with tf.GradientTape() as tape:
      p = tf.cast(clone(c, training=True), tf.float32)
      loss = tf.reduce_mean(tf.square(p - y))
    return tape.gradient(loss, clone.trainable_variables)

  t0 = time.perf_counter()
  fwd = hlo_flops(forward.experimental_get_compiler_ir(codes)(stage="hlo"))
  train = hlo_flops(gradients.experimental_get_compiler_ir(codes, target)(
      stage="hlo"))
  analytic = analytic_flops(config, batch)
  return {"method": "dot+convolution FLOPs in the HLO of "
                    "tf.function(jit_compile=True) (unrolled LSTM clone)",
          "seq_len": seq_len, "batch": batch,
          "analytic_forward": analytic["forward"],
          "analytic_train_exact": analytic["train_exact"],
          "forward": fwd["flops"] / batch,
          "train": train["flops"] / batch,
          "while_loops": fwd["while_loops"] + train["while_loops"],
          "seconds": time.perf_counter() - t0}


# --- 3/4. Model throughput, matmul peak, profile (worker process) ---------------------------

def matmul_peak(n: int, reps: int, dtype: str = "float32") -> dict:
  """FLOP/s of an n x n x n tf.matmul on the default device, median of reps."""
  import tensorflow as tf
  a = tf.cast(tf.random.stateless_normal([n, n], seed=[1, 2]), dtype)
  b = tf.cast(tf.random.stateless_normal([n, n], seed=[3, 4]), dtype)
  tf.matmul(a, b).numpy()  # warm-up
  times = []
  for _ in range(reps):
    t0 = time.perf_counter()
    tf.matmul(a, b).numpy()
    times.append(time.perf_counter() - t0)
  flops = 2.0 * n ** 3
  return {"n": n, "dtype": dtype, "reps": reps, "seconds": times,
          "flops_per_s": flops / _median(times),
          "best_flops_per_s": flops / min(times)}


def _windows(times: list[float], warmup: int, windows: int, steps: int,
             batch: int) -> list[float]:
  """Sequences/s of consecutive windows of `steps` steps after `warmup`."""
  out = []
  for w in range(windows):
    start = times[warmup + w * steps - 1]
    end = times[warmup + (w + 1) * steps - 1]
    out.append(steps * batch / (end - start))
  return out


def bench_training(config: dict, cache, sizes: Sizes, jit: bool) -> dict:
  """Training throughput of model.fit on data.train_dataset (batch fixed).

  One fit call of warmup + windows x steps steps; a callback stamps the end
  of every step (after reading the loss, so the step has finished).
  """
  import keras
  from madlab_dream import data
  from madlab_dream import model as model_lib
  model = model_lib.build_model(config)
  model.compile(optimizer=keras.optimizers.RMSprop(1e-4), loss="mse",
                jit_compile=jit)
  ds = data.train_dataset(cache.train_codes, cache.train_targets,
                          sizes.train_batch, seed=1)

  class Clock(keras.callbacks.Callback):

    def __init__(self):
      super().__init__()
      self.times: list[float] = []

    def on_train_begin(self, logs=None):
      self.begin = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
      if logs and "loss" in logs:
        float(logs["loss"])
      self.times.append(time.perf_counter())

  clock = Clock()
  steps = sizes.train_warmup + sizes.train_windows * sizes.train_steps
  model.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0,
            callbacks=[clock], shuffle=False)  # the dataset shuffles itself
  rates = _windows(clock.times, sizes.train_warmup, sizes.train_windows,
                   sizes.train_steps, sizes.train_batch)
  return {"jit_compile_requested": jit,
          "jit_compile_effective": bool(model.jit_compile),
          "batch": sizes.train_batch, "warmup_steps": sizes.train_warmup,
          "first_step_s": clock.times[0] - clock.begin,
          "window_steps": sizes.train_steps, "windows_seq_per_s": rates,
          "seq_per_s": _median(rates), "model": model}


def bench_inference(model, codes: np.ndarray, sizes: Sizes, jit: bool) -> dict:
  """Forward-only throughput of tf.function(jit_compile) model(x, False)."""
  import tensorflow as tf
  fn = tf.function(lambda x: model(x, training=False), jit_compile=jit)
  x = tf.constant(np.asarray(codes[:sizes.infer_batch]))
  t0 = time.perf_counter()
  fn(x).numpy()
  first = time.perf_counter() - t0
  rates = []
  for _ in range(sizes.infer_windows):
    t0 = time.perf_counter()
    for _ in range(sizes.infer_steps):
      out = fn(x)
    out.numpy()
    rates.append(sizes.infer_steps * int(x.shape[0])
                 / (time.perf_counter() - t0))
  return {"jit_compile": jit, "batch": int(x.shape[0]), "first_call_s": first,
          "window_calls": sizes.infer_steps, "windows_seq_per_s": rates,
          "seq_per_s": _median(rates)}


def _model_parts(model):
  """[(name, fn(x, training), input builder)] for the profile."""
  cfg_blocks = [layer for layer in model.layers
                if layer.name.startswith("transformer_block_")]
  one_hot = model.get_layer("one_hot")
  conv = model.get_layer("multi_scale_conv")
  bilstm = model.get_layer("bilstm")
  head = model.get_layer("expression")

  def conv_fn(x, training):
    return conv(one_hot(x), training=training)

  def blocks_fn(x, training):
    for block in cfg_blocks:
      x = block(x, training=training)
    return x

  return [("conv", conv_fn, [conv]),
          ("transformer", blocks_fn, cfg_blocks),
          ("bilstm", lambda x, t: bilstm(x, training=t), [bilstm]),
          ("head", lambda x, t: head(x), [head])]


def _time_calls(fn, args, reps: int) -> tuple[float, float]:
  """(first call s, median of reps s); every output is fetched."""
  import tensorflow as tf

  def run():
    out = fn(*args)
    tf.nest.map_structure(lambda t: t.numpy(), out)

  t0 = time.perf_counter()
  run()
  first = time.perf_counter() - t0
  times = []
  for _ in range(reps):
    t0 = time.perf_counter()
    run()
    times.append(time.perf_counter() - t0)
  return first, _median(times)


def _forward_of(fn):
  return lambda inp: fn(inp, False)


def _gradients_of(fn, owners):
  """inp -> gradients of sum(fn(inp)) for the owners' weights (and inp)."""
  import tensorflow as tf
  # The variables are closed over, not passed: a tf.function would turn
  # variable arguments into new inputs and their gradients into None.
  variables = [v for layer in owners for v in layer.trainable_variables]

  def gradients(inp):
    watch = inp.dtype.is_floating
    with tf.GradientTape() as tape:
      if watch:
        tape.watch(inp)
      loss = tf.reduce_sum(tf.cast(fn(inp, True), tf.float32))
    return tape.gradient(loss, variables + ([inp] if watch else []))

  return gradients


def profile_parts(model, codes: np.ndarray, infer_batch: int,
                  train_batch: int, train_jit: bool, reps: int) -> dict:
  """Time per block: forward (XLA) and forward+backward, same batches.

  Each block runs alone on the activations the previous blocks produce:
  the conv stack (one-hot + branches), the transformer blocks, the BiLSTM,
  the output Dense. Forward at the inference batch with XLA; forward +
  gradients (weights, and the input when it is a float activation) at the
  training batch with the training's faster XLA setting.
  """
  import tensorflow as tf
  parts = _model_parts(model)
  result = {}
  for mode, batch, jit in (("forward", infer_batch, True),
                           ("train", train_batch, train_jit)):
    x = tf.constant(np.asarray(codes[:batch]))
    for name, fn, owners in parts:
      if mode == "forward":
        call = tf.function(_forward_of(fn), jit_compile=jit)
      else:
        call = tf.function(_gradients_of(fn, owners), jit_compile=jit)
      first, seconds = _time_calls(call, (x,), reps)
      result.setdefault(mode, {})[name] = {"batch": batch, "jit": jit,
                                           "first_s": first,
                                           "seconds": seconds}
      # The next block's input: this block's forward output.
      x = tf.constant(fn(x, False).numpy()) if name != "head" else x
  return result


def bench_model(spec: dict) -> dict:
  """Sections 3-4 on this process's default device; `spec` says the sizes."""
  from madlab_dream import data
  from madlab_dream import tfquiet
  tf = tfquiet.tensorflow()
  import keras
  sizes = Sizes(**{**spec["sizes"],
                   "madlab_rows": tuple(spec["sizes"]["madlab_rows"])})
  precision = spec.get("precision", "float32")
  if precision != "float32":
    keras.mixed_precision.set_global_policy(precision)
  compute_dtype = {"float32": "float32", "mixed_bfloat16": "bfloat16",
                   "mixed_float16": "float16"}[precision]
  gpus = tf.config.list_physical_devices("GPU")
  result: dict[str, Any] = {"device": "GPU" if gpus else "CPU",
                            "precision": precision}
  log(f"[{result['device']} {precision}] {compute_dtype} matmul peak "
      f"({sizes.matmul_n}^3)")
  result["matmul"] = matmul_peak(sizes.matmul_n, sizes.matmul_reps,
                                 compute_dtype)
  log(f"  {result['matmul']['flops_per_s'] / 1e9:,.1f} GFLOP/s")
  cache = data.load_cache(spec["cache_dir"])
  config = options.model_config(**sizes.model)
  model = None
  result["training"] = {}
  for jit in spec.get("jit_modes", [True, False]):
    log(f"  training, XLA {'on' if jit else 'off'}: "
        f"{sizes.train_warmup} warm-up + {sizes.train_windows} x "
        f"{sizes.train_steps} steps of {sizes.train_batch}")
    run = bench_training(config, cache, sizes, jit)
    model = run.pop("model")
    result["training"]["xla" if jit else "no_xla"] = run
    log(f"    {run['seq_per_s']:,.0f} sequences/s (first step "
        f"{run['first_step_s']:.1f} s)")
  result["parameters"] = int(model.count_params())
  result["inference"] = {}
  for jit in spec.get("jit_modes", [True, False]):
    log(f"  inference, XLA {'on' if jit else 'off'}: {sizes.infer_windows} x "
        f"{sizes.infer_steps} calls of {sizes.infer_batch}")
    run = bench_inference(model, cache.train_codes, sizes, jit)
    result["inference"]["xla" if jit else "no_xla"] = run
    log(f"    {run['seq_per_s']:,.0f} sequences/s")
  if spec.get("flops", True):
    log("  FLOPs: analytic and from XLA's HLO")
    result["flops_analytic"] = analytic_flops(config, sizes.train_batch)
    result["flops_analytic_inference"] = analytic_flops(config,
                                                        sizes.infer_batch)
    # Tracing the unrolled LSTM takes ~20 s at L = 110; --quick checks a
    # shorter model.
    result["flops_xla"] = xla_flops(
        {**config, **spec.get("flops_check", {})}, sizes.train_batch)
  if spec.get("profile", True):
    train_jit = max(result["training"].items(),
                    key=lambda kv: kv[1]["seq_per_s"])[0] == "xla"
    log("  profile: time per block")
    result["profile"] = profile_parts(model, cache.train_codes,
                                      sizes.infer_batch, sizes.train_batch,
                                      train_jit, sizes.profile_reps)
  return result


def run_model_worker(spec: dict, bench_dir: str, name: str,
                     env: dict[str, str]) -> dict:
  """bench_model in a fresh process (clean precision policy and devices)."""
  spec_path = os.path.join(bench_dir, f"{name}.spec.json")
  out_path = os.path.join(bench_dir, f"{name}.result.json")
  files.write_text(spec_path, json.dumps({**spec, "output": out_path}))
  if os.path.exists(out_path):
    os.remove(out_path)
  proc = subprocess.run([sys.executable, "-m", "madlab_dream.bench",
                         f"--bench_worker_spec={spec_path}"], env=env,
                        cwd=_repo_root())
  if proc.returncode != 0 or not os.path.exists(out_path):
    raise RuntimeError(f"model benchmark worker {name} failed "
                       f"(exit {proc.returncode})")
  with open(out_path) as f:
    return json.load(f)


# --- Summary figures ---------------------------------------------------------------------

def _best(runs: dict) -> tuple[str, dict]:
  return max(runs.items(), key=lambda kv: kv[1]["seq_per_s"])


def derive(model: dict) -> dict:
  """Best throughputs, achieved FLOP/s, MFU, training time extrapolations."""
  fa = model["flops_analytic"]
  fi = model["flops_analytic_inference"]
  peak = model["matmul"]["flops_per_s"]
  train_mode, train = _best(model["training"])
  infer_mode, infer = _best(model["inference"])
  out = {
      "train_mode": train_mode, "train_seq_per_s": train["seq_per_s"],
      "infer_mode": infer_mode, "infer_seq_per_s": infer["seq_per_s"],
      "train_flops_per_s": train["seq_per_s"] * fa["train_3x"],
      "infer_flops_per_s": infer["seq_per_s"] * fi["forward"],
      "peak_flops_per_s": peak,
  }
  out["train_mfu"] = out["train_flops_per_s"] / peak
  out["infer_mfu"] = out["infer_flops_per_s"] / peak
  out["epoch_s"] = EPOCH_ROWS / train["seq_per_s"]
  out["schedule_s"] = SCHEDULE_EXAMPLES / train["seq_per_s"]
  return out


def profile_table(model: dict) -> list[dict]:
  """Rows: block, time share, FLOPs share, utilisation (fwd and train)."""
  fa = model["flops_analytic"]
  fi = model["flops_analytic_inference"]
  peak = model["matmul"]["flops_per_s"]
  rows = []
  for mode, flops_of in (("forward", fi["parts"]), ("train",
                                                    fa["parts_train"])):
    parts = model["profile"][mode]
    total_time = sum(p["seconds"] for p in parts.values())
    total_flops = sum(flops_of.values())
    for name, p in parts.items():
      achieved = flops_of[name] * p["batch"] / p["seconds"]
      rows.append({"mode": mode, "block": name, "batch": p["batch"],
                   "jit": p["jit"], "seconds": p["seconds"],
                   "time_share": p["seconds"] / total_time,
                   "flops_per_seq": flops_of[name],
                   "flops_share": flops_of[name] / total_flops,
                   "flops_per_s": achieved, "utilisation": achieved / peak})
  return rows


# --- Report ----------------------------------------------------------------------------

def _fmt_s(seconds: float) -> str:
  if seconds < 120:
    return f"{seconds:,.1f} s"
  if seconds < 2 * 3600:
    return f"{seconds / 60:,.1f} min"
  if seconds < 3 * 86400:
    return f"{seconds / 3600:,.1f} h"
  return f"{seconds / 86400:,.1f} days"


def _g(x: float) -> str:
  return f"{x / 1e9:,.1f}"


def _m(x: float) -> str:
  return f"{x / 1e6:,.2f}"


def _ok(value: float, target: float, higher: bool = True) -> str:
  met = value >= target if higher else value <= target
  return "yes" if met else "**no**"


def render_markdown(r: dict) -> str:
  hw = r["hardware"]
  pre, mad, pipe = r["preprocessing"], r["madlab_approach"], r["pipeline"]
  model, d = r["model"], r["derived"]
  fa, fx = model["flops_analytic"], model["flops_xla"]
  fi = model["flops_analytic_inference"]
  speedup = mad["wall_s"]["value"] / pre["wall_s"]
  mem_ratio = mad["peak_rss_bytes"]["value"] / pre["peak_rss_bytes"]
  tr, inf = model["training"], model["inference"]
  lines: list[str] = []
  add = lines.append
  add("# Benchmarks")
  add("")
  add(f"Generated by `python -m madlab_dream.bench{r['argv']}` on "
      f"{r['date']} in {_fmt_s(r['total_s'])}; every figure below was "
      "measured in that run (raw figures: "
      f"`{os.path.basename(r['json'])}`)." +
      (" **Quick mode: tiny sizes and a tiny model; the figures are not "
       "representative.**" if r["quick"] else ""))
  add("")
  add("## Machine")
  add("")
  add("| | |")
  add("|---|---|")
  add(f"| CPU | {hw['cpu']} |")
  add(f"| cores | {hw['cores']} |")
  add(f"| memory | {hw['memory_gib']} GiB |")
  add(f"| GPU | {', '.join(hw['gpus']) if hw['gpus'] else 'none'} |")
  add(f"| TensorFlow / Keras / Python | {hw['tensorflow']} / {hw['keras']} / "
      f"{hw['python']} |")
  add(f"| float32 matmul ({model['matmul']['n']}^3, median of "
      f"{model['matmul']['reps']}) | {_g(model['matmul']['flops_per_s'])} "
      "GFLOP/s (the peak for MFU) |")
  add("")
  add("## Summary")
  add("")
  add("| measure | measured | target | met |")
  add("|---|---|---|---|")
  add(f"| preprocessing {pre['rows']:,} rows, wall | {pre['wall_s']:.1f} s "
      f"| <= {TARGETS['preprocess_wall_s']:.0f} s | "
      f"{_ok(pre['wall_s'], TARGETS['preprocess_wall_s'], False)} |")
  add(f"| preprocessing, peak memory | {pre['peak_rss_bytes'] / 1e9:.2f} GB | "
      f"<= {TARGETS['preprocess_peak_gb']:.0f} GB | "
      f"{_ok(pre['peak_rss_bytes'] / 1e9, TARGETS['preprocess_peak_gb'], False)} |")
  add(f"| cache size | {pre['cache_bytes'] / 1e9:.2f} GB | <= ~1 GB | "
      f"{_ok(pre['cache_bytes'] / 1e9, TARGETS['cache_gb'] * 1.05, False)} |")
  add(f"| speed-up vs MadLab's preprocessing (extrapolated) | {speedup:.0f}x "
      f"| >= {TARGETS['speedup_vs_madlab']:.0f}x | "
      f"{_ok(speedup, TARGETS['speedup_vs_madlab'])} |")
  add(f"| peak memory vs MadLab's (extrapolated) | {mem_ratio:.1f}x less | "
      f">= {TARGETS['memory_vs_madlab']:.0f}x | "
      f"{_ok(mem_ratio, TARGETS['memory_vs_madlab'])} |")
  add(f"| input pipeline, batches of {pipe['batch_size']:,} | "
      f"{pipe['seq_per_s']:,.0f} seq/s | >= "
      f"{TARGETS['pipeline_seq_per_s']:,.0f} | "
      f"{_ok(pipe['seq_per_s'], TARGETS['pipeline_seq_per_s'])} |")
  for key, label in (("xla", "XLA on"), ("no_xla", "XLA off")):
    if key in tr:
      add(f"| training, {label}, batch {tr[key]['batch']:,} | "
          f"{tr[key]['seq_per_s']:,.0f} seq/s | | |")
  for key, label in (("xla", "XLA on"), ("no_xla", "XLA off")):
    if key in inf:
      add(f"| inference, {label}, batch {inf[key]['batch']:,} | "
          f"{inf[key]['seq_per_s']:,.0f} seq/s | | |")
  add(f"| training MFU (best: {d['train_mode'].replace('_', ' ')}) | "
      f"{100 * d['train_mfu']:.1f} % | >= "
      f"{100 * TARGETS['train_mfu']:.0f} % | "
      f"{_ok(d['train_mfu'], TARGETS['train_mfu'])} |")
  add(f"| inference MFU (best: {d['infer_mode'].replace('_', ' ')}) | "
      f"{100 * d['infer_mfu']:.1f} % | >= "
      f"{100 * TARGETS['inference_mfu']:.0f} % | "
      f"{_ok(d['infer_mfu'], TARGETS['inference_mfu'])} |")
  add(f"| one epoch ({EPOCH_ROWS:,} rows), extrapolated | "
      f"{_fmt_s(d['epoch_s'])} | | |")
  add(f"| MadLab's schedule ({SCHEDULE_EXAMPLES:,} examples), extrapolated | "
      f"{_fmt_s(d['schedule_s'])} | < {GPU_TARGET_SCHEDULE_MIN:.0f} min on "
      "one H100 (section 6) | |")
  add("")

  add("## 1. Preprocessing")
  add("")
  gen = r["generated"]
  add(f"Input: a generated DREAM-format file of {pre['rows']:,} rows "
      f"({pre['input_bytes'] / 1e6:,.0f} MB; seed {gen['seed']}; 17 nt flank "
      "+ random region + 13 nt flank, 82 % of lengths 110 nt and the rest "
      "104-111; 57 % whole-number values in 0..17, the rest with 13 "
      f"decimals){'; reused from an earlier run' if gen['reused'] else ''}. "
      "The file was in the OS page cache (warm read).")
  add("")
  add(f"`{pre['command']}` in a subprocess, from an empty cache directory; "
      "wall time and peak resident memory (`getrusage(RUSAGE_CHILDREN)` of "
      "a parent with no other child) of the whole command, Python start-up "
      "included.")
  add("")
  c = pre["counts"]
  add("| | ours (`madlab_dream.data`) | MadLab's notebook approach "
      "(extrapolated) | ratio |")
  add("|---|---|---|---|")
  add(f"| wall time | {pre['wall_s']:.1f} s ({pre['rows_per_s'] / 1e6:.2f} M "
      f"rows/s; CPU {pre['user_s'] + pre['sys_s']:.1f} s) | "
      f"{_fmt_s(mad['wall_s']['value'])} | {speedup:.0f}x faster |")
  add(f"| peak memory | {pre['peak_rss_bytes'] / 1e9:.2f} GB | "
      f"{mad['peak_rss_bytes']['value'] / 1e9:.1f} GB | {mem_ratio:.1f}x less |")
  add(f"| output | cache {pre['cache_bytes'] / 1e9:.2f} GB (uint8 codes) | "
      f"bool one-hot array {mad['bool_array_bytes_full'] / 1e9:.2f} GB | |")
  add("")
  add(f"Cache counts: read {c['read']:,}; whole-number {c['whole_number']:,}; "
      f"kept {c['kept']:,}; train {c['train']:,}; validation "
      f"{c['validation']:,}.")
  add("")
  add(f"MadLab's approach: {mad['method']}. Measured runs:")
  add("")
  add("| rows | wall | peak memory | kept rows | one-hot array |")
  add("|---|---|---|---|---|")
  for run in mad["runs"]:
    o = run["output"]
    add(f"| {run['rows']:,} | {run['wall_s']:.2f} s | "
        f"{run['peak_rss_bytes'] / 1e6:,.0f} MB | {o['kept']:,} | "
        f"{o['dtype']} {tuple(o['shape'])} |")
  add("")
  w, p = mad["wall_s"], mad["peak_rss_bytes"]
  add(f"Extrapolation to {w['at']:,} rows: wall = {w['fixed']:.2f} s + "
      f"{w['per_row'] * 1e6:.2f} s per million rows = "
      f"{_fmt_s(w['value'])}; peak memory = {p['fixed'] / 1e6:,.0f} MB + "
      f"{p['per_row']:,.0f} bytes per row = {p['value'] / 1e9:.1f} GB. "
      "Their final boolean array alone (rows kept "
      f"{100 * mad['kept_fraction']:.0f} % x 110 x 4 bytes) is "
      f"{mad['bool_array_bytes_full'] / 1e9:.2f} GB; the Python lists of "
      "rows and per-character references held at the same time make most of "
      "the rest. A linear extrapolation assumes no swapping and no "
      "super-linear costs; on a machine with less memory than the "
      "extrapolated peak their approach would not finish at all.")
  add("")

  add("## 2. Input pipeline")
  add("")
  add(f"`data.train_dataset` over the cache ({pipe['train_rows']:,} training "
      f"rows held as one uint8 tensor; setup {pipe['setup_s']:.1f} s): "
      f"{pipe['batches']:,} batches of {pipe['batch_size']:,} after "
      f"{pipe['warmup']} warm-up batches in {pipe['wall_s']:.2f} s = "
      f"**{pipe['seq_per_s']:,.0f} sequences/s** (shuffled gather of codes "
      "and targets; one-hot encoding happens inside the model).")
  add("")

  add("## 3. Training and inference throughput (MadLab preset, "
      f"{model['parameters']:,} parameters, {model['device']}, float32)")
  add("")
  add("Training: one `model.fit(train_dataset, steps_per_epoch=...)` call "
      "(RMSprop 1e-4, MSE, the real input pipeline); a callback stamps the "
      "end of every step; the first steps (compilation) are warm-up and the "
      "rest are cut into equal windows. Inference: "
      "`tf.function(jit_compile=...)` of `model(x, training=False)` on one "
      "batch, called repeatedly. Figures are the median window.")
  add("")
  add("| run | batch | warm-up (first step / call) | windows (seq/s) | "
      "median seq/s |")
  add("|---|---|---|---|---|")
  for key, label in (("xla", "training, XLA on"),
                     ("no_xla", "training, XLA off")):
    if key in tr:
      t = tr[key]
      eff = "" if t["jit_compile_effective"] == t["jit_compile_requested"] \
          else " (XLA not effective!)"
      add(f"| {label}{eff} | {t['batch']:,} | {t['first_step_s']:.1f} s | "
          f"{t['window_steps']} steps each: "
          f"{', '.join(f'{x:,.0f}' for x in t['windows_seq_per_s'])} | "
          f"**{t['seq_per_s']:,.0f}** |")
  for key, label in (("xla", "inference, XLA on"),
                     ("no_xla", "inference, XLA off")):
    if key in inf:
      t = inf[key]
      add(f"| {label} | {t['batch']:,} | {t['first_call_s']:.1f} s | "
          f"{t['window_calls']} calls each: "
          f"{', '.join(f'{x:,.0f}' for x in t['windows_seq_per_s'])} | "
          f"**{t['seq_per_s']:,.0f}** |")
  add("")

  add("## 4. FLOPs and model FLOP utilisation")
  add("")
  det = fa["detail"]
  add("Analytic count per sequence (multiply-add = 2 FLOPs), from the layer "
      "shapes:")
  add("")
  add("| term | formula | MFLOPs / sequence |")
  add("|---|---|---|")
  cfgf = fa["config"]
  L = cfgf["seq_len"]
  add(f"| wide convolutions | sum over k in {cfgf['conv_kernels']} of "
      f"2 L k 4 {cfgf['conv_filters']} | {_m(det['conv_wide'])} |")
  add(f"| kernel-1 convolutions | {len(cfgf['conv_kernels'])} x 2 L "
      f"{cfgf['conv_filters']} {cfgf['conv_reduced']} | "
      f"{_m(det['conv_reduce'])} |")
  nb = cfgf["num_blocks"]
  add(f"| attention q, k, v ({nb} blocks) | 2 L W (2HK + HV) | "
      f"{_m(det['attention_q_k_v'])} |")
  add(f"| relative keys (once per batch of {fa['batch']:,}) | 2 (2L-1) "
      f"{cfgf['relative_features']} HK / batch | "
      f"{_m(det['attention_relative_keys'])} |")
  add(f"| content logits | 2 H L L K | {_m(det['attention_content_logits'])} |")
  add(f"| relative logits [L, 2L-1] | 2 H L (2L-1) K | "
      f"{_m(det['attention_relative_logits'])} |")
  add(f"| weights x values | 2 H L L V | "
      f"{_m(det['attention_weights_values'])} |")
  add(f"| output projection | 2 L HV W | "
      f"{_m(det['attention_output_projection'])} |")
  add(f"| feed-forward | 2 x 2 L W {cfgf['ffn_hidden']} | {_m(det['ffn'])} |")
  add(f"| BiLSTM ({cfgf['lstm_units']} units, 2 directions, L steps) | "
      "2 dirs x L x 2 x 4u (W + u) | "
      f"{_m(det['bilstm'])} |")
  add(f"| output Dense | 2 x 2u | {det['head'] / 1e6:.6f} |")
  add(f"| **forward total** | | **{_m(fa['forward'])}** |")
  add(f"| training step, 3 x forward | | {_m(fa['train_3x'])} |")
  add(f"| training step, exact (no input gradient for the first conv and "
      f"the relative keys) | | {_m(fa['train_exact'])} |")
  add(f"| element-wise work (BN, swish, LayerNorm, softmax, biases, gates; "
      f"estimate, not in the totals) | | "
      f"~{_m(fa['elementwise_forward_estimate'])} |")
  add("")
  ratio_f = fx["forward"] / fx["analytic_forward"]
  ratio_t = fx["train"] / fx["analytic_train_exact"]
  add(f"Cross-check: {fx['method']}, batch {fx['batch']:,}"
      + (f", L = {fx['seq_len']}" if fx["seq_len"] != L else "") +
      f" ({fx['while_loops']} while loops left uncounted). Forward "
      f"{_m(fx['forward'])} MFLOPs/sequence = **{ratio_f:.4f} x** analytic; "
      f"training step (loss gradients) {_m(fx['train'])} MFLOPs/sequence = "
      f"**{ratio_t:.4f} x** the exact analytic count and "
      f"{fx['train'] / (3 * fx['analytic_forward']):.3f} x the 3 x forward "
      "convention. "
      "(XLA's own HloCostAnalysis is not exposed by TensorFlow's Python API; "
      "`experimental_get_compiler_ir` gives the HLO text, which this code "
      "reads.)")
  add("")
  add("MFU = measured sequences/s x model FLOPs per sequence (training: 3 x "
      "forward; inference: forward, with the relative keys amortised over "
      f"the batch of {fi['batch']:,}) / the float32 matmul rate measured "
      "above.")
  add("")
  add("| | seq/s | model FLOP/s | MFU | target |")
  add("|---|---|---|---|---|")
  add(f"| training ({d['train_mode'].replace('_', ' ')}) | "
      f"{d['train_seq_per_s']:,.0f} | {_g(d['train_flops_per_s'])} G | "
      f"{100 * d['train_mfu']:.1f} % | >= {100 * TARGETS['train_mfu']:.0f} % |")
  add(f"| inference ({d['infer_mode'].replace('_', ' ')}) | "
      f"{d['infer_seq_per_s']:,.0f} | {_g(d['infer_flops_per_s'])} G | "
      f"{100 * d['infer_mfu']:.1f} % | >= "
      f"{100 * TARGETS['inference_mfu']:.0f} % |")
  add("")
  if "profile" in model:
    add("### Where the time goes")
    add("")
    add("Each block timed alone on the same batch (the activations the "
        "blocks before it produce); forward at the inference batch with XLA, "
        "forward + gradients at the training batch with the faster training "
        "setting. Utilisation = the block's analytic FLOPs / its time / the "
        "matmul rate.")
    add("")
    add("| pass | block | batch | time | time share | FLOPs share | "
        "GFLOP/s | utilisation |")
    add("|---|---|---|---|---|---|---|---|")
    for row in r["profile_table"]:
      add(f"| {row['mode']} | {row['block']} | {row['batch']:,} | "
          f"{row['seconds'] * 1e3:,.0f} ms | {100 * row['time_share']:.1f} % "
          f"| {100 * row['flops_share']:.1f} % | {_g(row['flops_per_s'])} | "
          f"{100 * row['utilisation']:.1f} % |")
    add("")
    lines.extend(_diagnosis(r))
    add("")

  add("## 5. Time to train, extrapolated from the measured throughput")
  add("")
  add(f"At the best measured training rate on this machine "
      f"({d['train_seq_per_s']:,.0f} sequences/s, "
      f"{d['train_mode'].replace('_', ' ')}):")
  add("")
  add("| workload | examples | time here | MadLab's 8-core TPU (~82,000 "
      "seq/s) |")
  add("|---|---|---|---|")
  add(f"| one epoch | {EPOCH_ROWS:,} | {_fmt_s(d['epoch_s'])} | "
      f"{_fmt_s(EPOCH_ROWS / TPU_SEQ_PER_S)} |")
  add(f"| MadLab's schedule (10 x 36,743 x 1,024) | {SCHEDULE_EXAMPLES:,} | "
      f"{_fmt_s(d['schedule_s'])} | {_fmt_s(SCHEDULE_EXAMPLES / TPU_SEQ_PER_S)}"
      " |")
  add("")

  add("## 6. GPU")
  add("")
  lines.extend(_gpu_section(r))
  add("")
  return "\n".join(lines)


def _diagnosis(r: dict) -> list[str]:
  """What the profile says, from the measured figures."""
  d = r["derived"]
  rows = {(row["mode"], row["block"]): row for row in r["profile_table"]}
  cfg = r["model"]["flops_analytic"]["config"]
  u, W = cfg["lstm_units"], cfg["conv_reduced"]
  out = []
  missed = (d["train_mfu"] < TARGETS["train_mfu"] or
            d["infer_mfu"] < TARGETS["inference_mfu"])
  out.append("**Reading.** " + (
      "The MFU targets are missed on this machine. " if missed else
      "The MFU targets are met. "))
  lstm_t, lstm_f = rows[("train", "bilstm")], rows[("forward", "bilstm")]
  out.append(
      f"- BiLSTM: {100 * lstm_f['time_share']:.0f} % of the forward time "
      f"and {100 * lstm_t['time_share']:.0f} % of the training time for "
      f"{100 * lstm_f['flops_share']:.1f} % of the FLOPs "
      f"({100 * lstm_f['utilisation']:.1f} % / "
      f"{100 * lstm_t['utilisation']:.1f} % utilisation): L = "
      f"{cfg['seq_len']} sequential steps, each a [batch, W + u] x "
      f"[W + u, 4u] product with 4u = {4 * u} outputs, far too thin to use "
      "the matrix units; the backward pass walks the same steps in reverse. "
      "What would close it: compute the input projection x W for all steps "
      f"as one [batch x L, W] x [W, 4u] product before the loop "
      f"({100 * W / (W + u):.0f} % of the LSTM FLOPs) and "
      "keep only the tiny h U recurrence sequential, run both directions in "
      "one loop, or replace the 4-unit LSTM by a pooling/attention readout "
      "(a model change).")
  for name, label in (("conv", "Convolution stack"),
                      ("transformer", "Transformer blocks")):
    f, t = rows[("forward", name)], rows[("train", name)]
    out.append(
        f"- {label}: {100 * f['flops_share']:.0f} % of the FLOPs at "
        f"{100 * f['utilisation']:.0f} % (forward) and "
        f"{100 * t['utilisation']:.0f} % (training) utilisation.")
  out.append(
      "- The transformer's utilisation is held down by work that is not a "
      "large matrix product: the [L, 2L-1] relative logits are shifted by "
      "pad/reshape/slice copies, softmax and LayerNorm are memory-bound, and "
      "the attention products are batched 110 x 96 x 110 matrices (one "
      "head). The wide convolutions (Cin = 4, kernels 15-30) are lowered to "
      "thin products; BatchNorm and swish are separate memory-bound passes "
      "in training. What would help: fuse element-wise work into the "
      "products (XLA does some; on this CPU the "
      f"{'XLA' if d['train_mode'] == 'xla' else 'non-XLA (oneDNN)'} path "
      "was faster for training), use bfloat16 on CPUs with AMX/AVX512-BF16 "
      "matrix units, and larger per-call work (bigger batches) for "
      "inference.")
  return out


def _gpu_section(r: dict) -> list[str]:
  gpu = r.get("gpu")
  if not gpu:
    return [
        "This machine has no GPU (`tf.config.list_physical_devices('GPU')` "
        "is empty), so no GPU figures were measured in this run. The target "
        f"there is >= {GPU_TARGET_SEQ_PER_S:,} training sequences/s on one "
        "H100 (2 x MadLab's 8-core TPU, ~82,000/s), i.e. MadLab's schedule "
        f"of {SCHEDULE_EXAMPLES:,} examples in < "
        f"{GPU_TARGET_SCHEDULE_MIN:.0f} minutes "
        f"({SCHEDULE_EXAMPLES / GPU_TARGET_SEQ_PER_S / 60:.1f} min at "
        "exactly the target).",
        "",
        "To measure it, run on a machine with an NVIDIA GPU and a CUDA "
        "build of TensorFlow (`pip install 'tensorflow[and-cuda]'`):",
        "",
        "```",
        "make bench        # = python -m madlab_dream.bench "
        "--output=BENCHMARKS.md",
        "```",
        "",
        "Sections 1-5 then still run on the CPU (the model worker is started "
        "with `CUDA_VISIBLE_DEVICES=`), and this section gets the GPU's "
        "training and inference throughput with XLA in float32 and in "
        "`mixed_bfloat16` (policy set before the model is built, in a fresh "
        "process), the bfloat16 and float32 matmul rates and MFU, and the "
        "time of MadLab's schedule, against the target.",
    ]
  out = [f"Device: {', '.join(r['hardware']['gpus'])}. XLA on; batch "
         f"{GPU_STEPS['train_steps']} steps per window.", "",
         "| precision | training seq/s | inference seq/s | matmul peak "
         "(TFLOP/s) | training MFU | MadLab schedule | target met |",
         "|---|---|---|---|---|---|---|"]
  for precision, m in gpu.items():
    train = m["training"]["xla"]["seq_per_s"]
    infer = m["inference"]["xla"]["seq_per_s"]
    peak = m["matmul"]["flops_per_s"]
    fa = r["model"]["flops_analytic"]["train_3x"]
    schedule = SCHEDULE_EXAMPLES / train
    out.append(f"| {precision} | {train:,.0f} | {infer:,.0f} | "
               f"{peak / 1e12:,.1f} ({m['matmul']['dtype']}) | "
               f"{100 * train * fa / peak:.1f} % | {_fmt_s(schedule)} | "
               f"{_ok(train, GPU_TARGET_SEQ_PER_S)} |")
  out += ["", f"Target: >= {GPU_TARGET_SEQ_PER_S:,} training sequences/s "
          f"(MadLab's schedule in < {GPU_TARGET_SCHEDULE_MIN:.0f} min). The "
          "input pipeline must keep up: compare with section 2."]
  return out


# --- Orchestration -------------------------------------------------------------------

def run_benchmark(output: str, rows: int | None = None, quick: bool = False,
                  bench_dir: str = "bench_output") -> dict:
  """Runs every section and writes `output` (.md) and its .json beside it."""
  t_start = time.perf_counter()
  sizes = dataclasses.replace(QUICK if quick else FULL)
  if rows is not None:
    sizes.rows = int(rows)
  if sizes.rows < max(sizes.madlab_rows[1], 4 * sizes.train_batch):
    raise InputError(f"--rows must be at least "
                     f"{max(sizes.madlab_rows[1], 4 * sizes.train_batch):,}"
                     f"{' with --quick' if quick else ''}, got {sizes.rows:,}")
  files.check_writable_file(output)
  json_path = os.path.splitext(output)[0] + ".json"
  files.check_writable_dir(bench_dir)

  from madlab_dream import data
  from madlab_dream import tfquiet
  tf = tfquiet.tensorflow()
  from madlab_dream import train
  results: dict[str, Any] = {
      "argv": "".join(f" {a}" for a in sys.argv[1:]) if
      sys.argv and sys.argv[0].endswith("bench.py") else "",
      "date": time.strftime("%Y-%m-%d %H:%M %Z"), "quick": quick,
      "json": json_path, "hardware": train.hardware(),
      "sizes": dataclasses.asdict(sizes), "targets": TARGETS}

  log("1/6 preprocessing")
  path, results["generated"] = ensure_dream_file(bench_dir, sizes.rows)
  results["preprocessing"] = bench_preprocessing(path, bench_dir, sizes.rows)
  results["madlab_approach"] = bench_madlab_approach(
      path, bench_dir, sizes.madlab_rows, sizes.rows)

  log("2/6 input pipeline")
  cache_dir = results["preprocessing"]["cache_dir"]
  cache = data.load_cache(cache_dir)
  results["pipeline"] = bench_pipeline(cache, FULL.train_batch,
                                       sizes.pipeline_batches,
                                       sizes.pipeline_warmup)
  del cache

  log("3-5/6 model throughput, FLOPs, MFU, profile (CPU worker)")
  spec = {"cache_dir": cache_dir, "sizes": dataclasses.asdict(sizes),
          "precision": "float32", "jit_modes": [True, False],
          "flops": True, "profile": True,
          "flops_check": {"seq_len": 24} if quick else {}}
  results["model"] = run_model_worker(
      spec, bench_dir, "model_cpu", _child_env(CUDA_VISIBLE_DEVICES=""))
  results["derived"] = derive(results["model"])
  results["profile_table"] = profile_table(results["model"])

  log("6/6 GPU")
  if tf.config.list_physical_devices("GPU"):
    gpu_sizes = dataclasses.replace(sizes, **({} if quick else GPU_STEPS))
    results["gpu"] = {}
    for precision in ("mixed_bfloat16", "float32"):
      spec = {"cache_dir": cache_dir, "sizes": dataclasses.asdict(gpu_sizes),
              "precision": precision, "jit_modes": [True], "flops": False,
              "profile": False}
      results["gpu"][precision] = run_model_worker(
          spec, bench_dir, f"model_gpu_{precision}", _child_env())
  else:
    log("no GPU on this machine: GPU figures not measured")
    results["gpu"] = None

  results["total_s"] = time.perf_counter() - t_start
  files.write_text(json_path, json.dumps(results, indent=1, default=float))
  files.write_text(output, render_markdown(results))
  log(f"wrote {output} and {json_path} ({_fmt_s(results['total_s'])})")
  return results


def _define_flags():
  if "output" not in FLAGS:
    flags.DEFINE_string("output", "BENCHMARKS.md", "Markdown report; the raw "
                        "figures go beside it (.json).")
  flags.DEFINE_integer("rows", None, f"Rows of the generated DREAM file "
                       f"(default {FULL_ROWS:,}; {QUICK.rows:,} with "
                       "--quick).", lower_bound=1)
  flags.DEFINE_boolean("quick", False, "Tiny sizes and a tiny model "
                       "(smoke test; figures not representative).")
  flags.DEFINE_string("bench_dir", "bench_output", "Generated data, caches "
                      "and logs (reused between runs).")
  flags.DEFINE_string("bench_worker_spec", None, "Internal: run the model "
                      "benchmark worker described by this JSON file.")


def main(argv):
  from absl import app
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  if FLAGS.bench_worker_spec:
    with open(FLAGS.bench_worker_spec) as f:
      spec = json.load(f)
    result = bench_model(spec)
    files.write_text(spec["output"], json.dumps(result, default=float))
    return
  run_benchmark(FLAGS.output, FLAGS.rows, FLAGS.quick, FLAGS.bench_dir)


if __name__ == "__main__":
  from madlab_dream import errors
  _define_flags()
  errors.run(main, "madlab_dream.bench")
