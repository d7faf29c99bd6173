"""Small scoring inputs shared by the scoring and evaluate tests.

16 test positions (position 5 has no measured value), subsets with a
duplicate and the NaN row, public-leaderboard ids, predictions as TSV and
JSON, and the official weights written out again by hand.
"""

import json
import math

from madlab_dream import scoring

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


def load_all(gt, sub, pub, pred):
  truth = scoring.load_ground_truth(gt)
  return (scoring.load_predictions(pred, len(truth)), truth,
          scoring.load_subsets(sub, len(truth)),
          scoring.load_public(pub, len(truth)))
