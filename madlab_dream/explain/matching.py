"""Matching discovered patterns to known motifs.

  tomtom_matches   each pattern's best database motif by Tomtom
                   (`memelite.tomtom`, no MEME binaries), its p-value and
                   the q-value (Benjamini-Hochberg over the pattern's
                   p-values against every database motif, as Tomtom reports)
  similarity       a direct score in [0, 1]: the best cosine similarity of
                   two motifs' information-content-weighted matrices over
                   every offset and both strands (zero-padded, so a partial
                   overlap scores less); does not depend on what else is in
                   the database
  best_similarity  each pattern's most similar motif and that score
  information_content
                   bits per position of a matrix (uniform background)
  covered_information
                   the fraction of a motif's information content that a
                   pattern reproduces at its best alignment (offsets, both
                   strands): per motif position, its bits times the
                   probability mass the aligned pattern column shares with
                   it (sum over bases of the smaller probability); positions
                   the pattern does not reach count zero
  tomtom_pvalues   Tomtom p-values and q-values of every pattern against
                   every database motif [P, M]

Matrices are letter probabilities [K, 4] (A, C, G, T) here; Tomtom takes
them as [4, K].
"""

from __future__ import annotations

import warnings

import numpy as np

_PSEUDOCOUNT = 1e-3


def information_weighted(ppm: np.ndarray) -> np.ndarray:
  """[K, 4]: each row's probabilities times its information content (bits,
  uniform background)."""
  p = np.asarray(ppm, np.float64) + _PSEUDOCOUNT
  p /= p.sum(axis=1, keepdims=True)
  ic = 2.0 + (p * np.log2(p)).sum(axis=1, keepdims=True)
  return p * np.maximum(ic, 0.0)


def information_content(ppm: np.ndarray) -> np.ndarray:
  """float64 [K]: bits of each row of probabilities [K, 4] (uniform
  background, the same pseudocount as `information_weighted`)."""
  p = np.asarray(ppm, np.float64) + _PSEUDOCOUNT
  p /= p.sum(axis=1, keepdims=True)
  return np.maximum(2.0 + (p * np.log2(p)).sum(axis=1), 0.0)


def _probabilities(ppm: np.ndarray) -> np.ndarray:
  p = np.maximum(np.asarray(ppm, np.float64), 0.0)
  return p / np.maximum(p.sum(axis=1, keepdims=True), 1e-12)


def covered_information(pattern: np.ndarray, motif: np.ndarray) -> float:
  """The fraction of `motif`'s [Km, 4] information content that `pattern`
  [Kp, 4] reproduces at its best alignment (every offset, both strands).

  Motif position j aligned with pattern column i earns IC_motif[j] x
  sum_b min(pattern[i, b], motif[j, b]); unaligned positions earn nothing.
  A pattern that holds only part of a motif ("ACG" of TCRNNNNNNACG) covers
  only that part's share.
  """
  ic = information_content(motif)
  total = float(ic.sum())
  if total <= 0:
    return 0.0
  m = _probabilities(motif)
  best = 0.0
  for p in (_probabilities(pattern), _probabilities(pattern)[::-1, ::-1]):
    # shared[i, j]: probability mass pattern column i shares with motif j
    shared = np.minimum(p[:, None, :], m[None, :, :]).sum(axis=-1)
    for shift in range(-len(p) + 1, len(m)):
      j = np.arange(max(0, shift), min(len(m), shift + len(p)))
      best = max(best, float((ic[j] * shared[j - shift, j]).sum()) / total)
  return best


def similarity(a: np.ndarray, b: np.ndarray) -> float:
  """Best cosine similarity of the IC-weighted matrices of a [Ka, 4] and b
  [Kb, 4] over offsets and strands (b reverse-complemented)."""
  wa, wb = information_weighted(a), information_weighted(b)
  norm = np.linalg.norm(wa) * np.linalg.norm(wb)
  if norm == 0:
    return 0.0
  best = 0.0
  for other in (wb, wb[::-1, ::-1]):
    for shift in range(-len(other) + 1, len(wa)):
      lo, hi = max(0, shift), min(len(wa), shift + len(other))
      dot = float((wa[lo:hi] * other[lo - shift:hi - shift]).sum())
      best = max(best, dot / norm)
  return best


def best_similarity(patterns: list[np.ndarray],
                    motifs: dict[str, np.ndarray]) -> list[tuple[str, float]]:
  """[(name of the most similar motif, similarity)] per pattern [K, 4];
  `motifs` as [4, K] (MEME/Tomtom layout)."""
  out = []
  for ppm in patterns:
    scores = {name: similarity(ppm, pwm.T) for name, pwm in motifs.items()}
    name = max(scores, key=scores.get)
    out.append((name, scores[name]))
  return out


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
  """q-values of the p-values of the last axis (Benjamini-Hochberg)."""
  p = np.asarray(p, np.float64)
  m = p.shape[-1]
  order = np.argsort(p, axis=-1)
  ranked = np.take_along_axis(p, order, axis=-1) * m / np.arange(1, m + 1)
  ranked = np.minimum.accumulate(ranked[..., ::-1], axis=-1)[..., ::-1]
  q = np.empty_like(ranked)
  np.put_along_axis(q, order, np.minimum(ranked, 1.0), axis=-1)
  return q


def tomtom_pvalues(patterns: list[np.ndarray],
                   motifs: dict[str, np.ndarray]) -> tuple[np.ndarray,
                                                           np.ndarray]:
  """(p, q) float64 [P, M]: Tomtom p-values of each pattern [K, 4] against
  each motif of `motifs` ({name: [4, K]}, in its order), and their q-values
  (Benjamini-Hochberg over each pattern's row)."""
  # memelite (the explain extra, optional) imported when used.
  from memelite.tomtom import tomtom
  if not patterns:
    return np.zeros((0, len(motifs))), np.zeros((0, len(motifs)))
  queries = [np.ascontiguousarray(np.asarray(p, np.float64).T)
             for p in patterns]
  with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # its note on small target sets
    p = np.asarray(tomtom(queries, list(motifs.values()))[0], np.float64)
  return p, benjamini_hochberg(p)


def tomtom_matches(patterns: list[np.ndarray],
                   motifs: dict[str, np.ndarray]) -> list[dict]:
  """Per pattern [K, 4]: {"match", "match_pvalue", "match_qvalue"} of its
  best Tomtom match among `motifs` ({name: [4, K]})."""
  names = list(motifs)
  p, q = tomtom_pvalues(patterns, motifs)
  best = np.argmin(p, axis=1)
  return [{"match": names[j], "match_pvalue": float(p[i, j]),
           "match_qvalue": float(q[i, j])} for i, j in enumerate(best)]
