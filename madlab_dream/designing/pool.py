"""Scored sequences of many designs at once, as parallel arrays.

A `Pool` row is one sequence (window codes uint8 [L]) of design `design`,
with its score, the models' mean, sd and each model's prediction, whether
it lies in the trusted range, and its Hamming distance to its start
(`edits`). The greedy search keeps its beams as a Pool; the genetic
algorithm its population; both return their designs as one.
"""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass
class Pool:
  design: np.ndarray     # int64 [P]: which start / design
  codes: np.ndarray      # uint8 [P, L]
  score: np.ndarray      # float64 [P]; -inf: never selected
  mean: np.ndarray       # float64 [P]
  sd: np.ndarray         # float64 [P]
  members: np.ndarray    # float32 [M, P]
  in_range: np.ndarray   # bool [P]
  edits: np.ndarray      # int64 [P]

  def __len__(self) -> int:
    return len(self.design)

  @classmethod
  def scored(cls, scorer, design, codes, edits) -> "Pool":
    """Scores `codes` with `scorer` (an `objective.Scorer`)."""
    s = scorer(codes)
    return cls(np.asarray(design, np.int64), codes, s["score"], s["mean"],
               s["sd"], s["members"], s["in_range"],
               np.asarray(edits, np.int64))

  def take(self, index) -> "Pool":
    index = np.asarray(index)
    return Pool(self.design[index], self.codes[index], self.score[index],
                self.mean[index], self.sd[index], self.members[:, index],
                self.in_range[index], self.edits[index])

  @staticmethod
  def concat(pools: list["Pool"]) -> "Pool":
    return Pool(*(np.concatenate([getattr(p, f.name) for p in pools],
                                 axis=1 if f.name == "members" else 0)
                  for f in dataclasses.fields(Pool)))


def unique_rows(design: np.ndarray, codes: np.ndarray) -> np.ndarray:
  """Indices of the first occurrence of each distinct (design, codes)."""
  keys = np.concatenate([design.astype("<i8").view(np.uint8).reshape(
      len(design), 8), codes], axis=1)
  keys = np.ascontiguousarray(keys).view(
      np.dtype((np.void, keys.shape[1]))).ravel()
  _, first = np.unique(keys, return_index=True)
  return np.sort(first)


def best_per_design(pool: Pool, k: int, prefer: np.ndarray | None = None
                    ) -> np.ndarray:
  """Indices of up to `k` best rows of each design (score > -inf, distinct
  sequences), by design then score; ties go to rows where `prefer`."""
  tie = np.zeros(len(pool), bool) if prefer is None else ~prefer
  order = np.lexsort((tie, -pool.score, pool.design))
  order = order[np.isfinite(pool.score[order])]
  order = order[unique_rows(pool.design[order], pool.codes[order])]
  design = pool.design[order]
  starts = np.r_[0, np.flatnonzero(np.diff(design)) + 1]
  rank = np.arange(len(order)) - np.repeat(starts, np.diff(
      np.r_[starts, len(order)]))
  return order[rank < k]


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
  """int [len(a), len(b)]: Hamming distances between rows of codes."""
  return (a[:, None, :] != b[None, :, :]).sum(axis=2)


def diverse_order(pool: Pool, order: np.ndarray, count: int,
                  min_distance: int) -> np.ndarray:
  """The first `count` rows of `order` that are at least `min_distance`
  apart from every row taken before them."""
  if min_distance <= 0:
    return order[:count]
  taken: list[int] = []
  for i in order:
    if taken and hamming(pool.codes[[i]],
                         pool.codes[taken]).min() < min_distance:
      continue
    taken.append(int(i))
    if len(taken) == count:
      break
  return np.array(taken, np.int64)


def trajectory_row(step: int, best: Pool, scorer, changed: int,
                   seconds: float) -> dict:
  """One line of trajectory.tsv: the designs' current best after `step`."""
  finite = np.isfinite(best.mean)
  mean = best.mean[finite] if finite.any() else np.array([np.nan])
  return {"round": step, "evaluations": scorer.evaluations,
          "guard_hits": scorer.guard_hits, "designs": len(best),
          "changed": changed,
          "prediction_median": float(np.median(mean)),
          "prediction_min": float(mean.min()),
          "prediction_max": float(mean.max()),
          "prediction_sd_median": float(np.median(best.sd[finite]))
          if finite.any() else float("nan"),
          "edits_median": float(np.median(best.edits)),
          "seconds": round(seconds, 2)}


def progress_line(row: dict, what: str = "round",
                  changed: str = "designs improved") -> str:
  return (f"{what} {row['round']}: prediction median "
          f"{row['prediction_median']:.4g} (range {row['prediction_min']:.4g}"
          f"-{row['prediction_max']:.4g}), {row['changed']:,} {changed}, "
          f"edits median {row['edits_median']:g}; "
          f"{row['evaluations']:,} candidates scored, "
          f"{row['guard_hits']:,} stopped by the guard; {row['seconds']:.1f} s")
