"""Tables with a header row into the same on-disk cache as the DREAM file.

`preprocess_table(train, cache_dir, config, val_path=, test_path=)` reads
each table (`io.tables.read_table`), assigns the rows to the splits and
standardises every target with its own training mean and sd:

  split column   rows whose `config.split_column` value is in `val_values`
                 validate, in `test_values` test, every other row trains;
  files          --val_data / --test_data: the file is the split;
  neither        the DREAM path's seeded split (`select.select_rows`) of the
                 training file (MadLab's singleton filter is not applied:
                 it is a property of the DREAM reads, said in the log).

The targets are float32 [n] for one target (as the DREAM cache) and
[n, T] for several; the scaler's mean and sd are floats or lists of T.
The cache is reused when every file's SHA-256 and the options match.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable

import numpy as np

from madlab_dream.config import DataConfig
from madlab_dream.data import cache as cache_lib
from madlab_dream.data.select import select_rows
from madlab_dream.errors import InputError
from madlab_dream.io import files
from madlab_dream.io import tables

SPLITS = ("train", "val", "test")


def input_digest(paths: dict[str, str]) -> dict:
  """meta["input"]: the training file's path and bytes, and one SHA-256
  over every file (the training file's own when it is the only one)."""
  digests = {role: cache_lib.fingerprint(path) for role, path in paths.items()}
  combined = digests["train"]
  if len(paths) > 1:
    combined = hashlib.sha256(json.dumps(digests, sort_keys=True).encode()
                              ).hexdigest()
  return {"path": os.path.abspath(paths["train"]), "sha256": combined,
          "bytes": os.path.getsize(paths["train"]),
          "files": {role: {"path": os.path.abspath(path),
                           "sha256": digests[role]}
                    for role, path in paths.items()}}


def _split_masks(rows: tables.TableRows, config: DataConfig, has_val: bool,
                 path: str):
  """{split: bool [n]} for the training file's rows, and the rule."""
  n = len(rows.codes)
  if config.split_column:
    val = _split_values(rows, config, "val_values", path)
    test = _split_values(rows, config, "test_values", path)
    return {"train": ~val & ~test, "val": val, "test": test}, (
        f"--split_column={config.split_column}")
  if has_val:
    return {"train": np.ones(n, bool), "val": np.zeros(n, bool),
            "test": np.zeros(n, bool)}, "files"
  _, val, counts = select_rows(rows.targets[:, 0],
                               config.replace(singleton_keep=1.0))
  return {"train": ~val, "val": val, "test": np.zeros(n, bool)}, (
      counts["validation_rule"])


def _split_values(rows: tables.TableRows, config: DataConfig, name: str,
                  path: str) -> np.ndarray:
  """bool [n]: the rows whose split value is one of --`name`; InputError
  for a value that matches no row (a typo would train on every row)."""
  values = list(getattr(config, name) or ())
  mask = np.isin(rows.split, values)
  unmatched = [v for v in values if not (rows.split == v).any()]
  if unmatched:
    present = sorted(set(rows.split.tolist()))
    shown = ", ".join(map(repr, present[:8])) + (
        f" and {len(present) - 8:,} more" if len(present) > 8 else "")
    raise InputError(f"--{name}: {', '.join(map(repr, unmatched))} matches "
                     f"no row of column {config.split_column!r} (its values: "
                     f"{shown or 'none'})", path)
  return mask


def _split_rows(paths: dict[str, str], config: DataConfig,
                log: Callable[[str], None]):
  """{split: (codes, targets float64 [n, T], lines, lengths)}, counts."""
  parts = {name: [] for name in SPLITS}
  counts = {"read": {}, "skipped": {}}
  for role, path in paths.items():
    log(f"reading {path}")
    rows = tables.read_table(path, config)
    counts["read"][role] = rows.counts["read"]
    if rows.counts["skipped"]:
      counts["skipped"][role] = {reason: len(lines) for reason, lines in
                                 rows.counts["skipped"].items()}
      log(tables.skipped_summary(path, rows.counts))
    if role == "train":
      masks, counts["split_rule"] = _split_masks(rows, config,
                                                 "val" in paths, path)
    else:
      masks = {name: np.full(len(rows.codes), name == role) for name in SPLITS}
    for name in SPLITS:
      m = masks[name]
      parts[name].append((rows.codes[m], rows.targets[m], rows.lines[m],
                          rows.lengths[m]))
  joined = {}
  for name, items in parts.items():
    joined[name] = tuple(np.concatenate([item[k] for item in items])
                         for k in range(4))
  return joined, counts


def _standardise(joined: dict, config: DataConfig, train_path: str):
  """The arrays of each split (targets standardised) and the scaler."""
  train_targets = joined["train"][1]
  if len(train_targets) == 0:
    raise InputError("no training rows (every row is in the validation or "
                     "test split)", train_path)
  mean = train_targets.mean(axis=0)
  sd = train_targets.std(axis=0)
  for name, value in zip(config.target_columns, sd):
    if not value > 0:
      raise InputError(f"target {name!r} is constant over the training "
                       "rows; cannot standardise", train_path)
  arrays = {}
  for name in SPLITS:
    codes, targets, lines, _ = joined[name]
    z = ((targets - mean) / sd).astype(np.float32)
    arrays[f"{name}_codes"] = codes
    arrays[f"{name}_targets"] = z[:, 0] if z.shape[1] == 1 else z
    arrays[f"{name}_rows"] = lines.astype(np.uint32)
  if len(config.target_columns) == 1:
    return arrays, {"mean": float(mean[0]), "sd": float(sd[0])}
  return arrays, {"mean": mean.tolist(), "sd": sd.tolist()}


def _overlap(joined: dict, role: str, paths: dict[str, str],
             log: Callable[[str], None]) -> int:
  """Warns (one line) when rows of the `role` file hold a sequence (as the
  model sees it, L nt) that is also a training row's; returns how many."""
  codes, train = joined[role][0], joined["train"][0]
  if not len(codes) or not len(train):
    return 0
  seen = {row.tobytes() for row in train}
  shared = sum(row.tobytes() in seen for row in codes)
  if shared:
    flag = "--val_data" if role == "val" else "--test_data"
    same = (" (the same file)" if os.path.realpath(paths[role]) ==
            os.path.realpath(paths["train"]) else "")
    log(f"warning: {shared:,} of {len(codes):,} {flag} row"
        f"{'s' * (len(codes) != 1)} hold a sequence that is also in "
        f"--train_data{same}: the {role} figures are not held out")
  return int(shared)


def preprocess_table(train_path: str, cache_dir: str, config: DataConfig,
                     log: Callable[[str], None] = print,
                     val_path: str | None = None,
                     test_path: str | None = None) -> cache_lib.Cache:
  """Builds (or reuses) the cache of the tables; see the module docstring."""
  started = time.perf_counter()
  paths = {role: path for role, path in (("train", train_path),
                                         ("val", val_path),
                                         ("test", test_path)) if path}
  for path in paths.values():
    files.check_regular_file(path, "preprocessing reads it twice (to "
                             "parse it and to fingerprint it)")
  digest = input_digest(paths)
  options = config.to_dict()
  cached = cache_lib.load_cache(cache_dir)
  if (cached is not None and cached.meta["options"] == options and
      cached.meta["input"]["sha256"] == digest["sha256"]):
    log(f"reusing cache {cache_dir} (input and options unchanged)")
    log(summary(cached.meta))
    return cached
  files.check_writable_dir(cache_dir)
  if config.singleton_keep != 1.0:
    log("--singleton_keep applies to the DREAM format only: a table's "
        "rows are all kept")
  joined, counts = _split_rows(paths, config, log)
  for role in ("val", "test"):
    if role in paths:
      counts[f"{role}_in_train"] = _overlap(joined, role, paths, log)
  arrays, scaler = _standardise(joined, config, train_path)
  lengths = np.concatenate([joined[name][3] for name in SPLITS])
  counts.update({"train": len(arrays["train_codes"]),
                 "validation": len(arrays["val_codes"]),
                 "test": len(arrays["test_codes"]),
                 "trimmed": int((lengths > config.seq_len).sum()),
                 "padded": int((lengths < config.seq_len).sum())})
  test = {name: arrays.pop(name) for name in cache_lib.TEST_ARRAYS}
  for name, array in test.items():
    if counts["test"]:
      cache_lib.save_array(cache_dir, name, array)
  meta = {"version": cache_lib.CACHE_VERSION, "format": "table",
          "input": digest, "options": options, "scaler": scaler,
          "targets": list(config.target_columns), "counts": counts,
          "seconds": {"read": round(time.perf_counter() - started, 3)}}
  cache_lib.write_cache(cache_dir, None, arrays, meta, started)
  log(summary(meta))
  return cache_lib.load_cache(cache_dir)


def summary(meta: dict) -> str:
  """One line: rows read per file, skipped, per split, length policy, the
  scaler of each target."""
  counts, options = meta["counts"], meta["options"]
  read = ", ".join(f"{role} {n:,}" for role, n in counts["read"].items())
  skipped = sum(n for by_reason in counts["skipped"].values()
                for n in by_reason.values())
  means = np.atleast_1d(meta["scaler"]["mean"])
  sds = np.atleast_1d(meta["scaler"]["sd"])
  scaler = "; ".join(f"{name} mean {m:.4f} sd {s:.4f}"
                     for name, m, s in zip(meta["targets"], means, sds))
  return (f"rows read: {read}; skipped {skipped:,}; train "
          f"{counts['train']:,}; validation {counts['validation']:,}; test "
          f"{counts['test']:,} (split: {counts['split_rule']}); trimmed to "
          f"{options['seq_len']} nt {counts['trimmed']:,}; padded "
          f"{counts['padded']:,}; {scaler}")


def auto_seq_len(data: DataConfig, paths: list[str]) -> int:
  """seq_len=auto: the longest sequence of the training, validation and
  test tables `paths` (said on stdout); InputError unless `data` reads
  tables and a path is given."""
  if not data.is_table:
    raise InputError("--seq_len=auto needs --sequence_column (a table with "
                     "a header row)")
  if not paths:
    raise InputError("--seq_len=auto needs --train_data")
  longest = max(tables.longest_sequence(path, data) for path in paths)
  print(f"--seq_len=auto: {longest} (the longest sequence of "
        f"{', '.join(paths)})", flush=True)
  return longest
