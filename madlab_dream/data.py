"""MadLab's preprocessing, an on-disk cache, and the tf.data pipelines.

File -> `dream_io.read` -> filter whole-number rows (seeded coin flip) ->
standardise with the kept rows' mean and sd -> fixed, seeded, disjoint
train/validation split -> cache directory:

  train_codes.npy   uint8   [n_train, L]   encoded sequences (A,C,G,T,N=0..4)
  train_targets.npy float32 [n_train]      standardised expression
  train_rows.npy    uint32  [n_train]      0-based row of each in the file
  val_codes.npy / val_targets.npy / val_rows.npy   the same for validation
  meta.json         scaler, options, counts, input fingerprint, version

The cache is reused when the input's SHA-256 and the options match. Batches
carry uint8 codes; one-hot encoding happens inside the model, so the host
never holds float one-hot arrays.

CLI: python -m madlab_dream.data --input=FILE --output_dir=DIR
         [--seq_len=110 --singleton_keep=0.5 --val_fraction=0.02 --seed=42]
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import json
import os
import time
from typing import Any, Callable

import numpy as np

from madlab_dream import dream_io
from madlab_dream import files
from madlab_dream import options
from madlab_dream.errors import InputError

CACHE_VERSION = 1
_ARRAYS = ("train_codes", "train_targets", "train_rows", "val_codes",
           "val_targets", "val_rows")


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

  @property
  def mean(self) -> float:
    return float(self.meta["scaler"]["mean"])

  @property
  def sd(self) -> float:
    return float(self.meta["scaler"]["sd"])

  @property
  def seq_len(self) -> int:
    return int(self.meta["options"]["seq_len"])

  def to_expression(self, standardised: np.ndarray) -> np.ndarray:
    """Standardised predictions -> the original expression scale."""
    return np.asarray(standardised, np.float64) * self.sd + self.mean


def _options(seq_len, singleton_keep, val_fraction, seed) -> dict[str, Any]:
  opts = {
      "seq_len": options.value("seq_len") if seq_len is None else seq_len,
      "singleton_keep": (options.value("singleton_keep")
                         if singleton_keep is None else singleton_keep),
      "val_fraction": (options.value("val_fraction")
                       if val_fraction is None else val_fraction),
      "seed": options.value("seed") if seed is None else seed,
  }
  if not 0.0 <= opts["singleton_keep"] <= 1.0:
    raise InputError(f"--singleton_keep must be in [0, 1], got "
                     f"{opts['singleton_keep']}")
  if not 0.0 <= opts["val_fraction"] < 1.0:
    raise InputError(f"--val_fraction must be in [0, 1), got "
                     f"{opts['val_fraction']}")
  if opts["seq_len"] < 1:
    raise InputError(f"--seq_len must be positive, got {opts['seq_len']}")
  return {k: (float(v) if k in ("singleton_keep", "val_fraction") else int(v))
          for k, v in opts.items()}


def select_rows(expression: np.ndarray, singleton_keep: float,
                val_fraction: float, seed: int):
  """MadLab's row filter and a disjoint split, both seeded.

  Returns (keep mask [N], val mask over kept rows [n_kept], counts dict).
  Each whole-number row is kept with probability `singleton_keep`; all other
  rows are kept. round(val_fraction * n_kept) kept rows go to validation.
  """
  whole = np.floor(expression) == expression
  coin = np.random.default_rng([seed, 0]).random(len(expression))
  keep = ~whole | (coin < singleton_keep)
  n_kept = int(keep.sum())
  n_val = int(round(val_fraction * n_kept))
  val = np.zeros(n_kept, bool)
  val[np.random.default_rng([seed, 1]).permutation(n_kept)[:n_val]] = True
  counts = {"read": int(len(expression)), "whole_number": int(whole.sum()),
            "dropped": int(len(expression) - n_kept), "kept": n_kept,
            "train": n_kept - n_val, "validation": n_val}
  return keep, val, counts


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
  except (OSError, ValueError):
    return None
  if meta.get("version") != CACHE_VERSION:
    return None
  if (len(arrays["train_codes"]) != meta["counts"]["train"] or
      len(arrays["val_codes"]) != meta["counts"]["validation"]):
    return None
  return Cache(directory, meta, **arrays)


def preprocess(input_path: str, cache_dir: str, seq_len: int | None = None,
               singleton_keep: float | None = None,
               val_fraction: float | None = None, seed: int | None = None,
               log: Callable[[str], None] = print) -> Cache:
  """Builds the cache for `input_path` in `cache_dir`, or reuses it."""
  opts = _options(seq_len, singleton_keep, val_fraction, seed)
  t0 = time.perf_counter()
  files.check_readable(input_path)
  # The SHA-256 runs in a thread (hashlib releases the GIL) while the file
  # is parsed, unless a cache with the same options may be reused.
  with concurrent.futures.ThreadPoolExecutor(1) as pool:
    digest_future = pool.submit(fingerprint, input_path)
    cached = load_cache(cache_dir)
    if cached is not None and cached.meta["options"] == opts:
      if cached.meta["input"]["sha256"] == digest_future.result():
        log(f"reusing cache {cache_dir} (input and options unchanged)")
        log(summary(cached.meta))
        return cached
    files.check_writable_dir(cache_dir)
    log(f"reading {input_path}")
    rows = dream_io.read(input_path, opts["seq_len"], require_expression=True)
    digest = digest_future.result()
  t_read = time.perf_counter() - t0
  keep, val, counts = select_rows(rows.expression, opts["singleton_keep"],
                                  opts["val_fraction"], opts["seed"])
  L = opts["seq_len"]
  counts["trimmed"] = int((rows.lengths > L).sum())
  counts["padded"] = int((rows.lengths < L).sum())
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
  codes = rows.codes
  del rows
  arrays = {
      "train_rows": kept_rows[~val], "val_rows": kept_rows[val],
      "train_targets": targets[~val], "val_targets": targets[val],
  }
  meta = {
      "version": CACHE_VERSION,
      "input": {"path": os.path.abspath(input_path), "sha256": digest,
                "bytes": os.path.getsize(input_path)},
      "options": opts,
      "scaler": {"mean": mean, "sd": sd},
      "counts": counts,
      "seconds": {"read": round(t_read, 3)},
  }
  # meta.json is the commit marker: removed first, written last.
  meta_path = os.path.join(cache_dir, "meta.json")
  if os.path.exists(meta_path):
    os.remove(meta_path)
  for name in ("train", "val"):
    rows_of = arrays[f"{name}_rows"]
    _save(cache_dir, f"{name}_codes", codes[rows_of])
  for name, array in arrays.items():
    _save(cache_dir, name, array)
  meta["seconds"]["total"] = round(time.perf_counter() - t0, 3)
  files.write_text(meta_path, json.dumps(meta, indent=1))
  cache = load_cache(cache_dir)
  log(summary(meta))
  return cache


def _save(directory: str, name: str, array: np.ndarray) -> None:
  with files.atomic_path(os.path.join(directory, f"{name}.npy")) as tmp:
    np.save(tmp, np.ascontiguousarray(array))


def summary(meta: dict[str, Any]) -> str:
  c, o, s = meta["counts"], meta["options"], meta["scaler"]
  return (f"rows read {c['read']:,}; whole-number {c['whole_number']:,}; "
          f"dropped {c['dropped']:,} (singleton_keep={o['singleton_keep']}); "
          f"kept {c['kept']:,}; train {c['train']:,}; validation "
          f"{c['validation']:,}; trimmed to {o['seq_len']} nt {c['trimmed']:,}; "
          f"padded {c['padded']:,}; mean {s['mean']:.4f} sd {s['sd']:.4f}")


# --- tf.data -----------------------------------------------------------------

def batches_per_pass(n: int, batch_size: int) -> int:
  return n // batch_size


def train_dataset(codes: np.ndarray, targets: np.ndarray, batch_size: int,
                  seed: int, start_step: int = 0, input_context=None):
  """Infinite stream of shuffled training batches (codes uint8, targets).

  Each pass over the data is a fresh permutation drawn from (seed, pass), cut
  into floor(n / batch_size) full batches (the n mod batch_size rows left over
  differ from pass to pass). The stream starts at global step `start_step`,
  so a resumed run sees exactly the batches an uninterrupted run would.

  With a `tf.distribute.InputContext`, each input pipeline yields its own
  slice of every global batch, split into per-replica batches, so the global
  batch is the same whatever the number of workers and replicas.

  Yields (codes uint8 [b, L], targets float32 [b, 1]).
  """
  import tensorflow as tf

  n = len(codes)
  nb = batches_per_pass(n, batch_size)
  if nb == 0:
    raise InputError(f"batch size {batch_size} is larger than the training "
                     f"set ({n} rows)")
  codes_t = tf.constant(np.asarray(codes))
  targets_t = tf.constant(np.asarray(targets, np.float32))
  pipelines, pipeline_id, replicas = 1, 0, 1
  if input_context is not None:
    pipelines = input_context.num_input_pipelines
    pipeline_id = input_context.input_pipeline_id
    replicas = input_context.num_replicas_in_sync // pipelines
  per_replica = batch_size // (pipelines * replicas)
  if per_replica * pipelines * replicas != batch_size:
    raise InputError(f"batch size {batch_size} is not divisible by the "
                     f"{pipelines * replicas} replicas")

  def one_pass(p):
    perm = tf.random.experimental.stateless_shuffle(
        tf.range(n, dtype=tf.int64), seed=tf.stack([tf.constant(seed, tf.int64), p]))
    return tf.data.Dataset.from_tensor_slices(
        tf.reshape(perm[:nb * batch_size], [nb, batch_size]))

  def local(index):  # this pipeline's replica batches of one global batch
    mine = tf.reshape(index, [pipelines, replicas, per_replica])[pipeline_id]
    return tf.data.Dataset.from_tensor_slices(mine)

  def gather(index):
    return tf.gather(codes_t, index), tf.gather(targets_t, index)[:, None]

  start_pass, offset = divmod(int(start_step), nb)
  ds = tf.data.Dataset.counter(start_pass).flat_map(one_pass).skip(offset)
  if pipelines * replicas > 1:
    ds = ds.flat_map(local)
  ds = ds.map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
  options_ = tf.data.Options()
  options_.experimental_distribute.auto_shard_policy = (
      tf.data.experimental.AutoShardPolicy.OFF)
  options_.deterministic = True
  return ds.with_options(options_).prefetch(tf.data.AUTOTUNE)


def eval_dataset(codes: np.ndarray, batch_size: int):
  """Finite, ordered batches of codes (uint8 [b, L]) for prediction."""
  import tensorflow as tf
  ds = tf.data.Dataset.from_tensor_slices(np.asarray(codes))
  return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


# --- CLI -----------------------------------------------------------------------

def _define_flags():
  from absl import flags
  if "input" not in flags.FLAGS:
    flags.DEFINE_string("input", None, "DREAM-format file to preprocess.")
  if "output_dir" not in flags.FLAGS:
    flags.DEFINE_string("output_dir", None, "Output directory.")


def main(argv):
  from absl import app
  from absl import flags
  FLAGS = flags.FLAGS
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  if not FLAGS.input or not FLAGS.output_dir:
    raise InputError("--input and --output_dir are required")
  preprocess(FLAGS.input, FLAGS.output_dir)


if __name__ == "__main__":
  from madlab_dream import errors
  _define_flags()
  errors.run(main, "madlab_dream.data")
