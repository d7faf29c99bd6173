"""MadLab's row filter and a fixed, disjoint train/validation split.

Each row whose expression is a whole number (a read observed once) is kept
with probability `singleton_keep` (a seeded coin flip per row); every other
row is kept. A seeded round(val_fraction x kept) of the kept rows form the
validation set. Every count is returned, so nothing is dropped silently.
"""

from __future__ import annotations

import numpy as np


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
