"""The official scores, computed as the organisers' `evaluation.py` did.

Reproduces the semantics of the organisers' `prixfixe/evaluation.py`:

* Ground truth: `filtered_test_data_with_MAUDE_expression.txt`,
  `sequence<TAB>value`, no header; the position of a sequence is its row
  index (0-based). Rows with no measured value (empty column or NaN) are
  skipped: excluded from every set that holds them, and a pair with such a
  member is excluded.
* Subsets (`test_subset_ids/*.csv`): single positions (`pos` column,
  duplicates removed) or pairs (`alt_pos`, `ref_pos` columns, duplicate pairs
  removed). For pairs the correlation is over within-pair differences,
  prediction[alt] - prediction[ref] against truth[alt] - truth[ref] (the
  original subtracts the other way round on both sides; r and rho are the
  same).
* Public-leaderboard positions (`public_leaderboard_ids/*.json`):
  `exclude` (the original's default, the final leaderboard) drops every public
  position from "all" and the single subsets (public positions = the public
  single positions plus both members of each public pair) and drops the
  public pairs from the pair subsets; `only` keeps just those (what the
  public leaderboard showed); `ignore` scores everything.
* Pearson score = sum(weight * r^2) / 4.65 and Spearman score =
  sum(weight * rho) / 4.65 over "all" and the eight subsets (`WEIGHTS`).

When a subset file is absent the scores are computed over the subsets that
are present, divided by the sum of their weights; the result says so
(`complete`, `score_covers`, `score_weight`, `missing_subsets`). A subset
whose correlation is undefined (fewer than 2 scorable items, or a constant
side) makes the score NaN, as in the original, and is listed in
`undefined_subsets`.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from madlab_dream import metrics
from madlab_dream.errors import InputError
from madlab_dream.scoring.names import PAIR_FILES
from madlab_dream.scoring.names import PUBLIC_MODES
from madlab_dream.scoring.names import SUBSET_NAMES
from madlab_dream.scoring.names import TOTAL_WEIGHT
from madlab_dream.scoring.names import WEIGHTS


def correlations(truth: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
  """(Pearson r, Spearman rho) as scipy computes them; NaN when undefined.

  Undefined: fewer than 2 items, or a side that is constant.
  """
  return metrics.pearson(truth, pred), metrics.spearman(truth, pred)


def _check_mode(mode: str, public) -> str:
  if mode not in PUBLIC_MODES:
    raise ValueError(f"mode must be one of {PUBLIC_MODES}, not {mode!r}")
  if public is None:
    if mode == "only":
      raise InputError("public-leaderboard mode `only` needs the "
                       "public-leaderboard positions (--public_dir)")
    return "ignore"
  return mode


def score(predictions, ground_truth, subsets: Mapping[str, Any],
          public: tuple[set[int], set[tuple[int, int]]] | None = None,
          mode: str = "exclude") -> dict:
  """The challenge's Pearson and Spearman scores, with every correlation.

  Args:
    predictions: [N] predictions in position order (finite).
    ground_truth: [N] measured values; NaN rows are skipped.
    subsets: {name: positions} as from `load_subsets` ([k] or [k, 2]).
    public: (single positions, pairs) from `load_public`, or None.
    mode: what to do with public-leaderboard positions: "exclude" (the
      original's default), "only" or "ignore". Without `public`, "ignore".

  Returns:
    dict with pearson_score, spearman_score (NaN if a correlation is
    undefined), complete, score_covers, score_weight, missing_subsets,
    undefined_subsets, public_mode, counts and subsets: {name: {pearson,
    pearson_squared, spearman, n, weight, kind, listed, skipped_missing_truth,
    public_filtered}} for "all" and each present subset.
  """
  pred = np.asarray(predictions, np.float64).ravel()
  truth = np.asarray(ground_truth, np.float64).ravel()
  n = len(truth)
  if len(pred) != n:
    raise InputError(f"{len(pred):,} predictions but the ground truth has "
                     f"{n:,} rows")
  if not np.all(np.isfinite(pred)):
    bad = int(np.flatnonzero(~np.isfinite(pred))[0])
    raise InputError(f"prediction for position {bad} is not finite")
  unknown = set(subsets) - set(SUBSET_NAMES)
  if unknown:
    raise ValueError(f"unknown subsets {sorted(unknown)}; known: "
                     f"{list(SUBSET_NAMES)}")
  mode = _check_mode(mode, public)
  valid = np.isfinite(truth)

  public_single: set[int] = set()
  public_pairs: set[tuple[int, int]] = set()
  public_mask = np.zeros(n, bool)
  if public is not None:
    public_single = {int(p) for p in public[0]}
    public_pairs = {(int(a), int(b)) for a, b in public[1]}
    members = public_single | {p for pair in public_pairs for p in pair}
    idx = np.fromiter(members, np.int64, len(members))
    if idx.size and (idx.min() < 0 or idx.max() >= n):
      raise InputError(f"public-leaderboard position {int(idx.max())} is out "
                       f"of range: the ground truth has {n:,} rows")
    public_mask[idx] = True

  results: dict[str, dict] = {}

  def keep_single(positions: np.ndarray) -> np.ndarray:
    if mode == "exclude":
      return positions[~public_mask[positions]]
    if mode == "only":
      return positions[public_mask[positions]]
    return positions

  def add(name, kind, listed, kept, used, x_truth, x_pred):
    r, rho = correlations(x_truth, x_pred)
    results[name] = {
        "pearson": r, "pearson_squared": r * r, "spearman": rho,
        "n": int(used), "weight": WEIGHTS[name], "kind": kind,
        "listed": int(listed), "public_filtered": int(listed - kept),
        "skipped_missing_truth": int(kept - used)}

  everything = np.arange(n)
  kept = keep_single(everything)
  used = kept[valid[kept]]
  add("all", "single", n, len(kept), len(used), truth[used], pred[used])

  for name in SUBSET_NAMES:
    if name not in subsets:
      continue
    positions = np.asarray(subsets[name], np.int64)
    is_pair = name in PAIR_FILES
    if is_pair:
      positions = positions.reshape(-1, 2)
      positions = (np.unique(positions, axis=0) if len(positions)
                   else positions)
    else:
      positions = np.unique(positions.ravel())
    if positions.size and (positions.min() < 0 or positions.max() >= n):
      raise InputError(f"subset {name}: position {int(positions.max())} is "
                       f"out of range: the ground truth has {n:,} rows")
    if is_pair:
      if mode == "ignore":
        keep = np.ones(len(positions), bool)
      else:
        in_public = np.array([(int(a), int(b)) in public_pairs
                              for a, b in positions], bool).reshape(-1)
        keep = ~in_public if mode == "exclude" else in_public
      kept_pairs = positions[keep]
      ok = valid[kept_pairs[:, 0]] & valid[kept_pairs[:, 1]]
      usable = kept_pairs[ok]
      alt, ref = usable[:, 0], usable[:, 1]
      add(name, "pair", len(positions), len(kept_pairs), len(usable),
          truth[alt] - truth[ref], pred[alt] - pred[ref])
    else:
      kept = keep_single(positions)
      used = kept[valid[kept]]
      add(name, "single", len(positions), len(kept), len(used), truth[used],
          pred[used])

  missing = [name for name in SUBSET_NAMES if name not in subsets]
  covers = list(results)
  complete = not missing
  weight = TOTAL_WEIGHT if complete else math.fsum(WEIGHTS[c] for c in covers)
  undefined = [c for c in covers if math.isnan(results[c]["pearson"])]
  # Summed left to right in the official order, as the original does, so a
  # complete result equals the official formula to the last bit.
  pearson_sum = spearman_sum = 0.0
  for c in covers:
    pearson_sum += WEIGHTS[c] * results[c]["pearson"] ** 2
    spearman_sum += WEIGHTS[c] * results[c]["spearman"]
  pearson_score = pearson_sum / weight
  spearman_score = spearman_sum / weight
  return {
      "pearson_score": pearson_score,
      "spearman_score": spearman_score,
      "complete": complete,
      "score_covers": covers,
      "score_weight": weight,
      "missing_subsets": missing,
      "undefined_subsets": undefined,
      "public_mode": mode,
      "counts": {
          "ground_truth_rows": n,
          "skipped_missing_truth": int((~valid).sum()),
          "public_single_positions": len(public_single),
          "public_pairs": len(public_pairs),
          "public_positions": int(public_mask.sum()),
      },
      "subsets": results,
  }
