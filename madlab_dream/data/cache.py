"""MadLab's preprocessing into an on-disk cache, reused while nothing changed.

File -> `io.dream.read` -> `select.select_rows` (seeded coin flip on
whole-number rows, fixed disjoint split) -> standardise with the kept rows'
mean and sd -> cache directory:

  train_codes.npy   uint8   [n_train, L]   encoded sequences (A,C,G,T,N=0..4)
  train_targets.npy float32 [n_train]      standardised expression
  train_rows.npy    uint32  [n_train]      0-based row of each in the file
  val_codes.npy / val_targets.npy / val_rows.npy   the same for validation
  test_codes.npy / test_targets.npy / test_rows.npy  a table's test split
                    (tables only, `data.table_cache`; there the targets are
                    [n, T] when T > 1 and the rows are the file's lines)
  meta.json         scaler, options (the DataConfig), counts, the input's
                    SHA-256, version; written last: it marks a complete cache

The cache is reused when the input's SHA-256 and the options match.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import json
import os
import time
from typing import Any
from typing import Callable

import numpy as np

from madlab_dream.config import DataConfig
from madlab_dream.data.select import select_rows
from madlab_dream.errors import InputError
from madlab_dream.io import dream
from madlab_dream.io import files

CACHE_VERSION = 1
_ARRAYS = ("train_codes", "train_targets", "train_rows", "val_codes",
           "val_targets", "val_rows")
#: A table's test split: present only when it has one.
TEST_ARRAYS = ("test_codes", "test_targets", "test_rows")


def fingerprint(path: str) -> str:
  """SHA-256 of the file's bytes (as stored, compressed or not)."""
  path = files.check_readable(path)
  with open(path, "rb") as f:
    return hashlib.file_digest(f, "sha256").hexdigest()


@dataclasses.dataclass
class Cache:
  """A preprocessed dataset; arrays are memory-mapped from `directory`."""
  directory: str
  meta: dict[str, Any]
  train_codes: np.ndarray
  train_targets: np.ndarray
  train_rows: np.ndarray
  val_codes: np.ndarray
  val_targets: np.ndarray
  val_rows: np.ndarray
  test_codes: np.ndarray | None = None
  test_targets: np.ndarray | None = None
  test_rows: np.ndarray | None = None

  @property
  def mean(self) -> float | np.ndarray:
    """The training mean: a float, or float64 [T] with several targets."""
    return _scalar_or_array(self.meta["scaler"]["mean"])

  @property
  def sd(self) -> float | np.ndarray:
    """The training sd: a float, or float64 [T] with several targets."""
    return _scalar_or_array(self.meta["scaler"]["sd"])

  @property
  def target_names(self) -> list[str]:
    """The targets' names ("expression" for the DREAM format)."""
    return list(self.meta.get("targets", ["expression"]))

  @property
  def has_test(self) -> bool:
    return self.test_codes is not None and len(self.test_codes) > 0

  @property
  def seq_len(self) -> int:
    return int(self.meta["options"]["seq_len"])

  def to_expression(self, standardised: np.ndarray) -> np.ndarray:
    """Standardised predictions -> the original expression scale."""
    return np.asarray(standardised, np.float64) * self.sd + self.mean


def _scalar_or_array(value) -> float | np.ndarray:
  if isinstance(value, (list, tuple)):
    return np.asarray(value, np.float64)
  return float(value)


def load_cache(directory: str) -> Cache | None:
  """Loads a complete cache (memory-mapped), or None if there is none."""
  meta_path = os.path.join(directory, "meta.json")
  if not os.path.exists(meta_path):
    return None
  try:
    with open(meta_path) as f:
      meta = json.load(f)
    arrays = {name: np.load(os.path.join(directory, f"{name}.npy"),
                            mmap_mode="r") for name in _ARRAYS}
    if meta.get("counts", {}).get("test"):
      arrays.update({name: np.load(os.path.join(directory, f"{name}.npy"),
                                   mmap_mode="r") for name in TEST_ARRAYS})
  except (OSError, ValueError):
    return None
  if meta.get("version") != CACHE_VERSION:
    return None
  if (len(arrays["train_codes"]) != meta["counts"]["train"] or
      len(arrays["val_codes"]) != meta["counts"]["validation"]):
    return None
  return Cache(directory, meta, **arrays)


def preprocess(input_path: str, cache_dir: str,
               config: DataConfig | None = None,
               log: Callable[[str], None] = print) -> Cache:
  """Builds the cache for `input_path` in `cache_dir`, or reuses it.

  Args:
    input_path: a DREAM training file (plain or gzip; a regular file, not
      a pipe: it is read twice, and a pipe is refused before any work).
    cache_dir: the cache directory (created if needed).
    config: the preprocessing settings (default: MadLab's).
    log: receives one line per step and the counts.
  """
  config = config or DataConfig()
  started = time.perf_counter()
  files.check_regular_file(input_path, "preprocessing reads it twice (to "
                           "parse it and to fingerprint it)")
  cached, rows, digest = _read_unless_cached(input_path, cache_dir, config,
                                             log)
  if cached is not None:
    return cached
  read_seconds = time.perf_counter() - started
  arrays, scaler, counts = _select_and_standardise(rows, config, input_path)
  codes = rows.codes
  del rows  # only the codes are needed from here on
  meta = {
      "version": CACHE_VERSION,
      "input": {"path": os.path.abspath(input_path), "sha256": digest,
                "bytes": os.path.getsize(input_path)},
      "options": config.to_dict(),
      "scaler": scaler,
      "counts": counts,
      "seconds": {"read": round(read_seconds, 3)},
  }
  write_cache(cache_dir, codes, arrays, meta, started)
  cache = load_cache(cache_dir)
  log(summary(meta))
  return cache


def _read_unless_cached(input_path: str, cache_dir: str, config: DataConfig,
                        log: Callable[[str], None]):
  """(cache, None, None) when a complete cache of the same input and options
  is there, else (None, the parsed file's dream.Rows, its SHA-256).

  The SHA-256 runs in a thread (hashlib releases the GIL) while the file is
  parsed, unless a cache with the same options may be reused.
  """
  options = config.to_dict()
  with concurrent.futures.ThreadPoolExecutor(1) as pool:
    digest_future = pool.submit(fingerprint, input_path)
    cached = load_cache(cache_dir)
    if cached is not None and cached.meta["options"] == options:
      if cached.meta["input"]["sha256"] == digest_future.result():
        log(f"reusing cache {cache_dir} (input and options unchanged)")
        log(summary(cached.meta))
        return cached, None, None
    files.check_writable_dir(cache_dir)
    log(f"reading {input_path}")
    rows = dream.read(input_path, options["seq_len"], require_expression=True)
    return None, rows, digest_future.result()


def _select_and_standardise(rows: dream.Rows, config: DataConfig,
                            input_path: str):
  """MadLab's filter and split, then the targets standardised with the kept
  rows' mean and sd: ({name: array} of the rows and targets of each set,
  the scaler, the counts)."""
  keep, val, counts = select_rows(rows.expression, config)
  seq_len = config.seq_len
  counts["trimmed"] = int((rows.lengths > seq_len).sum())
  counts["padded"] = int((rows.lengths < seq_len).sum())
  if counts["train"] == 0:
    raise InputError("no training rows left after filtering and the split",
                     input_path)
  kept_rows = np.flatnonzero(keep).astype(np.uint32)
  expression = rows.expression[keep]
  mean = float(expression.mean())
  sd = float(expression.std())
  if not sd > 0:
    raise InputError("expression is constant over the kept rows; cannot "
                     "standardise", input_path)
  targets = ((expression - mean) / sd).astype(np.float32)
  arrays = {
      "train_rows": kept_rows[~val], "val_rows": kept_rows[val],
      "train_targets": targets[~val], "val_targets": targets[val],
  }
  return arrays, {"mean": mean, "sd": sd}, counts


def write_cache(cache_dir: str, codes: np.ndarray,
                 arrays: dict[str, np.ndarray], meta: dict,
                 started: float) -> None:
  """The arrays, then meta.json: the commit marker, removed first and
  written last."""
  meta_path = os.path.join(cache_dir, "meta.json")
  needed = sum(a.nbytes for a in arrays.values())
  if codes is not None:  # the codes of the rows kept, gathered at the write
    rows = len(arrays["train_rows"]) + len(arrays["val_rows"])
    needed += rows * codes.shape[1]
  files.check_free_space(cache_dir, needed + (64 << 10), "the data cache")
  if os.path.exists(meta_path):
    os.remove(meta_path)
  for name in ("train", "val"):
    if f"{name}_codes" not in arrays:
      save_array(cache_dir, f"{name}_codes", codes[arrays[f"{name}_rows"]])
  for name, array in arrays.items():
    save_array(cache_dir, name, array)
  meta["seconds"]["total"] = round(time.perf_counter() - started, 3)
  files.write_text(meta_path, json.dumps(meta, indent=1))


def save_array(directory: str, name: str, array: np.ndarray) -> None:
  with files.atomic_path(os.path.join(directory, f"{name}.npy")) as tmp:
    np.save(tmp, np.ascontiguousarray(array))


def summary(meta: dict[str, Any]) -> str:
  """One line: the counts of every step and the scaler."""
  counts, options, scaler = meta["counts"], meta["options"], meta["scaler"]
  rule = counts.get("validation_rule", "")
  rule = f" ({rule})" if rule.startswith("--val_fraction gave") else ""
  return (f"rows read {counts['read']:,}; whole-number "
          f"{counts['whole_number']:,}; dropped {counts['dropped']:,} "
          f"(singleton_keep={options['singleton_keep']}); kept "
          f"{counts['kept']:,}; train {counts['train']:,}; validation "
          f"{counts['validation']:,}{rule}; trimmed to {options['seq_len']} "
          f"nt {counts['trimmed']:,}; padded {counts['padded']:,}; mean "
          f"{scaler['mean']:.4f} sd {scaler['sd']:.4f}")


