"""Correlations and regression metrics (madlab_dream.metrics)."""

import math

import numpy as np
import pytest

from madlab_dream import metrics


def test_pearson_and_spearman_against_numpy():
  rng = np.random.default_rng(0)
  x = rng.normal(size=500)
  y = 0.6 * x + rng.normal(size=500)
  assert metrics.pearson(x, y) == pytest.approx(np.corrcoef(x, y)[0, 1],
                                                abs=1e-12)
  rank = lambda v: np.argsort(np.argsort(v))
  assert metrics.spearman(x, y) == pytest.approx(
      np.corrcoef(rank(x), rank(y))[0, 1], abs=1e-12)


@pytest.mark.parametrize("x, y", [
    ([1.0], [2.0]), ([1, 1, 1], [1, 2, 3]), ([1, 2, 3], [4, 4, 4]),
    ([1, 2, np.nan], [1, 2, 3]), ([1, 2, 3], [1, np.inf, 3])])
def test_undefined_correlations_are_nan(x, y):
  assert math.isnan(metrics.pearson(x, y))
  assert math.isnan(metrics.spearman(x, y))


def test_length_mismatch_is_an_error():
  with pytest.raises(ValueError):
    metrics.pearson([1, 2, 3], [1, 2])


def test_streaming_pearson_equals_whole_set():
  rng = np.random.default_rng(1)
  x = rng.normal(10, 2, size=10_000)
  y = x + rng.normal(0, 3, size=10_000)
  stream = metrics.StreamingPearson(center=10.0)
  for start in range(0, len(x), 777):
    stream.add(x[start:start + 777], y[start:start + 777])
  assert stream.result() == pytest.approx(metrics.pearson(x, y), abs=1e-12)
  assert math.isnan(metrics.StreamingPearson().result())


def test_regression_metrics_by_hand():
  y = np.array([1.0, 2.0, 3.0, 4.0])
  p = np.array([1.5, 1.5, 3.5, 3.5])
  m = metrics.regression_metrics(y, p)
  assert m["n"] == 4
  assert m["mse"] == pytest.approx(0.25)
  assert m["r2_determination"] == pytest.approx(1 - 1.0 / 5.0)
  r = np.corrcoef(y, p)[0, 1]
  assert m["pearson"] == pytest.approx(r)
  assert m["pearson_squared"] == pytest.approx(r * r)


def test_regression_metrics_with_non_finite_predictions():
  m = metrics.regression_metrics([1.0, 2.0, 3.0], [1.0, np.nan, 2.0])
  assert math.isnan(m["pearson"]) and math.isnan(m["r2_determination"])
