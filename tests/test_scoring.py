"""The official DREAM 2022 scoring on small cases worked out by hand.

Expected values come from the small formulas below (plain Python, no scipy)
applied to position sets written out by hand from the rules of the
organisers' evaluation.py.
"""

import gzip
import json
import math

import numpy as np
import pytest

from madlab_dream import scoring
from madlab_dream.errors import InputError

NAN = float("nan")
# 16 test positions; position 5 has no measured value.
TRUTH = [0.5, 1.2, -0.3, 2.0, 0.1, NAN, 1.7, -1.1,
         0.9, 0.0, 1.4, -0.6, 0.8, -0.9, 1.1, 0.3]
PRED = [0.7, 0.9, 0.1, 1.5, -0.2, 3.0, 1.1, -0.8,
        1.3, 0.4, 0.8, -0.1, 0.2, -0.5, 0.6, 0.9]
SINGLES = {  # file name -> pos column (with a duplicate and the NaN row)
    "high_exp_seqs.csv": [1, 3, 6, 10, 12, 3],
    "low_exp_seqs.csv": [2, 4, 7, 11, 13],
    "yeast_seqs.csv": [0, 5, 8, 9, 14, 15],
    "all_random_seqs.csv": [0, 1, 2, 3, 4, 5, 6, 7, 15],
    "challenging_seqs.csv": [8, 9, 10, 11, 12, 13, 2],
}
PAIRS = {  # file name -> (alt_pos, ref_pos) rows
    "all_SNVs_seqs.csv": [(0, 1), (2, 3), (4, 6), (7, 8), (9, 10), (12, 13),
                          (0, 1), (5, 11)],  # a duplicate; 5 has no value
    "motif_perturbation_seqs.csv": [(1, 2), (3, 4), (6, 7), (8, 9), (14, 15)],
    "motif_tiling_seqs.csv": [(10, 11), (0, 2), (1, 3), (4, 7), (13, 15)],
}
PUBLIC = {
    "high_exp_indices.json": ["3"], "low_exp_indices.json": ["7"],
    "yeast_exp_indices.json": [], "random_exp_indices.json": ["15"],
    "challenging_exp_indices.json": ["9"],
    "SNVs_exp_indices.json": ["2,3"],
    "motif_perturbation_exp_indices.json": ["14,15"],
    "motif_tiling_exp_indices.json": ["0,2"],
}
# The official weights, written out again here on purpose.
HAND_WEIGHTS = {"all": 1, "high": 0.3, "low": 0.3, "yeast": 0.3,
                "random": 0.3, "challenging": 0.5, "SNVs": 1.25,
                "motif_perturbation": 0.3, "motif_tiling": 0.4}


def pearson(x, y):
  n = len(x)
  mx, my = sum(x) / n, sum(y) / n
  sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
  sxx = sum((a - mx) ** 2 for a in x)
  syy = sum((b - my) ** 2 for b in y)
  return sxy / math.sqrt(sxx * syy)


def ranks(x):
  """1-based ranks, ties given their average rank."""
  order = sorted(range(len(x)), key=lambda i: x[i])
  out = [0.0] * len(x)
  i = 0
  while i < len(order):
    j = i
    while j + 1 < len(order) and x[order[j + 1]] == x[order[i]]:
      j += 1
    for k in range(i, j + 1):
      out[order[k]] = (i + j) / 2 + 1
    i = j + 1
  return out


def spearman(x, y):
  return pearson(ranks(x), ranks(y))


def hand_single(positions):
  t = [TRUTH[p] for p in positions]
  p = [PRED[p] for p in positions]
  return pearson(t, p), spearman(t, p)


def hand_pairs(pairs):
  t = [TRUTH[a] - TRUTH[b] for a, b in pairs]
  p = [PRED[a] - PRED[b] for a, b in pairs]
  return pearson(t, p), spearman(t, p)


def write_inputs(root, skip=()):
  """Writes ground truth, subsets, public ids and both prediction formats."""
  gt = root / "truth.txt"
  gt.write_text("".join(f"ACGT\t{'' if math.isnan(v) else v}\n"
                        for v in TRUTH))
  sub = root / "test_subset_ids"
  sub.mkdir()
  for name, pos in SINGLES.items():
    if name not in skip:
      (sub / name).write_text("pos,seq\n" + "".join(f"{p},ACGT\n" for p in pos))
  for name, pairs in PAIRS.items():
    if name not in skip:
      (sub / name).write_text("alt_pos,ref_pos\n" +
                              "".join(f"{a},{b}\n" for a, b in pairs))
  pub = root / "public_leaderboard_ids"
  pub.mkdir()
  for name, keys in PUBLIC.items():
    (pub / name).write_text(json.dumps({k: 0.5 for k in keys}))
  tsv = root / "pred.tsv"
  tsv.write_text("".join(f"ACGT\t{v}\n" for v in PRED))
  js = root / "pred.json"
  # JSON keys in shuffled order: position, not order, decides.
  order = [3, 0, 15, 7, 1, 2, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14]
  js.write_text(json.dumps({str(i): PRED[i] for i in order}))
  return gt, sub, pub, tsv, js


@pytest.fixture
def inputs(tmp_path):
  return write_inputs(tmp_path)


def load_all(gt, sub, pub, pred):
  truth = scoring.load_ground_truth(gt)
  return (scoring.load_predictions(pred, len(truth)), truth,
          scoring.load_subsets(sub, len(truth)),
          scoring.load_public(pub, len(truth)))


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


def test_tsv_and_json_predictions_agree(inputs):
  gt, sub, pub, tsv, js = inputs
  a = load_all(gt, sub, pub, tsv)
  b = load_all(gt, sub, pub, js)
  np.testing.assert_array_equal(a[0], b[0])
  np.testing.assert_array_equal(a[0], PRED)
  ra = scoring.score(*a, mode="exclude")
  rb = scoring.score(*b, mode="exclude")
  assert json.dumps(scoring.jsonable(ra)) == json.dumps(scoring.jsonable(rb))


def test_gzip_inputs(inputs, tmp_path):
  gt, sub, pub, tsv, _ = inputs
  gz = tmp_path / "pred.tsv.gz"
  gz.write_bytes(gzip.compress(tsv.read_bytes()))
  np.testing.assert_array_equal(scoring.load_predictions(gz, 16), PRED)


def test_markdown_and_text_report(inputs):
  gt, sub, pub, tsv, _ = inputs
  result = scoring.score(*load_all(gt, sub, pub, tsv), mode="ignore")
  md = scoring.to_markdown(result)
  text = scoring.to_text(result)
  for name in HAND_WEIGHTS:
    assert f"| {name} |" in md
    assert name in text
  assert f"{result['pearson_score']:.4f}" in md
  assert f"{result['spearman_score']:.4f}" in text


# --- Bad input ---------------------------------------------------------------

def test_bad_ground_truth_value_names_line(tmp_path):
  path = tmp_path / "gt.txt"
  path.write_text("ACGT\t0.5\nACGT\tabc\n")
  with pytest.raises(InputError) as e:
    scoring.load_ground_truth(path)
  assert e.value.path == str(path) and e.value.line == 2


def test_prediction_count_must_match(inputs):
  _, _, _, tsv, _ = inputs
  with pytest.raises(InputError, match="16 predictions.*17 rows") as e:
    scoring.load_predictions(tsv, 17)
  assert e.value.path == str(tsv)


@pytest.mark.parametrize("content, message", [
    ({str(i): 0.1 for i in range(15)}, "missing"),
    ({str(i): 0.1 for i in range(17)}, "beyond"),
    ({**{str(i): 0.1 for i in range(16)}, "x": 1}, "not a position"),
    ({**{str(i): 0.1 for i in range(15)}, "15": "a"}, "not a number"),
])
def test_bad_json_predictions(tmp_path, content, message):
  path = tmp_path / "p.json"
  path.write_text(json.dumps(content))
  with pytest.raises(InputError, match=message) as e:
    scoring.load_predictions(path, 16)
  assert e.value.path == str(path)


def test_json_duplicate_position(tmp_path):
  path = tmp_path / "p.json"
  path.write_text('{"0": 1.0, "1": 2.0, "0": 3.0}')
  with pytest.raises(InputError, match="twice"):
    scoring.load_predictions(path, 2)


def test_subset_out_of_range_or_without_columns(tmp_path):
  d = tmp_path / "sub"
  d.mkdir()
  (d / "high_exp_seqs.csv").write_text("pos\n1\n2\n40\n")
  with pytest.raises(InputError, match="out of range") as e:
    scoring.load_subsets(d, 16)
  assert e.value.path.endswith("high_exp_seqs.csv") and e.value.line == 4
  (d / "high_exp_seqs.csv").write_text("position\n1\n2\n")
  with pytest.raises(InputError, match="alt_pos") as e:
    scoring.load_subsets(d, 16)
  assert e.value.path.endswith("high_exp_seqs.csv")


def test_public_missing_file(inputs):
  gt, sub, pub, tsv, _ = inputs
  (pub / "SNVs_exp_indices.json").unlink()
  with pytest.raises(InputError, match="missing") as e:
    scoring.load_public(pub, 16)
  assert e.value.path.endswith("SNVs_exp_indices.json")


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
