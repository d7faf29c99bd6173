"""The k-mer ridge baseline (madlab_dream.baseline)."""

import types

import numpy as np
import pytest

from madlab_dream import baseline


def test_kmer_counts_by_hand():
  codes = np.array([[0, 1, 0, 1, 4, 3]], np.uint8)  # A C A C N T
  counts = baseline.kmer_counts(codes, 2)
  assert counts.shape == (1, 4 + 16)
  np.testing.assert_array_equal(counts[0, :4], [2, 2, 0, 1])  # A C G T
  two = counts[0, 4:].reshape(4, 4)  # [first, second]
  assert two[0, 1] == 2 and two[1, 0] == 1  # AC twice, CA once
  assert two.sum() == 3  # CN and NT touch N: not counted


def _cache(n_train, n_val, seed=0, length=30):
  rng = np.random.default_rng(seed)
  codes = rng.integers(0, 4, (n_train + n_val, length)).astype(np.uint8)
  # Expression rises with the number of "GA" dimers plus noise.
  ga = ((codes[:, :-1] == 2) & (codes[:, 1:] == 0)).sum(1)
  y = (ga - ga.mean()) / ga.std() + rng.normal(0, 0.3, len(ga))
  y = y.astype(np.float32)
  return types.SimpleNamespace(
      train_codes=codes[:n_train], train_targets=y[:n_train],
      val_codes=codes[n_train:], val_targets=y[n_train:])


def test_fit_and_score_finds_a_dimer_signal():
  result = baseline.fit_and_score(_cache(3000, 500), k_max=2, seed=0)
  assert result["validation"]["pearson"] > 0.9
  assert result["validation"]["n"] == 500
  assert result["alpha"] in (0.1, 1.0, 10.0, 100.0, 1000.0)
  assert "k = 1..2" in result["description"]
  again = baseline.fit_and_score(_cache(3000, 500), k_max=2, seed=0)
  assert again["validation"]["pearson"] == pytest.approx(
      result["validation"]["pearson"], abs=0)


def test_without_validation_rows():
  result = baseline.fit_and_score(_cache(500, 0), k_max=1, seed=0)
  assert "validation" not in result and result["train"]["n"] == 500
