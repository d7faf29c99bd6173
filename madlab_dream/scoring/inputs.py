"""Reading the challenge's scoring inputs, each checked with file:line errors.

  load_ground_truth   filtered_test_data_with_MAUDE_expression.txt
  load_predictions    our TSV or the challenge's JSON submission
  load_subset(s)      test_subset_ids/*.csv (positions or alt/ref pairs)
  load_public         public_leaderboard_ids/*.json
"""

from __future__ import annotations

import io
import json
import math
import os

import numpy as np
import pandas as pd

from madlab_dream.errors import InputError
from madlab_dream.io import files
from madlab_dream.scoring.names import PAIR_FILES
from madlab_dream.scoring.names import PUBLIC_FILES
from madlab_dream.scoring.names import SINGLE_FILES

_MISSING_VALUES = {"", "nan", "na", "n/a", "none", "null"}


_JSON_BYTES_PER_POSITION = 64  # `"71102": -0.12345678901234567, ` and room


def _read_text(path: str | os.PathLike,
               max_line_bytes: int = files.MAX_LINE_BYTES) -> tuple[str, str]:
  """(path, text) of a plain or gzip text file; InputError if it is not
  (also for a line longer than `max_line_bytes`)."""
  path = files.check_readable(path)
  data = files.read_bounded(path, max_line_bytes)
  try:
    text = data.decode("utf-8")
  except UnicodeDecodeError as e:
    line = data[:e.start].count(b"\n") + 1
    raise InputError("binary or non-UTF-8 data; expected a text file", path,
                     line) from None
  if text.startswith("\ufeff"):
    text = text[1:]
  return path, text


def _tab_rows(path: str, text: str, flag_column: str | None = None,
              first: int = 1) -> tuple[list[str], list[str]]:
  """(sequences, value fields) of the text of a `sequence<TAB>value` file
  whose first line is line `first`; with `flag_column`, a third column of
  that name (0 or 1) may follow."""
  lines = text.split("\n")
  while lines and not lines[-1].strip():
    lines.pop()  # the final newline, blank lines at the end
  if not lines:
    raise InputError("empty file (no rows)", path)
  seqs, values = [], []
  for number, line in enumerate(lines, first):
    if line.endswith("\r"):
      line = line[:-1]
    if not line.strip():
      raise InputError("empty line (every row is one position)", path, number)
    parts = line.split("\t")
    if flag_column and len(parts) == 3:
      if parts[2].strip() not in ("0", "1"):
        raise InputError(f"{flag_column} must be 0 or 1, got "
                         f"{parts[2].strip()!r}", path, number)
      parts = parts[:2]
    if len(parts) != 2:
      raise InputError(f"wrong number of columns: {len(parts)} (expected 2, "
                       "`sequence<TAB>value`)", path, number)
    seqs.append(parts[0].strip())
    values.append(parts[1].strip())
  return seqs, values


def _without_header(text: str, column: str) -> tuple[str, int]:
  """`text` without a header row `sequence<TAB>{column}[<TAB>...]`, and the
  line number its first row has."""
  head, _, rest = text.partition("\n")
  if head.rstrip("\r").split("\t")[:2] == ["sequence", column]:
    return rest, 2
  return text, 1


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
    path: either `sequence<TAB>prediction[<TAB>out_of_range]` rows in
      position order (predict's header row `sequence<TAB>prediction...`
      first, or none), or JSON `{"<position>": prediction}` (the challenge's
      sample_submission.json) whose positions cover 0..N-1 exactly once.
      `.gz` accepted; the format is recognised from the content.
    n: the number of ground-truth rows; the predictions must match it.
    return_sequences: also return the TSV's sequences (None for JSON).

  Returns:
    float64 [N]; with `return_sequences`, a tuple (values, sequences).
  """
  # A JSON submission may be one line: room for n positions on it.
  limit = max(files.MAX_LINE_BYTES, _JSON_BYTES_PER_POSITION * (n or 0))
  path, text = _read_text(path, limit)
  if text.lstrip().startswith("{"):
    values, seqs = _json_predictions(path, text, n), None
  else:
    text, first = _without_header(text, "prediction")
    seqs, fields = _tab_rows(path, text, "out_of_range", first)
    values = np.empty(len(fields), np.float64)
    for i, field in enumerate(fields):
      if field.lower() in _MISSING_VALUES:
        raise InputError("missing prediction (every position needs a "
                         "number)", path, i + first)
      values[i] = _number(field, path, i + first, "prediction")
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
  data = io.BytesIO(files.read_bounded(path))  # a line of at most 64 MiB
  try:
    # Blank lines are kept (and dropped below) so row i is line i + 2.
    return pd.read_csv(data, skip_blank_lines=False)
  except pd.errors.EmptyDataError:
    raise InputError("empty file", path) from None
  except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as e:
    problem = " ".join(str(e).split())
    raise InputError(f"not a readable CSV file ({problem})", path) from None


def _positions(df, column: str, path: str, n: int | None) -> np.ndarray:
  """int64 [rows] of a position column; InputError naming the line if bad."""
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
  return _unique(subset_rows(path, n))


def _unique(rows: np.ndarray) -> np.ndarray:
  """Sorted unique positions [k] or (alt, ref) pairs [k, 2]."""
  if rows.ndim == 1:
    return np.unique(rows)
  return np.unique(rows, axis=0) if len(rows) else rows.reshape(0, 2)


def subset_rows(path: str | os.PathLike, n: int | None = None) -> np.ndarray:
  """One subset CSV's rows as they are, duplicates included: int64 [k]
  positions or int64 [k, 2] (alt_pos, ref_pos) pairs."""
  path = files.check_readable(path)
  df = _read_csv(path)
  df = df.dropna(how="all")  # blank lines
  if "pos" in df.columns:
    return _positions(df, "pos", path, n)
  if "alt_pos" in df.columns and "ref_pos" in df.columns:
    alt = _positions(df, "alt_pos", path, n)
    ref = _positions(df, "ref_pos", path, n)
    return np.stack([alt, ref], axis=1)
  raise InputError(f"no `pos` column nor `alt_pos` and `ref_pos` columns "
                   f"(columns: {', '.join(map(str, df.columns))})", path)


def load_subsets(directory: str | os.PathLike, n: int | None = None,
                 duplicates: dict | None = None) -> dict[str, np.ndarray]:
  """The official subset CSVs of `directory` (the challenge's test_subset_ids).

  Args:
    directory: the folder of subset CSVs.
    n: the number of ground-truth rows; positions must lie in 0..n-1.
    duplicates: if given, receives {name: rows dropped as duplicates} for
      each subset that had any (a position or pair counts once, as in the
      official evaluation).

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
    rows = subset_rows(path, n)
    positions = _unique(rows)
    if duplicates is not None and len(rows) > len(positions):
      duplicates[name] = len(rows) - len(positions)
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
