"""The Random Promoter DREAM Challenge 2022 scoring, as the organisers ran it.

Reproduces the semantics of the organisers' `prixfixe/evaluation.py`:

* Ground truth: `filtered_test_data_with_MAUDE_expression.txt`,
  `sequence<TAB>value`, no header; the position of a sequence is its row
  index (0-based). Rows with no measured value (empty column or NaN) are
  skipped: excluded from every set that holds them, and a pair with such a
  member is excluded.
* Subsets (`test_subset_ids/*.csv`): single positions (`pos` column,
  duplicates removed) or pairs (`alt_pos`, `ref_pos` columns, duplicate pairs
  removed). For pairs the correlation is over within-pair differences,
  prediction[alt] - prediction[ref] against truth[alt] - truth[ref] (the
  original subtracts the other way round on both sides; r and rho are the
  same).
* Public-leaderboard positions (`public_leaderboard_ids/*.json`):
  `exclude` (the original's default, the final leaderboard) drops every public
  position from "all" and the single subsets (public positions = the public
  single positions plus both members of each public pair) and drops the
  public pairs from the pair subsets; `only` keeps just those (what the
  public leaderboard showed); `ignore` scores everything.
* Pearson score = sum(weight * r^2) / 4.65 and Spearman score =
  sum(weight * rho) / 4.65 over "all" and the eight subsets (`WEIGHTS`).

When a subset file is absent the scores are computed over the subsets that
are present, divided by the sum of their weights; the result says so
(`complete`, `score_covers`, `score_weight`, `missing_subsets`). A subset
whose correlation is undefined (fewer than 2 scorable items, or a constant
side) makes the score NaN, as in the original, and is listed in
`undefined_subsets`.

Typical use (notebook):

  truth = scoring.load_ground_truth(
      "filtered_test_data_with_MAUDE_expression.txt")
  subsets = scoring.load_subsets("test_subset_ids", n=len(truth))
  public = scoring.load_public("public_leaderboard_ids", n=len(truth))
  pred = scoring.load_predictions("predictions.json", n=len(truth))
  result = scoring.score(pred, truth, subsets, public, mode="exclude")
  print(scoring.to_markdown(result))
"""

from __future__ import annotations

import json
import math
import os
import warnings
from typing import Any, Mapping

import numpy as np

from madlab_dream import files
from madlab_dream.errors import InputError

# Weight of every set in the official scores; they sum to 4.65.
WEIGHTS = {
    "all": 1.0,
    "high": 0.3,
    "low": 0.3,
    "yeast": 0.3,
    "random": 0.3,
    "challenging": 0.5,
    "SNVs": 1.25,
    "motif_perturbation": 0.3,
    "motif_tiling": 0.4,
}
TOTAL_WEIGHT = 4.65  # the official denominator

# Subsets of single positions and of (alt, ref) pairs, with their files.
SINGLE_FILES = {
    "high": "high_exp_seqs.csv",
    "low": "low_exp_seqs.csv",
    "yeast": "yeast_seqs.csv",
    "random": "all_random_seqs.csv",
    "challenging": "challenging_seqs.csv",
}
PAIR_FILES = {
    "SNVs": "all_SNVs_seqs.csv",
    "motif_perturbation": "motif_perturbation_seqs.csv",
    "motif_tiling": "motif_tiling_seqs.csv",
}
SUBSET_NAMES = tuple(SINGLE_FILES) + tuple(PAIR_FILES)
PUBLIC_FILES = {
    "high": "high_exp_indices.json",
    "low": "low_exp_indices.json",
    "yeast": "yeast_exp_indices.json",
    "random": "random_exp_indices.json",
    "challenging": "challenging_exp_indices.json",
    "SNVs": "SNVs_exp_indices.json",
    "motif_perturbation": "motif_perturbation_exp_indices.json",
    "motif_tiling": "motif_tiling_exp_indices.json",
}
MODES = ("exclude", "only", "ignore")
_MISSING_VALUES = {"", "nan", "na", "n/a", "none", "null"}


# --- Reading ------------------------------------------------------------------

def _read_text(path: str | os.PathLike) -> tuple[str, str]:
  """(path, text) of a plain or gzip text file; InputError if it is not."""
  path = files.check_readable(path)
  data = b"".join(files.read_chunks(path))
  try:
    text = data.decode("utf-8")
  except UnicodeDecodeError as e:
    line = data[:e.start].count(b"\n") + 1
    raise InputError("binary or non-UTF-8 data; expected a text file", path,
                     line) from None
  if text.startswith("\ufeff"):
    text = text[1:]
  return path, text


def _tab_rows(path: str, text: str) -> tuple[list[str], list[str]]:
  """(sequences, value fields) of the text of a `sequence<TAB>value` file."""
  lines = text.split("\n")
  while lines and not lines[-1].strip():
    lines.pop()  # the final newline, blank lines at the end
  if not lines:
    raise InputError("empty file (no rows)", path)
  seqs, values = [], []
  for number, line in enumerate(lines, 1):
    if line.endswith("\r"):
      line = line[:-1]
    if not line.strip():
      raise InputError("empty line (every row is one position)", path, number)
    parts = line.split("\t")
    if len(parts) != 2:
      raise InputError(f"wrong number of columns: {len(parts)} (expected 2, "
                       "`sequence<TAB>value`)", path, number)
    seqs.append(parts[0].strip())
    values.append(parts[1].strip())
  return seqs, values


def _number(field: str, path: str, line: int, what: str) -> float:
  try:
    value = float(field)
  except ValueError:
    hint = " (these files have no header)" if line == 1 else ""
    raise InputError(f"{what} {field!r} is not a number{hint}", path,
                     line) from None
  if math.isinf(value):
    raise InputError(f"{what} {field!r} is not finite", path, line)
  return value


def load_ground_truth(path: str | os.PathLike,
                      return_sequences: bool = False):
  """Measured expression per test position.

  Args:
    path: `sequence<TAB>value` file, no header (`.gz` accepted).
    return_sequences: also return the sequences (list of str).

  Returns:
    float64 [N], NaN where the row has no measured value (empty, `nan`,
    `NA`); with `return_sequences`, a tuple (values, sequences).
  """
  path, text = _read_text(path)
  seqs, fields = _tab_rows(path, text)
  values = np.empty(len(fields), np.float64)
  for i, field in enumerate(fields):
    if field.lower() in _MISSING_VALUES:
      values[i] = np.nan
    else:
      values[i] = _number(field, path, i + 1, "measured value")
  return (values, seqs) if return_sequences else values


def load_predictions(path: str | os.PathLike, n: int | None = None,
                     return_sequences: bool = False):
  """Predictions in position order, from our TSV or the challenge's JSON.

  Args:
    path: either `sequence<TAB>prediction` rows in position order (no
      header), or JSON `{"<position>": prediction}` (the challenge's
      sample_submission.json) whose positions cover 0..N-1 exactly once.
      `.gz` accepted; the format is recognised from the content.
    n: the number of ground-truth rows; the predictions must match it.
    return_sequences: also return the TSV's sequences (None for JSON).

  Returns:
    float64 [N]; with `return_sequences`, a tuple (values, sequences).
  """
  path, text = _read_text(path)
  if text.lstrip().startswith("{"):
    values, seqs = _json_predictions(path, text, n), None
  else:
    seqs, fields = _tab_rows(path, text)
    values = np.empty(len(fields), np.float64)
    for i, field in enumerate(fields):
      if field.lower() in _MISSING_VALUES:
        raise InputError("missing prediction (every position needs a "
                         "number)", path, i + 1)
      values[i] = _number(field, path, i + 1, "prediction")
    if n is not None and len(values) != n:
      raise InputError(f"{len(values):,} predictions but the ground truth "
                       f"has {n:,} rows (one prediction per test position, "
                       "in order)", path)
  return (values, seqs) if return_sequences else values


def _is_whole(text: str) -> bool:
  text = text.strip()
  return text.isascii() and text.isdigit()


def _json_predictions(path: str, text: str, n: int | None) -> np.ndarray:
  def pairs_hook(pairs):
    seen = set()
    for key, _ in pairs:
      if key in seen:
        raise InputError(f"position {key!r} appears twice", path)
      seen.add(key)
    return dict(pairs)

  try:
    data = json.loads(text, object_pairs_hook=pairs_hook)
  except json.JSONDecodeError as e:
    raise InputError(f"invalid JSON: {e.msg}", path, e.lineno) from None
  if not isinstance(data, dict) or not data:
    raise InputError('expected a JSON object {"<position>": prediction} with '
                     "at least one entry", path)
  positions = np.empty(len(data), np.int64)
  values = np.empty(len(data), np.float64)
  for i, (key, value) in enumerate(data.items()):
    if not _is_whole(key):
      raise InputError(f"key {key!r} is not a position (a whole number >= 0)",
                       path)
    positions[i] = int(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
      raise InputError(f"prediction for position {key} is not a number: "
                       f"{value!r}", path)
    if not math.isfinite(value):
      raise InputError(f"prediction for position {key} is not finite", path)
    values[i] = value
  if len(np.unique(positions)) != len(positions):
    raise InputError("a position appears twice (e.g. '0' and '00')", path)
  expected = len(positions) if n is None else n
  extra = positions[positions >= expected]
  if extra.size:
    raise InputError(f"{extra.size:,} positions beyond the last ground-truth "
                     f"row {expected - 1} (first: {int(extra.min())})", path)
  if len(positions) != expected:
    missing = np.setdiff1d(np.arange(expected), positions)
    raise InputError(f"{missing.size:,} positions missing (first: "
                     f"{int(missing[0])}); the ground truth has {expected:,} "
                     "rows, each needs one prediction", path)
  out = np.empty(expected, np.float64)
  out[positions] = values
  return out


def _read_csv(path: str):
  import pandas as pd
  try:
    # Blank lines are kept (and dropped below) so row i is line i + 2.
    return pd.read_csv(path, skip_blank_lines=False)
  except pd.errors.EmptyDataError:
    raise InputError("empty file", path) from None
  except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as e:
    problem = " ".join(str(e).split())
    raise InputError(f"not a readable CSV file ({problem})", path) from None


def _positions(df, column: str, path: str, n: int | None) -> np.ndarray:
  """int64 [rows] of a position column; InputError naming the line if bad."""
  import pandas as pd
  raw = df[column]
  values = pd.to_numeric(raw, errors="coerce").to_numpy(np.float64)
  bad = ~np.isfinite(values) | (values != np.floor(values)) | (values < 0)
  if n is not None:
    bad |= values >= n
  if bad.any():
    row = int(np.flatnonzero(bad)[0])
    field = raw.iloc[row]
    if isinstance(field, float) and math.isnan(field):
      problem = f"empty {column}"
    elif n is not None and np.isfinite(values[row]) and values[row] >= n:
      problem = (f"{column} {field} is out of range: the ground truth has "
                 f"{n:,} rows (positions 0..{n - 1})")
    else:
      problem = f"{column} {field!r} is not a position (a whole number >= 0)"
    raise InputError(problem, path, row + 2)
  return values.astype(np.int64)


def load_subset(path: str | os.PathLike, n: int | None = None) -> np.ndarray:
  """One subset CSV: int64 [k] sorted unique positions (`pos` column) or
  int64 [k, 2] sorted unique (alt_pos, ref_pos) pairs.

  `n`: number of ground-truth rows; positions must lie in 0..n-1.
  """
  path = files.check_readable(path)
  df = _read_csv(path)
  df = df.dropna(how="all")  # blank lines
  if "pos" in df.columns:
    return np.unique(_positions(df, "pos", path, n))
  if "alt_pos" in df.columns and "ref_pos" in df.columns:
    alt = _positions(df, "alt_pos", path, n)
    ref = _positions(df, "ref_pos", path, n)
    pairs = np.stack([alt, ref], axis=1)
    return np.unique(pairs, axis=0) if len(pairs) else pairs.reshape(0, 2)
  raise InputError(f"no `pos` column nor `alt_pos` and `ref_pos` columns "
                   f"(columns: {', '.join(map(str, df.columns))})", path)


def load_subsets(directory: str | os.PathLike,
                 n: int | None = None) -> dict[str, np.ndarray]:
  """The official subset CSVs of `directory` (the challenge's test_subset_ids).

  Returns:
    {name: positions} for every file present, names from SUBSET_NAMES:
    int64 [k] for single subsets, int64 [k, 2] (alt, ref) for pair subsets.
    Absent files are absent from the dict (`score` reports them as missing).
  """
  directory = os.fspath(directory)
  if not os.path.isdir(directory):
    raise InputError("no such directory (expected the challenge's "
                     "test_subset_ids folder)", directory)
  out = {}
  for name, filename in {**SINGLE_FILES, **PAIR_FILES}.items():
    path = os.path.join(directory, filename)
    if not os.path.exists(path):
      continue
    positions = load_subset(path, n)
    expect_pairs = name in PAIR_FILES
    if (positions.ndim == 2) != expect_pairs:
      want = "`alt_pos` and `ref_pos`" if expect_pairs else "`pos`"
      raise InputError(f"the {name} subset needs a {want} column", path)
    out[name] = positions
  if not out:
    expected = ", ".join({**SINGLE_FILES, **PAIR_FILES}.values())
    raise InputError(f"none of the subset files found (expected {expected})",
                     directory)
  return out


def _load_json_keys(path: str) -> list[str]:
  path, text = _read_text(path)
  try:
    data = json.loads(text)
  except json.JSONDecodeError as e:
    raise InputError(f"invalid JSON: {e.msg}", path, e.lineno) from None
  if not isinstance(data, dict):
    raise InputError("expected a JSON object keyed by position", path)
  return list(data)


def load_public(directory: str | os.PathLike, n: int | None = None
                ) -> tuple[set[int], set[tuple[int, int]]]:
  """Public-leaderboard positions of the challenge's public_leaderboard_ids.

  Returns:
    (single positions of the five single subsets,
     (alt, ref) pairs of the three pair subsets). All eight files are needed.
  """
  directory = os.fspath(directory)
  if not os.path.isdir(directory):
    raise InputError("no such directory (expected the challenge's "
                     "public_leaderboard_ids folder)", directory)
  singles: set[int] = set()
  pairs: set[tuple[int, int]] = set()
  for name, filename in PUBLIC_FILES.items():
    path = os.path.join(directory, filename)
    if not os.path.exists(path):
      raise InputError("missing public-leaderboard file (all eight are "
                       "needed to filter public positions)", path)
    for key in _load_json_keys(path):
      parts = key.split(",")
      want = 2 if name in PAIR_FILES else 1
      if len(parts) != want or not all(_is_whole(p) for p in parts):
        form = '"alt,ref"' if want == 2 else '"position"'
        raise InputError(f"key {key!r} is not of the form {form}", path)
      items = tuple(int(p) for p in parts)
      if n is not None and max(items) >= n:
        raise InputError(f"position {max(items)} in key {key!r} is out of "
                         f"range: the ground truth has {n:,} rows", path)
      if want == 2:
        pairs.add(items)
      else:
        singles.add(items[0])
  return singles, pairs


# --- Scoring ------------------------------------------------------------------

def correlations(truth: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
  """(Pearson r, Spearman rho) with scipy; NaN when undefined.

  Undefined: fewer than 2 items, or a side that is constant.
  """
  from scipy import stats
  truth = np.asarray(truth, np.float64)
  pred = np.asarray(pred, np.float64)
  if len(truth) < 2 or np.ptp(truth) == 0 or np.ptp(pred) == 0:
    return float("nan"), float("nan")
  with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    r = float(stats.pearsonr(truth, pred)[0])
    rho = float(stats.spearmanr(truth, pred)[0])
  return r, rho


def _check_mode(mode: str, public) -> str:
  if mode not in MODES:
    raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
  if public is None:
    if mode == "only":
      raise InputError("public-leaderboard mode `only` needs the "
                       "public-leaderboard positions (--public_dir)")
    return "ignore"
  return mode


def score(predictions, ground_truth, subsets: Mapping[str, Any],
          public: tuple[set[int], set[tuple[int, int]]] | None = None,
          mode: str = "exclude") -> dict:
  """The challenge's Pearson and Spearman scores, with every correlation.

  Args:
    predictions: [N] predictions in position order (finite).
    ground_truth: [N] measured values; NaN rows are skipped.
    subsets: {name: positions} as from `load_subsets` ([k] or [k, 2]).
    public: (single positions, pairs) from `load_public`, or None.
    mode: what to do with public-leaderboard positions: "exclude" (the
      original's default), "only" or "ignore". Without `public`, "ignore".

  Returns:
    dict with pearson_score, spearman_score (NaN if a correlation is
    undefined), complete, score_covers, score_weight, missing_subsets,
    undefined_subsets, public_mode, counts and subsets: {name: {pearson,
    pearson_squared, spearman, n, weight, kind, listed, skipped_missing_truth,
    public_filtered}} for "all" and each present subset.
  """
  pred = np.asarray(predictions, np.float64).ravel()
  truth = np.asarray(ground_truth, np.float64).ravel()
  n = len(truth)
  if len(pred) != n:
    raise InputError(f"{len(pred):,} predictions but the ground truth has "
                     f"{n:,} rows")
  if not np.all(np.isfinite(pred)):
    bad = int(np.flatnonzero(~np.isfinite(pred))[0])
    raise InputError(f"prediction for position {bad} is not finite")
  unknown = set(subsets) - set(SUBSET_NAMES)
  if unknown:
    raise ValueError(f"unknown subsets {sorted(unknown)}; known: "
                     f"{list(SUBSET_NAMES)}")
  mode = _check_mode(mode, public)
  valid = np.isfinite(truth)

  public_single: set[int] = set()
  public_pairs: set[tuple[int, int]] = set()
  public_mask = np.zeros(n, bool)
  if public is not None:
    public_single = {int(p) for p in public[0]}
    public_pairs = {(int(a), int(b)) for a, b in public[1]}
    members = public_single | {p for pair in public_pairs for p in pair}
    idx = np.fromiter(members, np.int64, len(members))
    if idx.size and (idx.min() < 0 or idx.max() >= n):
      raise InputError(f"public-leaderboard position {int(idx.max())} is out "
                       f"of range: the ground truth has {n:,} rows")
    public_mask[idx] = True

  results: dict[str, dict] = {}

  def keep_single(positions: np.ndarray) -> np.ndarray:
    if mode == "exclude":
      return positions[~public_mask[positions]]
    if mode == "only":
      return positions[public_mask[positions]]
    return positions

  def add(name, kind, listed, kept, used, x_truth, x_pred):
    r, rho = correlations(x_truth, x_pred)
    results[name] = {
        "pearson": r, "pearson_squared": r * r, "spearman": rho,
        "n": int(used), "weight": WEIGHTS[name], "kind": kind,
        "listed": int(listed), "public_filtered": int(listed - kept),
        "skipped_missing_truth": int(kept - used)}

  everything = np.arange(n)
  kept = keep_single(everything)
  used = kept[valid[kept]]
  add("all", "single", n, len(kept), len(used), truth[used], pred[used])

  for name in SUBSET_NAMES:
    if name not in subsets:
      continue
    positions = np.asarray(subsets[name], np.int64)
    is_pair = name in PAIR_FILES
    if is_pair:
      positions = positions.reshape(-1, 2)
      positions = (np.unique(positions, axis=0) if len(positions)
                   else positions)
    else:
      positions = np.unique(positions.ravel())
    if positions.size and (positions.min() < 0 or positions.max() >= n):
      raise InputError(f"subset {name}: position {int(positions.max())} is "
                       f"out of range: the ground truth has {n:,} rows")
    if is_pair:
      if mode == "ignore":
        keep = np.ones(len(positions), bool)
      else:
        in_public = np.array([(int(a), int(b)) in public_pairs
                              for a, b in positions], bool).reshape(-1)
        keep = ~in_public if mode == "exclude" else in_public
      kept_pairs = positions[keep]
      ok = valid[kept_pairs[:, 0]] & valid[kept_pairs[:, 1]]
      usable = kept_pairs[ok]
      alt, ref = usable[:, 0], usable[:, 1]
      add(name, "pair", len(positions), len(kept_pairs), len(usable),
          truth[alt] - truth[ref], pred[alt] - pred[ref])
    else:
      kept = keep_single(positions)
      used = kept[valid[kept]]
      add(name, "single", len(positions), len(kept), len(used), truth[used],
          pred[used])

  missing = [name for name in SUBSET_NAMES if name not in subsets]
  covers = list(results)
  complete = not missing
  weight = TOTAL_WEIGHT if complete else math.fsum(WEIGHTS[c] for c in covers)
  undefined = [c for c in covers if math.isnan(results[c]["pearson"])]
  # Summed left to right in the official order, as the original does, so a
  # complete result equals the official formula to the last bit.
  pearson_sum = spearman_sum = 0.0
  for c in covers:
    pearson_sum += WEIGHTS[c] * results[c]["pearson"] ** 2
    spearman_sum += WEIGHTS[c] * results[c]["spearman"]
  pearson_score = pearson_sum / weight
  spearman_score = spearman_sum / weight
  return {
      "pearson_score": pearson_score,
      "spearman_score": spearman_score,
      "complete": complete,
      "score_covers": covers,
      "score_weight": weight,
      "missing_subsets": missing,
      "undefined_subsets": undefined,
      "public_mode": mode,
      "counts": {
          "ground_truth_rows": n,
          "skipped_missing_truth": int((~valid).sum()),
          "public_single_positions": len(public_single),
          "public_pairs": len(public_pairs),
          "public_positions": int(public_mask.sum()),
      },
      "subsets": results,
  }


# --- Reporting ----------------------------------------------------------------

def jsonable(value):
  """`value` with NaN/inf floats replaced by None (strict JSON)."""
  if isinstance(value, dict):
    return {k: jsonable(v) for k, v in value.items()}
  if isinstance(value, (list, tuple)):
    return [jsonable(v) for v in value]
  if isinstance(value, (float, np.floating)):
    value = float(value)
    return value if math.isfinite(value) else None
  if isinstance(value, np.integer):
    return int(value)
  return value


def _fmt(value: float, digits: int = 4) -> str:
  return "undefined" if value is None or math.isnan(value) else \
      f"{value:.{digits}f}"


def _score_note(result: dict) -> list[str]:
  notes = []
  if not result["complete"]:
    notes.append(
        f"INCOMPLETE: subset files missing: "
        f"{', '.join(result['missing_subsets'])}. The scores cover "
        f"{', '.join(result['score_covers'])} only and are divided by their "
        f"weight {result['score_weight']:g} instead of {TOTAL_WEIGHT}; they "
        "are not the official scores.")
  if result["undefined_subsets"]:
    notes.append(
        f"Undefined correlation (fewer than 2 items or a constant side) for: "
        f"{', '.join(result['undefined_subsets'])}; the scores are undefined.")
  return notes


def _mode_text(result: dict) -> str:
  return {"exclude": "public-leaderboard positions excluded (final "
                     "leaderboard)",
          "only": "public-leaderboard positions only (public leaderboard)",
          "ignore": "all positions (public-leaderboard positions not "
                    "filtered)"}[result["public_mode"]]


def to_text(result: dict) -> str:
  """A plain-text table of the result, for a terminal."""
  lines = [f"{'set':<20}{'weight':>7}{'n':>9}{'Pearson r':>11}{'r^2':>9}"
           f"{'Spearman':>10}"]
  for name, s in result["subsets"].items():
    lines.append(f"{name:<20}{s['weight']:>7g}{s['n']:>9,}"
                 f"{_fmt(s['pearson']):>11}{_fmt(s['pearson_squared']):>9}"
                 f"{_fmt(s['spearman']):>10}")
  for name in result["missing_subsets"]:
    lines.append(f"{name:<20}{WEIGHTS[name]:>7g}{'missing file':>39}")
  lines.append("")
  lines.append(f"Pearson score:  {_fmt(result['pearson_score'])}")
  lines.append(f"Spearman score: {_fmt(result['spearman_score'])}")
  lines.append(f"Scored on {_mode_text(result)}; "
               f"{result['counts']['skipped_missing_truth']:,} ground-truth "
               "rows without a value skipped.")
  lines.extend(_score_note(result))
  return "\n".join(lines) + "\n"


def to_markdown(result: dict, title: str = "DREAM Challenge 2022 score") -> str:
  """The result as a Markdown report."""
  out = [f"# {title}", ""]
  out.append("| | Pearson score | Spearman score |")
  out.append("|---|---:|---:|")
  out.append(f"| {'official' if result['complete'] else 'partial'} | "
             f"{_fmt(result['pearson_score'])} | "
             f"{_fmt(result['spearman_score'])} |")
  out.append("")
  for note in _score_note(result):
    out.append(f"**{note}**")
    out.append("")
  out.append(f"Scored on {_mode_text(result)}. Pearson score = "
             "sum(weight x r^2) / sum(weights); Spearman score = "
             "sum(weight x rho) / sum(weights); pairs are scored on "
             "within-pair differences.")
  out.append("")
  out.append("| set | kind | weight | n | Pearson r | r² | Spearman ρ |")
  out.append("|---|---|---:|---:|---:|---:|---:|")
  for name, s in result["subsets"].items():
    out.append(f"| {name} | {s['kind']} | {s['weight']:g} | {s['n']:,} | "
               f"{_fmt(s['pearson'])} | {_fmt(s['pearson_squared'])} | "
               f"{_fmt(s['spearman'])} |")
  for name in result["missing_subsets"]:
    out.append(f"| {name} | missing file | {WEIGHTS[name]:g} | - | - | - | - |")
  c = result["counts"]
  out.append("")
  out.append(f"Ground truth: {c['ground_truth_rows']:,} rows, "
             f"{c['skipped_missing_truth']:,} without a measured value "
             f"(skipped). Public leaderboard: {c['public_positions']:,} "
             f"positions, {c['public_pairs']:,} pairs.")
  return "\n".join(out) + "\n"
