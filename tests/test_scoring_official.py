"""The official DREAM 2022 scoring on small cases worked out by hand.

Expected values come from the small formulas below (plain Python, no scipy)
applied to position sets written out by hand from the rules of the
organisers' evaluation.py.
"""

import math

import numpy as np
import pytest
from scoring_cases import HAND_WEIGHTS
from scoring_cases import PRED
from scoring_cases import TRUTH
from scoring_cases import hand_pairs
from scoring_cases import hand_single
from scoring_cases import load_all
from scoring_cases import pearson
from scoring_cases import spearman
from scoring_cases import write_inputs

from madlab_dream import scoring
from madlab_dream.errors import InputError

# Hand-written sets, per mode. Position 5 has no value and never appears.
IGNORE_SETS = {
    "all": [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    "high": [1, 3, 6, 10, 12], "low": [2, 4, 7, 11, 13],
    "yeast": [0, 8, 9, 14, 15], "random": [0, 1, 2, 3, 4, 6, 7, 15],
    "challenging": [2, 8, 9, 10, 11, 12, 13],
    "SNVs": [(0, 1), (2, 3), (4, 6), (7, 8), (9, 10), (12, 13)],
    "motif_perturbation": [(1, 2), (3, 4), (6, 7), (8, 9), (14, 15)],
    "motif_tiling": [(10, 11), (0, 2), (1, 3), (4, 7), (13, 15)],
}
# Public positions: singles {3, 7, 15, 9} + members of public pairs
# {2, 3, 14, 15, 0, 2} = {0, 2, 3, 7, 9, 14, 15}.
EXCLUDE_SETS = {
    "all": [1, 4, 6, 8, 10, 11, 12, 13],
    "high": [1, 6, 10, 12], "low": [4, 11, 13], "yeast": [8],
    "random": [1, 4, 6], "challenging": [8, 10, 11, 12, 13],
    # Pairs are dropped only when the pair itself is public: (0, 1) stays.
    "SNVs": [(0, 1), (4, 6), (7, 8), (9, 10), (12, 13)],
    "motif_perturbation": [(1, 2), (3, 4), (6, 7), (8, 9)],
    "motif_tiling": [(10, 11), (1, 3), (4, 7), (13, 15)],
}
ONLY_SETS = {
    "all": [0, 2, 3, 7, 9, 14, 15],
    "high": [3], "low": [2, 7], "yeast": [0, 9, 14, 15],
    "random": [0, 2, 3, 7, 15], "challenging": [2, 9],
    "SNVs": [(2, 3)], "motif_perturbation": [(14, 15)],
    "motif_tiling": [(0, 2)],
}


def hand(sets, name):
  return (hand_pairs if isinstance(sets[name][0], tuple) else
          hand_single)(sets[name])


def hand_scores(sets, names):
  weight = sum(HAND_WEIGHTS[n] for n in names)
  ps = sum(HAND_WEIGHTS[n] * hand(sets, n)[0] ** 2 for n in names) / weight
  ss = sum(HAND_WEIGHTS[n] * hand(sets, n)[1] for n in names) / weight
  return ps, ss


def test_ignore_mode_matches_hand_computation(inputs):
  gt, sub, pub, tsv, _ = inputs
  pred, truth, subsets, public = load_all(gt, sub, pub, tsv)
  assert np.isnan(truth[5]) and truth[3] == 2.0
  result = scoring.score(pred, truth, subsets, public, mode="ignore")
  assert result["public_mode"] == "ignore"
  assert result["counts"]["skipped_missing_truth"] == 1
  for name, expected in IGNORE_SETS.items():
    got = result["subsets"][name]
    r, rho = hand(IGNORE_SETS, name)
    assert got["n"] == len(expected), name
    assert got["pearson"] == pytest.approx(r, abs=1e-12), name
    assert got["spearman"] == pytest.approx(rho, abs=1e-12), name
  # Duplicates removed, the NaN row / the pair holding it skipped.
  assert result["subsets"]["high"]["listed"] == 5
  assert result["subsets"]["yeast"]["skipped_missing_truth"] == 1
  assert result["subsets"]["SNVs"]["listed"] == 7
  assert result["subsets"]["SNVs"]["skipped_missing_truth"] == 1
  ps, ss = hand_scores(IGNORE_SETS, list(HAND_WEIGHTS))
  assert result["complete"] and result["missing_subsets"] == []
  assert result["score_weight"] == 4.65
  assert result["pearson_score"] == pytest.approx(ps, abs=1e-12)
  assert result["spearman_score"] == pytest.approx(ss, abs=1e-12)


def test_pairs_are_scored_on_differences(inputs):
  gt, sub, pub, tsv, _ = inputs
  pred, truth, subsets, _ = load_all(gt, sub, pub, tsv)
  result = scoring.score(pred, truth, subsets)
  # SNVs by hand on the 6 distinct, complete pairs (alt - ref).
  t = [0.5 - 1.2, -0.3 - 2.0, 0.1 - 1.7, -1.1 - 0.9, 0.0 - 1.4, 0.8 + 0.9]
  p = [0.7 - 0.9, 0.1 - 1.5, -0.2 - 1.1, -0.8 - 1.3, 0.4 - 0.8, 0.2 + 0.5]
  assert result["subsets"]["SNVs"]["pearson"] == pytest.approx(
      pearson(t, p), abs=1e-12)
  assert result["subsets"]["SNVs"]["spearman"] == pytest.approx(
      spearman(t, p), abs=1e-12)
  # Not the correlation of the raw values of the pair members.
  raw = hand_single([0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 12, 13])[0]
  assert abs(result["subsets"]["SNVs"]["pearson"] - raw) > 1e-3


def test_exclude_mode_drops_public_positions(inputs):
  gt, sub, pub, tsv, _ = inputs
  pred, truth, subsets, public = load_all(gt, sub, pub, tsv)
  assert public == ({3, 7, 15, 9}, {(2, 3), (14, 15), (0, 2)})
  result = scoring.score(pred, truth, subsets, public)  # default: exclude
  assert result["public_mode"] == "exclude"
  assert result["counts"]["public_positions"] == 7
  for name, expected in EXCLUDE_SETS.items():
    assert result["subsets"][name]["n"] == len(expected), name
  for name in EXCLUDE_SETS:
    if name == "yeast":
      continue
    r, rho = hand(EXCLUDE_SETS, name)
    assert result["subsets"][name]["pearson"] == pytest.approx(r, abs=1e-12)
    assert result["subsets"][name]["spearman"] == pytest.approx(rho,
                                                                abs=1e-12)
  # Yeast keeps one position: r undefined, so is the score (as the original).
  assert math.isnan(result["subsets"]["yeast"]["pearson"])
  assert result["undefined_subsets"] == ["yeast"]
  assert math.isnan(result["pearson_score"])


def test_only_mode_keeps_public_positions(inputs):
  gt, sub, pub, tsv, _ = inputs
  pred, truth, subsets, public = load_all(gt, sub, pub, tsv)
  result = scoring.score(pred, truth, subsets, public, mode="only")
  assert result["public_mode"] == "only"
  for name, expected in ONLY_SETS.items():
    assert result["subsets"][name]["n"] == len(expected), name
  for name in ("all", "yeast", "random", "low", "challenging"):
    r, rho = hand(ONLY_SETS, name)
    assert result["subsets"][name]["pearson"] == pytest.approx(r, abs=1e-12)
    assert result["subsets"][name]["spearman"] == pytest.approx(rho,
                                                                abs=1e-12)
  assert set(result["undefined_subsets"]) == {
      "high", "SNVs", "motif_perturbation", "motif_tiling"}


def test_only_mode_needs_public_ids(inputs):
  gt, sub, pub, tsv, _ = inputs
  pred, truth, subsets, _ = load_all(gt, sub, pub, tsv)
  with pytest.raises(InputError, match="public"):
    scoring.score(pred, truth, subsets, None, mode="only")
  assert scoring.score(pred, truth, subsets)["public_mode"] == "ignore"


def test_missing_subset_is_reported_not_zero(tmp_path):
  gt, sub, pub, tsv, _ = write_inputs(tmp_path, skip={"motif_tiling_seqs.csv",
                                                      "yeast_seqs.csv"})
  pred, truth, subsets, _ = load_all(gt, sub, pub, tsv)
  result = scoring.score(pred, truth, subsets)
  assert not result["complete"]
  assert result["missing_subsets"] == ["yeast", "motif_tiling"]
  assert "motif_tiling" not in result["subsets"]
  names = ["all", "high", "low", "random", "challenging", "SNVs",
           "motif_perturbation"]
  assert result["score_covers"] == names
  assert result["score_weight"] == pytest.approx(4.65 - 0.4 - 0.3)
  ps, ss = hand_scores(IGNORE_SETS, names)
  assert result["pearson_score"] == pytest.approx(ps, abs=1e-12)
  assert result["spearman_score"] == pytest.approx(ss, abs=1e-12)
  # Not the absent sets scored as zero (the official denominator 4.65).
  zero_filled = ps * sum(HAND_WEIGHTS[n] for n in names) / 4.65
  assert result["pearson_score"] != pytest.approx(zero_filled, abs=1e-3)
  text = scoring.to_markdown(result)
  assert "INCOMPLETE" in text and "motif_tiling" in text


def test_score_deduplicates_pairs_given_directly():
  pairs = [(0, 1), (2, 3), (0, 1), (4, 6), (2, 3)]
  result = scoring.score(PRED, TRUTH, {"SNVs": pairs})
  snv = result["subsets"]["SNVs"]
  assert snv["listed"] == 3 and snv["n"] == 3
  assert snv["pearson"] == pytest.approx(
      hand_pairs([(0, 1), (2, 3), (4, 6)])[0], abs=1e-12)
  assert result["missing_subsets"] == ["high", "low", "yeast", "random",
                                       "challenging", "motif_perturbation",
                                       "motif_tiling"]
  assert result["score_weight"] == pytest.approx(2.25)
