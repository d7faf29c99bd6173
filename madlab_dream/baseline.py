"""A reference point for the model: ridge regression on k-mer counts.

Features are the counts of every k-mer for k = 1..K over A, C, G, T (k-mers
touching N are not counted): 4 + 16 + ... + 4^K columns. The ridge penalty is
chosen on a seeded 10 % of the training rows, then the model is refitted on
all training rows and scored on the validation set with the same exact
metrics as the network.
"""

from __future__ import annotations

import time

import numpy as np

from madlab_dream import metrics


def kmer_counts(codes: np.ndarray, k_max: int) -> np.ndarray:
  """float32 [N, sum_k 4^k] counts of all k-mers (k = 1..k_max) in codes [N, L]."""
  codes = np.asarray(codes, np.int64)
  n, length = codes.shape
  blocks = []
  for k in range(1, k_max + 1):
    if k > length:
      blocks.append(np.zeros((n, 4 ** k), np.float32))
      continue
    index = np.zeros((n, length - k + 1), np.int64)
    valid = np.ones((n, length - k + 1), bool)
    for j in range(k):
      window = codes[:, j:length - k + 1 + j]
      index = index * 4 + np.minimum(window, 3)
      valid &= window < 4
    flat = (np.arange(n)[:, None] * 4 ** k + index)[valid]
    counts = np.bincount(flat, minlength=n * 4 ** k).reshape(n, 4 ** k)
    blocks.append(counts.astype(np.float32))
  return np.concatenate(blocks, axis=1)


def _gram(codes, targets, k_max, chunk=20_000):
  dim = sum(4 ** k for k in range(1, k_max + 1)) + 1
  xtx = np.zeros((dim, dim))
  xty = np.zeros(dim)
  for start in range(0, len(codes), chunk):
    x = kmer_counts(codes[start:start + chunk], k_max).astype(np.float64)
    x = np.concatenate([x, np.ones((len(x), 1))], axis=1)
    xtx += x.T @ x
    xty += x.T @ np.asarray(targets[start:start + chunk], np.float64)
  return xtx, xty


def _solve(xtx, xty, alpha):
  penalty = alpha * np.eye(len(xty))
  penalty[-1, -1] = 0.0  # no penalty on the intercept
  return np.linalg.solve(xtx + penalty, xty)


def _predict(codes, w, k_max, chunk=20_000):
  out = []
  for start in range(0, len(codes), chunk):
    x = kmer_counts(codes[start:start + chunk], k_max).astype(np.float64)
    out.append(x @ w[:-1] + w[-1])
  return np.concatenate(out) if out else np.zeros(0)


def fit(codes, targets, k_max: int, seed: int,
        alphas=(0.1, 1.0, 10.0, 100.0, 1000.0)) -> tuple[np.ndarray, float]:
  """(weights, alpha): the ridge on codes [N, L] -> targets [N], its
  penalty chosen on a seeded 10 % of the rows, then refitted on all."""
  rng = np.random.default_rng([seed, 3])
  held = np.zeros(len(codes), bool)
  held[rng.permutation(len(codes))[:max(1, len(codes) // 10)]] = True
  fit_idx, held_idx = np.flatnonzero(~held), np.flatnonzero(held)
  xtx, xty = _gram(codes[fit_idx], targets[fit_idx], k_max)
  held_x = np.asarray(codes[held_idx])
  scores = {}
  for alpha in alphas:
    w = _solve(xtx, xty, alpha)
    scores[alpha] = metrics.regression_metrics(
        targets[held_idx], _predict(held_x, w, k_max))["pearson"]
  best_alpha = max(alphas, key=lambda a: np.nan_to_num(scores[a], nan=-1.0))
  xtx_all, xty_all = _gram(codes, targets, k_max)
  return _solve(xtx_all, xty_all, best_alpha), best_alpha


def predict(codes, w: np.ndarray, k_max: int) -> np.ndarray:
  """The fitted ridge's predictions for codes [N, L]."""
  return _predict(np.asarray(codes), w, k_max)


def fit_and_score(cache, k_max: int, seed: int,
                  alphas=(0.1, 1.0, 10.0, 100.0, 1000.0)) -> dict:
  """Fits the baseline on the cache's training rows; scores validation."""
  t0 = time.perf_counter()
  codes, targets = cache.train_codes, cache.train_targets
  w, best_alpha = fit(codes, targets, k_max, seed, alphas)
  result = {
      "description": (f"ridge regression on k-mer counts (k = 1..{k_max}, "
                      f"{len(w) - 1} features), alpha {best_alpha} chosen on "
                      "10 % of the training rows"),
      "alpha": best_alpha,
      "train": metrics.regression_metrics(targets, _predict(codes, w, k_max)),
  }
  if len(cache.val_codes):
    result["validation"] = metrics.regression_metrics(
        cache.val_targets, _predict(cache.val_codes, w, k_max))
  result["seconds"] = round(time.perf_counter() - t0, 2)
  return result
