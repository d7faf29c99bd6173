"""Checks of contribution scores: against known sites, against themselves.

  auroc               area under the ROC curve of scores for positives
                      against negatives (Mann-Whitney U; ties count half)
  site_auroc          |contribution| per position inside known sites against
                      outside, over a range of positions
  position_correlation
                      Pearson r of two methods' per-position contributions
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def auroc(scores: np.ndarray, positive: np.ndarray) -> float:
  """AUROC of `scores` [n] for `positive` (bool [n]); NaN without both
  classes."""
  scores = np.asarray(scores, np.float64).ravel()
  positive = np.asarray(positive, bool).ravel()
  n_pos = int(positive.sum())
  n_neg = len(positive) - n_pos
  if n_pos == 0 or n_neg == 0:
    return float("nan")
  ranks = stats.rankdata(scores)
  u = ranks[positive].sum() - n_pos * (n_pos + 1) / 2
  return float(u / (n_pos * n_neg))


def position_scores(contributions: np.ndarray) -> np.ndarray:
  """[N, L]: |contribution| at each position (summed over the bases)."""
  return np.abs(np.asarray(contributions, np.float64).sum(axis=-1))


def site_auroc(contributions: np.ndarray, mask: np.ndarray,
               start: int = 0, end: int | None = None) -> float:
  """AUROC of |contribution| [N, L, 4] at positions inside sites (mask
  bool [N, L]) against the other positions of [start, end)."""
  end = mask.shape[1] if end is None else end
  scores = position_scores(contributions)[:, start:end]
  return auroc(scores, np.asarray(mask)[:, start:end])


def position_correlation(a: np.ndarray, b: np.ndarray,
                         start: int = 0, end: int | None = None) -> dict:
  """Pearson r of two contribution arrays [N, L, 4] per position (summed
  over the bases) in [start, end): over all positions, and the median of
  the per-sequence r."""
  end = a.shape[1] if end is None else end
  x = np.asarray(a, np.float64).sum(axis=-1)[:, start:end]
  y = np.asarray(b, np.float64).sum(axis=-1)[:, start:end]
  per = [stats.pearsonr(u, v)[0] for u, v in zip(x, y)
         if u.std() > 0 and v.std() > 0]
  return {"pearson": float(stats.pearsonr(x.ravel(), y.ravel())[0]),
          "median_per_sequence": float(np.median(per)) if per else
          float("nan"), "sequences": len(x)}
