"""Correlations and regression metrics, exact over whole sets (float64).

The one home of the Pearson correlation in this package: the training
report, the validation callback, the baseline, the simulator's noise
ceiling and the challenge's scores all use `pearson` (or, streaming over
blocks, `StreamingPearson`).

MadLab's "correlation_coefficient" returned r squared averaged over batches,
so their reported "Pearson" 0.5719 is r^2 (r ~ 0.756). Here every figure is
computed once over the whole set, and r and r^2 are both given.
"""

from __future__ import annotations

import math
import warnings

import numpy as np


def _undefined(x: np.ndarray, y: np.ndarray) -> bool:
  return (len(x) < 2 or not np.all(np.isfinite(x)) or
          not np.all(np.isfinite(y)) or np.ptp(x) == 0 or np.ptp(y) == 0)


def _correlation(statistic, x, y) -> float:
  x = np.asarray(x, np.float64).ravel()
  y = np.asarray(y, np.float64).ravel()
  if len(x) != len(y):
    raise ValueError(f"{len(x)} values but {len(y)} to correlate with")
  if _undefined(x, y):
    return float("nan")
  with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    return float(statistic(x, y)[0])


def pearson(x, y) -> float:
  """Pearson r of two [N] arrays (scipy.stats.pearsonr, float64).

  NaN when undefined: fewer than 2 items, a non-finite value, or a constant
  side.
  """
  from scipy import stats  # seconds to import: only correlations need it
  return _correlation(stats.pearsonr, x, y)


def spearman(x, y) -> float:
  """Spearman rho of two [N] arrays (scipy.stats.spearmanr); NaN if undefined."""
  from scipy import stats  # seconds to import: only correlations need it
  return _correlation(stats.spearmanr, x, y)


class StreamingPearson:
  """Pearson r over blocks of data seen one at a time (float64 sums).

  Values are centred on `center` before summing, which keeps the sums well
  conditioned for data of that magnitude.
  """

  def __init__(self, center: float = 0.0):
    self.center = center
    self.sums = np.zeros(6)  # n, sx, sy, sxx, syy, sxy

  def add(self, x, y) -> None:
    x = np.asarray(x, np.float64).ravel() - self.center
    y = np.asarray(y, np.float64).ravel() - self.center
    self.sums += [len(x), x.sum(), y.sum(), x @ x, y @ y, x @ y]

  def result(self) -> float:
    n, sx, sy, sxx, syy, sxy = self.sums
    if n < 2:
      return float("nan")
    vx, vy = sxx - sx * sx / n, syy - sy * sy / n
    if vx <= 0 or vy <= 0:
      return float("nan")
    return float((sxy - sx * sy / n) / math.sqrt(vx * vy))


def regression_metrics(y_true, y_pred) -> dict:
  """MSE, R^2 (coefficient of determination), Pearson r and r^2, and n.

  Args:
    y_true: [N] array (any float dtype; computed in float64).
    y_pred: [N] array, the predictions of `y_true`.
  """
  y = np.asarray(y_true, np.float64).ravel()
  p = np.asarray(y_pred, np.float64).ravel()
  if len(y) != len(p):
    raise ValueError(f"{len(y)} targets but {len(p)} predictions")
  nan = float("nan")
  err = y - p
  mse = float(np.mean(err ** 2)) if len(y) else nan
  ss_tot = float(np.sum((y - y.mean()) ** 2)) if len(y) else 0.0
  finite = bool(np.all(np.isfinite(p)))
  r2 = (1.0 - float(np.sum(err ** 2)) / ss_tot
        if ss_tot > 0 and finite else nan)
  r = pearson(y, p)
  return {"mse": mse, "r2_determination": r2, "pearson": r,
          "pearson_squared": r * r, "n": int(len(y))}


def target_metrics(y_true, y_pred, names) -> dict:
  """`regression_metrics` of one target ([N] arrays), or of several
  ([N, T] arrays, T = len(names)): then each target's under
  "targets" {name: metrics}, and the top-level mse, r2_determination,
  pearson and pearson_squared are their means over the targets (the mean
  Pearson r selects the best epoch unless a target is chosen)."""
  y = np.asarray(y_true, np.float64)
  p = np.asarray(y_pred, np.float64)
  if y.ndim == 1:
    return regression_metrics(y, p)
  per = {name: regression_metrics(y[:, j], p[:, j])
         for j, name in enumerate(names)}
  out = {key: float(np.mean([m[key] for m in per.values()]))
         for key in ("mse", "r2_determination", "pearson", "pearson_squared")}
  out["n"] = int(len(y))
  out["targets"] = per
  return out
