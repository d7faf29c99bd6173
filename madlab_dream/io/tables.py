"""Tables with a header row: named sequence, target and split columns.

`read_table(path, config)` reads a TSV or CSV (by the file name: `.csv`
or `.csv.gz` is comma-separated, anything else tab-separated; or
`config.delimiter`), gzip by its magic bytes, every field as text. Other
columns are ignored. Each row is checked: a sequence that is empty or holds
a character outside ACGTN, a target that is missing (empty or NaN), not a
number, or beyond float32's range (what the model predicts in). A header
that names a column twice is refused (which one would be meant?). A bad row is an InputError naming the file, line and column; with
`config.skip_bad_rows` it is skipped, and every skipped line is counted by
reason. Line numbers are the file's (the header is line 1).

The DeepSTARR files of the challenge paper's benchmarks read as

  read_table("deepstarr_train.txt", DataConfig(seq_len=249,
      sequence_column="Sequence",
      target_columns=("Dev_log2_enrichment", "Hk_log2_enrichment")))
"""

from __future__ import annotations

import csv
import dataclasses
import io

import numpy as np

from madlab_dream.config import DataConfig
from madlab_dream.errors import InputError
from madlab_dream.io import files
from madlab_dream.io import sequences

#: Why a row is bad, in the order the checks run.
REASONS = ("bad sequence", "missing target", "non-numeric target",
           "target too large")
#: The largest target magnitude: float32's range.
TARGET_LIMIT = float(np.finfo(np.float32).max)


@dataclasses.dataclass
class TableRows:
  """The good rows of a table.

  codes: uint8 [N, L] after the length policy; targets: float64 [N, T];
  lengths: int64 [N] before it; lines: int64 [N] the file's line numbers;
  split: the split column's values [N] (object), or None without one;
  counts: read, kept, skipped (by reason: {reason: [lines]}).
  """
  codes: np.ndarray
  targets: np.ndarray
  lengths: np.ndarray
  lines: np.ndarray
  split: np.ndarray | None
  counts: dict


def delimiter_of(path: str, config: DataConfig) -> str:
  if config.delimiter is not None:
    return config.delimiter
  name = str(path).lower()
  name = name.removesuffix(".gz")
  return "," if name.endswith(".csv") else "\t"


def _frame(path: str, config: DataConfig, columns: list[str]):
  """The named columns of the table as text (pandas DataFrame)."""
  import pandas as pd  # seconds to import: only tables need it
  with files.open_input(path) as source:
    _check_header(path, config, source.head)
    text = io.BytesIO(b"".join(source.chunks()))
    try:
      frame = pd.read_csv(text, sep=delimiter_of(path, config), dtype=str,
                          keep_default_na=False, skip_blank_lines=False,
                          na_filter=False, engine="c")
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as e:
      reason = str(e).strip().splitlines()[0] if str(e).strip() else "empty"
      raise InputError(f"cannot read the table: {reason}", path) from None
  missing = [c for c in columns if c not in frame.columns]
  if missing:
    raise InputError(
        f"no column {', '.join(map(repr, missing))} in the header (columns: "
        f"{', '.join(map(str, frame.columns))}; delimiter "
        f"{delimiter_of(path, config)!r})", path, 1)
  return frame


def _check_header(path: str, config: DataConfig, head: bytes) -> None:
  """Refuses a header row that names a column twice."""
  line = head.decode("utf-8", "replace").rstrip("\r\n")
  names = next(csv.reader([line], delimiter=delimiter_of(path, config)), [])
  seen, twice = set(), []
  for name in (n.strip() for n in names):
    if name in seen and name not in twice:
      twice.append(name)
    seen.add(name)
  if twice:
    raise InputError(f"the header names column(s) {', '.join(map(repr, twice))}"
                     " more than once; rename them so each is meant once",
                     path, 1)


def _columns(config: DataConfig) -> list[str]:
  names = [config.sequence_column, *config.target_columns]
  return names + ([config.split_column] if config.split_column else [])


def longest_sequence(path: str, config: DataConfig) -> int:
  """The length of the longest sequence in the table (for --seq_len=auto)."""
  frame = _frame(path, config, [config.sequence_column])
  lengths = frame[config.sequence_column].str.strip().str.len()
  if not len(lengths):
    raise InputError("the table has no rows", path)
  return int(lengths.max())


def _bad_rows(frame, config: DataConfig):
  """({reason: bool [N]}, the targets float64 [N, T], the sequences)."""
  # pandas imported when used: slow to import, only this step needs it.
  import pandas as pd
  seqs = frame[config.sequence_column].str.strip()
  bad = {"bad sequence": ~seqs.str.fullmatch("[ACGTNacgtn]+").to_numpy(bool)}
  targets = np.empty((len(frame), len(config.target_columns)), np.float64)
  missing = np.zeros(len(frame), bool)
  non_numeric = np.zeros(len(frame), bool)
  too_large = np.zeros(len(frame), bool)
  for j, column in enumerate(config.target_columns):
    text = frame[column].str.strip()
    values = pd.to_numeric(text, errors="coerce").to_numpy(np.float64)
    empty = (text == "").to_numpy(bool) | text.str.lower().isin(
        ["nan", "na", "n/a", "null", "none"]).to_numpy(bool)
    missing |= empty
    non_numeric |= ~empty & ~np.isfinite(values)
    with np.errstate(invalid="ignore"):
      too_large |= np.isfinite(values) & (np.abs(values) > TARGET_LIMIT)
    targets[:, j] = values
  bad["missing target"] = missing & ~bad["bad sequence"]
  bad["non-numeric target"] = (non_numeric & ~missing &
                               ~bad["bad sequence"])
  bad["target too large"] = (too_large & ~non_numeric & ~missing &
                             ~bad["bad sequence"])
  return bad, targets, seqs


def _problem(frame, config: DataConfig, reason: str, row: int) -> str:
  """The one-line problem of bad row `row` (its column named)."""
  if reason == "bad sequence":
    seq = frame[config.sequence_column].iloc[row].strip()
    if not seq:
      return f"column {config.sequence_column!r}: empty sequence"
    index = next(i for i, c in enumerate(seq) if c not in "ACGTNacgtn")
    return (f"column {config.sequence_column!r}: "
            f"{sequences.invalid_character(seq[index], index + 1)}")
  for column in config.target_columns:
    text = frame[column].iloc[row].strip()
    try:
      if np.isfinite(float(text)) and abs(float(text)) <= TARGET_LIMIT:
        continue
    except ValueError:
      pass
    if reason == "target too large":
      return (f"column {column!r}: target too large ({text!r}; at most "
              f"{TARGET_LIMIT:.4g} in magnitude, float32's range)")
    return f"column {column!r}: {reason} ({text!r})"
  return reason


def read_table(path: str, config: DataConfig) -> TableRows:
  """The good rows of the table at `path` (see the module docstring)."""
  frame = _frame(path, config, _columns(config))
  bad, targets, seqs = _bad_rows(frame, config)
  any_bad = np.zeros(len(frame), bool)
  for mask in bad.values():
    any_bad |= mask
  if any_bad.any() and not config.skip_bad_rows:
    row = int(np.flatnonzero(any_bad)[0])
    reason = next(r for r in REASONS if bad[r][row])
    raise InputError(f"{_problem(frame, config, reason, row)} (pass "
                     "--skip_bad_rows to skip such rows)", path, row + 2)
  good = np.flatnonzero(~any_bad)
  kept = seqs.iloc[good].tolist()
  codes = sequences.encode(kept, config.seq_len, path)
  skipped = {reason: (np.flatnonzero(mask) + 2).tolist()
             for reason, mask in bad.items() if mask.any()}
  split = None
  if config.split_column:
    split = frame[config.split_column].str.strip().to_numpy(object)[good]
  return TableRows(
      codes=codes, targets=targets[good],
      lengths=np.fromiter((len(s) for s in kept), np.int64, len(kept)),
      lines=good.astype(np.int64) + 2, split=split,
      counts={"read": len(frame), "kept": len(good),
              "skipped": skipped})


def read_sequences(path: str, column: str, delimiter: str | None = None
                   ) -> list[str]:
  """The sequences of `column` of a table with a header row (for predict;
  the delimiter as `read_table`'s), in file order (line i + 2 holds
  sequence i); InputError for a missing column."""
  config = DataConfig(sequence_column=column, target_columns=(column,),
                      delimiter=delimiter)  # a target only to be valid
  frame = _frame(path, config, [column])
  return frame[column].str.strip().tolist()


def skipped_summary(path: str, counts: dict) -> str | None:
  """One line naming every skipped line by reason, or None."""
  if not counts["skipped"]:
    return None
  parts = [f"{len(lines):,} {reason} (line{'s' if len(lines) > 1 else ''} "
           f"{', '.join(map(str, lines))})"
           for reason, lines in counts["skipped"].items()]
  return f"{path}: skipped {'; '.join(parts)}"
