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

import dataclasses
import math
from typing import Any
from typing import Mapping

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
  pred, truth = _checked_arrays(predictions, ground_truth)
  unknown = set(subsets) - set(SUBSET_NAMES)
  if unknown:
    raise ValueError(f"unknown subsets {sorted(unknown)}; known: "
                     f"{list(SUBSET_NAMES)}")
  mode = _check_mode(mode, public)
  scorer = _SubsetScorer(pred, truth, _PublicPositions.of(public, len(truth)),
                         mode)
  scorer.add_singles("all", np.arange(len(truth)))
  for name in SUBSET_NAMES:
    if name in subsets:
      scorer.add_subset(name, subsets[name])
  return _combined(scorer, [name for name in SUBSET_NAMES
                            if name not in subsets])


def _checked_arrays(predictions, ground_truth):
  """(predictions, truth) as float64 [N]; InputError on a length mismatch
  or a non-finite prediction."""
  pred = np.asarray(predictions, np.float64).ravel()
  truth = np.asarray(ground_truth, np.float64).ravel()
  if len(pred) != len(truth):
    raise InputError(f"{len(pred):,} predictions but the ground truth has "
                     f"{len(truth):,} rows")
  if not np.all(np.isfinite(pred)):
    bad = int(np.flatnonzero(~np.isfinite(pred))[0])
    raise InputError(f"prediction for position {bad} is not finite")
  return pred, truth


@dataclasses.dataclass(frozen=True)
class _PublicPositions:
  """The public leaderboard's single positions and pairs, and the mask of
  every public position (the singles plus both members of each pair)."""
  single: set[int]
  pairs: set[tuple[int, int]]
  mask: np.ndarray

  @classmethod
  def of(cls, public, n: int) -> _PublicPositions:
    if public is None:
      return cls(set(), set(), np.zeros(n, bool))
    single = {int(p) for p in public[0]}
    pairs = {(int(a), int(b)) for a, b in public[1]}
    members = single | {p for pair in pairs for p in pair}
    positions = np.fromiter(members, np.int64, len(members))
    if positions.size and (positions.min() < 0 or positions.max() >= n):
      raise InputError(f"public-leaderboard position {int(positions.max())} "
                       f"is out of range: the ground truth has {n:,} rows")
    mask = np.zeros(n, bool)
    mask[positions] = True
    return cls(single, pairs, mask)


class _SubsetScorer:
  """The correlations of "all" and each subset, filtered by `mode`."""

  def __init__(self, pred: np.ndarray, truth: np.ndarray,
               public: _PublicPositions, mode: str):
    self.pred, self.truth, self.public, self.mode = pred, truth, public, mode
    self.valid = np.isfinite(truth)
    self.results: dict[str, dict] = {}

  def add_subset(self, name: str, listed) -> None:
    """Scores one subset file's positions (pairs or singles)."""
    n = len(self.truth)
    positions = np.asarray(listed, np.int64)
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
      self.add_pairs(name, positions)
    else:
      self.add_singles(name, positions)

  def add_singles(self, name: str, positions: np.ndarray) -> None:
    if self.mode == "exclude":
      kept = positions[~self.public.mask[positions]]
    elif self.mode == "only":
      kept = positions[self.public.mask[positions]]
    else:
      kept = positions
    used = kept[self.valid[kept]]
    self._add(name, "single", len(positions), len(kept), len(used),
              self.truth[used], self.pred[used])

  def add_pairs(self, name: str, positions: np.ndarray) -> None:
    """Pairs are scored on within-pair differences, alt - ref."""
    if self.mode == "ignore":
      keep = np.ones(len(positions), bool)
    else:
      in_public = np.array([(int(a), int(b)) in self.public.pairs
                            for a, b in positions], bool).reshape(-1)
      keep = ~in_public if self.mode == "exclude" else in_public
    kept = positions[keep]
    usable = kept[self.valid[kept[:, 0]] & self.valid[kept[:, 1]]]
    alt, ref = usable[:, 0], usable[:, 1]
    self._add(name, "pair", len(positions), len(kept), len(usable),
              self.truth[alt] - self.truth[ref],
              self.pred[alt] - self.pred[ref])

  def _add(self, name, kind, listed, kept, used, x_truth, x_pred) -> None:
    r, rho = correlations(x_truth, x_pred)
    self.results[name] = {
        "pearson": r, "pearson_squared": r * r, "spearman": rho,
        "n": int(used), "weight": WEIGHTS[name], "kind": kind,
        "listed": int(listed), "public_filtered": int(listed - kept),
        "skipped_missing_truth": int(kept - used)}


def _combined(scorer: _SubsetScorer, missing: list[str]) -> dict:
  """The weighted scores over the subsets scored, and the whole result."""
  results = scorer.results
  covers = list(results)
  complete = not missing
  weight = (TOTAL_WEIGHT if complete else
            math.fsum(WEIGHTS[name] for name in covers))
  undefined = [name for name in covers if math.isnan(results[name]["pearson"])]
  # Summed left to right in the official order, as the original does, so a
  # complete result equals the official formula to the last bit.
  pearson_sum = spearman_sum = 0.0
  for name in covers:
    pearson_sum += WEIGHTS[name] * results[name]["pearson"] ** 2
    spearman_sum += WEIGHTS[name] * results[name]["spearman"]
  public = scorer.public
  return {
      "pearson_score": pearson_sum / weight,
      "spearman_score": spearman_sum / weight,
      "complete": complete,
      "score_covers": covers,
      "score_weight": weight,
      "missing_subsets": missing,
      "undefined_subsets": undefined,
      "public_mode": scorer.mode,
      "counts": {
          "ground_truth_rows": len(scorer.truth),
          "skipped_missing_truth": int((~scorer.valid).sum()),
          "public_single_positions": len(public.single),
          "public_pairs": len(public.pairs),
          "public_positions": int(public.mask.sum()),
      },
      "subsets": results,
  }
