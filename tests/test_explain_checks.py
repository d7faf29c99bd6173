"""The functions behind the explain proof's figures (explain/checks.py,
explain_demo/proof.py): AUROC, site AUROC, per-position correlation,
completeness summaries."""

import numpy as np
import pytest
from scipy import stats

from madlab_dream.explain import checks
from madlab_dream.tools.explain_demo import proof
from madlab_dream.tools.simulator import grammar
from madlab_dream.tools.simulator import sites


def _auroc_by_pairs(scores, positive):
  pos, neg = scores[positive], scores[~positive]
  diff = pos[:, None] - neg[None, :]
  return ((diff > 0).sum() + 0.5 * (diff == 0).sum()) / diff.size


def test_auroc_is_the_probability_a_positive_outranks_a_negative():
  assert checks.auroc([3, 2, 1, 0], [True, True, False, False]) == 1.0
  assert checks.auroc([0, 1, 2, 3], [True, True, False, False]) == 0.0
  assert checks.auroc([1, 1, 1, 1], [True, False, True, False]) == 0.5
  rng = np.random.default_rng(0)
  scores = rng.integers(0, 5, 300).astype(float)   # many ties
  positive = rng.random(300) < 0.3
  assert checks.auroc(scores, positive) == pytest.approx(
      _auroc_by_pairs(scores, positive))
  assert np.isnan(checks.auroc([1.0, 2.0], [True, True]))


def test_site_auroc_scores_absolute_position_sums_inside_the_range():
  contributions = np.zeros((2, 6, 4))
  contributions[:, 2, 1] = -3.0      # a site: large negative contribution
  contributions[:, 0, 0] = 9.0       # outside [1, 5): ignored
  contributions[:, 4, 2] = 0.5
  mask = np.zeros((2, 6), bool)
  mask[:, 2] = True
  assert checks.site_auroc(contributions, mask, 1, 5) == 1.0
  mask[:, 2], mask[:, 0] = False, True   # positives only outside the range
  assert np.isnan(checks.site_auroc(contributions, mask, 1, 5))
  np.testing.assert_array_equal(checks.position_scores(contributions)[0],
                                [9, 0, 3, 0, 0.5, 0])


def test_position_correlation_over_all_positions_and_per_sequence():
  rng = np.random.default_rng(1)
  a = rng.normal(size=(5, 10, 4))
  b = 2 * a + 1
  out = checks.position_correlation(a, b, 2, 8)
  assert out["pearson"] == pytest.approx(1.0)
  assert out["median_per_sequence"] == pytest.approx(1.0)
  c = rng.normal(size=a.shape)
  out = checks.position_correlation(a, c)
  x, y = a.sum(-1).ravel(), c.sum(-1).ravel()
  assert out["pearson"] == pytest.approx(stats.pearsonr(x, y)[0])
  assert out["sequences"] == 5


def test_proof_aurocs_use_the_three_site_definitions():
  codes, planted = sites.planted_set(40, seed=2)
  data = {"planted_mask": sites.planted_mask(codes.shape, planted),
          "functional_mask": sites.site_mask(codes),
          "broad_mask": sites.consensus_mask(codes)}
  perfect = np.zeros(codes.shape + (4,))
  perfect[..., 0] = data["broad_mask"]     # scores exactly the broad sites
  out = proof._aurocs({"contributions": perfect}, data, 40)
  assert set(out) == {"auroc", "auroc_functional", "auroc_broad"}
  assert out["auroc_broad"] == 1.0
  region = slice(grammar.REGION_START, grammar.REGION_END)
  assert out["auroc_functional"] == pytest.approx(checks.auroc(
      data["broad_mask"][:, region], data["functional_mask"][:, region]),
      abs=1e-4)


def test_completeness_summary():
  gaps = np.array([0.0, 0.005, 0.02, 0.001])
  out = proof.completeness_summary({"completeness": gaps})
  assert out == {"median": pytest.approx(0.003), "worst": 0.02,
                 "within_1_percent": 0.75, "sequences": 4}
  assert proof.completeness_summary(
      {"completeness": np.full(3, np.nan)}) is None
