"""MadLab's row filter and a fixed, disjoint train/validation split.

Each row whose expression is a whole number (a read observed once) is kept
with probability `singleton_keep` (a seeded coin flip per row); every other
row is kept. The validation set is a seeded sample of the kept rows
(`split="random"`) or the last kept rows of the file (`split="tail"`); its
size is `val_rows`, else round(val_fraction x kept) raised to `min_val_rows`
(at most half the kept rows). Every count is returned, so nothing is
dropped silently.
"""

from __future__ import annotations

import numpy as np

from madlab_dream.config import DataConfig
from madlab_dream.errors import InputError


def validation_size(n_kept: int, config: DataConfig) -> tuple[int, str]:
  """(validation rows, how the number was chosen) for `n_kept` kept rows."""
  if config.val_rows is not None:
    if config.val_rows >= n_kept:
      raise InputError(f"--val_rows={config.val_rows} leaves no training "
                       f"rows ({n_kept:,} rows kept)")
    return config.val_rows, "--val_rows"
  n = int(round(config.val_fraction * n_kept))
  if config.val_fraction == 0 or n >= config.min_val_rows:
    return n, "--val_fraction"
  floor = min(config.min_val_rows, n_kept // 2)
  if floor <= n:
    return n, "--val_fraction"
  return floor, (f"--val_fraction gave {n:,}; raised to {floor:,} by "
                 f"--min_val_rows={config.min_val_rows:,}")


def check_validation(targets: np.ndarray, rule: str) -> None:
  """Refuses, before any training, a validation set on which Pearson r
  (the best-epoch rule) is undefined: 1 row, or every target equal. No
  validation set at all (0 rows) is allowed: then the last epoch is kept."""
  if len(targets) == 1:
    raise InputError(f"a validation set of 1 row ({rule}): Pearson r, which "
                     "selects the best epoch, needs at least 2 rows; raise "
                     "--val_rows or --val_fraction (or 0 for none)")
  if len(targets) > 1 and np.ptp(targets) == 0:
    raise InputError(f"all {len(targets):,} validation targets are equal "
                     f"({targets[0]:g}; {rule}): Pearson r, which selects "
                     "the best epoch, is undefined; use more or other rows")


def select_rows(expression: np.ndarray, config: DataConfig):
  """The row filter and the split, both seeded by `config.seed`.

  Args:
    expression: float [N], the file's expression column.
    config: singleton_keep, the validation size settings, seed.

  Returns:
    (keep mask [N], validation mask over the kept rows [n_kept], counts:
    read, whole_number, dropped, kept, train, validation, validation_rule).
  """
  whole = np.floor(expression) == expression
  coin = np.random.default_rng([config.seed, 0]).random(len(expression))
  keep = ~whole | (coin < config.singleton_keep)
  n_kept = int(keep.sum())
  n_val, rule = validation_size(n_kept, config)
  val = np.zeros(n_kept, bool)
  if config.split == "tail":
    val[n_kept - n_val:] = True
  else:
    val[np.random.default_rng([config.seed, 1]).permutation(n_kept)[
        :n_val]] = True
  check_validation(expression[keep][val], rule)
  counts = {"read": int(len(expression)), "whole_number": int(whole.sum()),
            "dropped": int(len(expression) - n_kept), "kept": n_kept,
            "train": n_kept - n_val, "validation": n_val,
            "validation_rule": rule}
  return keep, val, counts
