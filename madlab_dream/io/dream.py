"""Reading the challenge's text files: `sequence<TAB>expression`, no header.

The reader works on blocks of ~16 MB with NumPy (no per-character Python
loop), so the 6.7 M-row training file streams through in bounded memory.
Accepted: `.gz`, CRLF line endings, lower case, a last line without newline,
an empty expression column when `require_expression=False` (the test file).
Everything else that is malformed raises `InputError` with file and line:
binary data, a header line, a wrong number of columns, an empty sequence,
characters outside ACGTN, a non-numeric, NaN or infinite expression, or one
beyond float32's range.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Iterator

import numpy as np

from madlab_dream.errors import InputError
from madlab_dream.io import files
from madlab_dream.io import sequences

_NL, _CR, _TAB = 10, 13, 9
_MAX_VALUE_CHARS = 64
_BINARY = ("binary or non-ASCII data; expected a DREAM text file "
           "(`sequence<TAB>expression`)")


def _wrong_columns(found: int, columns: int) -> str:
  what = ("`sequence<TAB>expression`" if columns == 2 else
          "one sequence per line")
  return f"wrong number of columns: {found} (expected {columns}, {what})"


@dataclasses.dataclass
class Rows:
  """Parsed rows of a DREAM file (or of one block of it).

  codes: uint8 [N, L] encoded sequences after the length policy.
  expression: float64 [N]; NaN where the column is empty (test file).
  lengths: int32 [N] sequence lengths before the length policy.
  first_line: 1-based line number of row 0 in the file.
  text: the raw sequences as str, only when asked for (`keep_text=True`).
  ids: each sequence's id (a FASTA record's name), or None without ids.
  """
  codes: np.ndarray
  expression: np.ndarray
  lengths: np.ndarray
  first_line: int = 1
  text: list[str] | None = None
  ids: list[str] | None = None

  def __len__(self) -> int:
    return len(self.codes)


def parse_block(block: bytes, source: str, first_line: int, seq_len: int,
                columns: int = 2, require_expression: bool = True,
                keep_text: bool = False) -> Rows:
  """Parses complete lines (the last may lack its newline) of a DREAM file.

  Args:
    block: bytes holding whole lines.
    source: file name for error messages.
    first_line: line number of the block's first line.
    seq_len: L for the length policy.
    columns: 2 for `sequence<TAB>expression`, 1 for one sequence per line.
    require_expression: if False, an empty expression column gives NaN.
    keep_text: also return the sequences as strings.
  """
  arr = np.frombuffer(block, dtype=np.uint8)
  if arr.size == 0:
    return Rows(np.zeros((0, seq_len), np.uint8), np.zeros(0),
                np.zeros(0, np.int32), first_line, [] if keep_text else None)
  lines = _Lines.of(arr, first_line)
  odd = np.flatnonzero((arr == 0) | (arr >= 128))
  if odd.size:
    raise InputError(_BINARY, source, lines.line_of(odd[0]))
  seq_ends = _sequence_ends(arr, lines, columns, source)
  lengths = seq_ends - lines.starts
  codes_all = sequences.LOOKUP[arr]
  _check_sequences(arr, codes_all, lines, seq_ends, columns, source)
  codes = sequences.fit_length(codes_all, lines.starts, lengths, seq_len)
  if columns == 2:
    expression = _parse_values(arr, seq_ends + 1, lines.ends, source,
                               first_line, require_expression)
  else:
    expression = np.full(len(lines.starts), np.nan)
  text = None
  if keep_text:
    text = [block[s:e].decode("ascii") for s, e in zip(lines.starts,
                                                       seq_ends)]
  return Rows(codes, expression, lengths.astype(np.int32), first_line, text)


@dataclasses.dataclass(frozen=True)
class _Lines:
  """Where each line of a block starts and ends (its CR and LF excluded)."""
  starts: np.ndarray  # int64 [n]
  ends: np.ndarray    # int64 [n]
  first_line: int

  @classmethod
  def of(cls, arr: np.ndarray, first_line: int) -> _Lines:
    newlines = np.flatnonzero(arr == _NL)
    if newlines.size == 0 or newlines[-1] != arr.size - 1:
      newlines = np.append(newlines, arr.size)  # last line without newline
    starts = np.concatenate([[0], newlines[:-1] + 1]).astype(np.int64)
    ends = newlines.astype(np.int64)
    has_cr = (ends > starts) & (arr[np.maximum(ends - 1, 0)] == _CR)
    return cls(starts, ends - has_cr, first_line)

  def line_of(self, pos: int) -> int:
    """The file's line number of byte `pos` of the block."""
    return self.first_line + int(
        np.searchsorted(self.starts, pos, side="right") - 1)


def _sequence_ends(arr: np.ndarray, lines: _Lines, columns: int,
                   source: str) -> np.ndarray:
  """int64 [n]: where each line's sequence ends (its tab, or the line end);
  InputError for an empty line or a wrong number of columns."""
  n = len(lines.starts)
  tabs = np.flatnonzero(arr == _TAB)
  tab_line = np.searchsorted(lines.starts, tabs, side="right") - 1
  tab_count = np.bincount(tab_line, minlength=n)
  bad = np.flatnonzero(tab_count != columns - 1)
  if bad.size:
    row = int(bad[0])
    if lines.ends[row] == lines.starts[row]:
      raise InputError("empty line", source, lines.first_line + row)
    raise InputError(_wrong_columns(int(tab_count[row]) + 1, columns),
                     source, lines.first_line + row)
  if columns != 2:
    return lines.ends
  seq_ends = np.empty(n, np.int64)
  seq_ends[tab_line] = tabs
  return seq_ends


def _check_sequences(arr: np.ndarray, codes_all: np.ndarray, lines: _Lines,
                     seq_ends: np.ndarray, columns: int, source: str) -> None:
  """InputError at the first line with an empty sequence or a character
  outside ACGTN (a header line is named as such)."""
  starts, lengths = lines.starts, seq_ends - lines.starts
  marks = np.zeros(arr.size + 1, np.int8)
  marks[starts] += 1
  marks[seq_ends] -= 1
  in_seq = np.cumsum(marks[:-1], dtype=np.int8).astype(bool)
  bad_chars = np.flatnonzero(in_seq & (codes_all == sequences.INVALID))
  empty = np.flatnonzero(lengths == 0)
  problems = []
  if empty.size:
    problems.append(lines.first_line + int(empty[0]))
  if bad_chars.size:
    problems.append(lines.line_of(bad_chars[0]))
  if not problems:
    return
  first_bad = min(problems)
  row = first_bad - lines.first_line
  if columns == 2 and row == 0 and lines.first_line == 1 and lengths[0] > 0:
    value = bytes(arr[seq_ends[0] + 1:lines.ends[0]])
    if not _is_number(value):
      raise InputError("looks like a header line; DREAM files have no "
                       "header (`sequence<TAB>expression` on every line)",
                       source, 1)
  if lengths[row] == 0:
    raise InputError("empty sequence", source, first_bad)
  offset = int(np.flatnonzero(
      codes_all[starts[row]:seq_ends[row]] == sequences.INVALID)[0])
  char = chr(arr[starts[row] + offset])
  raise InputError(sequences.invalid_character(char, offset + 1), source,
                   first_bad)


def _is_number(field: bytes) -> bool:
  try:
    float(field)
    return True
  except ValueError:
    return False


#: The largest expression magnitude: float32's range (what models predict in).
_VALUE_LIMIT = float(np.finfo(np.float32).max)


def _parse_values(arr: np.ndarray, vstart: np.ndarray, vend: np.ndarray,
                  source: str, first_line: int,
                  require_expression: bool) -> np.ndarray:
  """Parses the expression column, vectorised through a fixed-width S array."""
  vlen = vend - vstart
  n = len(vlen)
  empty = vlen == 0
  if require_expression and empty.any():
    raise InputError("empty expression value", source,
                     first_line + int(np.flatnonzero(empty)[0]))
  too_long = np.flatnonzero(vlen > _MAX_VALUE_CHARS)
  if too_long.size:
    raise InputError("expression value is not a number (field too long)",
                     source, first_line + int(too_long[0]))
  width = max(int(vlen.max()), 1)
  cols = np.arange(width, dtype=np.int64)
  idx = vstart[:, None] + cols[None, :]
  mask = cols[None, :] < vlen[:, None]
  field = np.zeros((n, width), np.uint8)
  field[mask] = arr[idx[mask]]
  strings = field.view(f"S{width}").ravel()
  values = np.full(n, np.nan)
  filled = ~empty
  try:
    values[filled] = strings[filled].astype(np.float64)
  except ValueError:
    for row in np.flatnonzero(filled):
      if not _is_number(strings[row]):
        text = strings[row].decode("ascii", "replace")
        raise InputError(f"expression value {text!r} is not a number",
                         source, first_line + int(row)) from None
    raise
  nonfinite = np.flatnonzero(filled & ~np.isfinite(values))
  if nonfinite.size:
    row = int(nonfinite[0])
    raise InputError(f"expression value {values[row]} is not finite", source,
                     first_line + row)
  huge = np.flatnonzero(filled & (np.abs(values) > _VALUE_LIMIT))
  if huge.size:
    row = int(huge[0])
    raise InputError(f"expression value {values[row]:g} is too large (at "
                     f"most {_VALUE_LIMIT:.4g} in magnitude, float32's range)",
                     source, first_line + row)
  return values


def iter_rows(path: str | os.PathLike, seq_len: int = 110,
              columns: int | None = 2, require_expression: bool = True,
              keep_text: bool = False, chunk_bytes: int = files.CHUNK_BYTES,
              on_bytes=None) -> Iterator[Rows]:
  """Streams a DREAM file as `Rows` blocks, in file order (see `rows_of`)."""
  with files.open_input(path) as source:
    yield from rows_of(source, seq_len, columns, require_expression,
                       keep_text, chunk_bytes, on_bytes)


def rows_of(source: files.Input, seq_len: int = 110, columns: int | None = 2,
            require_expression: bool = True, keep_text: bool = False,
            chunk_bytes: int = files.CHUNK_BYTES,
            on_bytes=None) -> Iterator[Rows]:
  """Streams an opened input as `Rows` blocks, in file order.

  Blocks of about chunk_bytes are parsed at once; a line longer than that
  is gathered once and checked in slices (`_parse_long_line`), so no line
  is held more than about twice (its bytes and, with keep_text, its text).
  `columns=None` takes 2 if the first line has a tab, else 1.
  `on_bytes(raw_block)` is called with every decompressed block (hashing,
  progress). An empty file raises InputError.
  """
  path = source.path
  pending = bytearray()  # the start of a line whose end is still to come
  line = 1
  seen_any = False
  for block in source.chunks(chunk_bytes):
    if on_bytes is not None:
      on_bytes(block)
    seen_any = seen_any or bool(block)
    cut = block.rfind(b"\n")
    if cut < 0:
      pending += block
      continue
    start = 0
    if len(pending) > chunk_bytes:
      start = block.find(b"\n") + 1
      pending += memoryview(block)[:start]
      columns = columns or _columns_of(pending)
      rows = _parse_long_line(pending, path, line, seq_len, columns,
                              require_expression, keep_text)
      pending = bytearray()  # not held while the caller uses the rows
      yield rows
      line += 1
    data = bytes(pending) + block[start:cut + 1] if pending else \
        block[start:cut + 1]
    pending = bytearray(block[cut + 1:])
    if data:
      columns = columns or _columns_of(data[:data.find(b"\n")])
      rows = parse_block(data, path, line, seq_len, columns,
                         require_expression, keep_text)
      line += len(rows)
      yield rows
  if pending:
    columns = columns or _columns_of(pending)
    parse = _parse_long_line if len(pending) > chunk_bytes else parse_block
    rows = parse(pending, path, line, seq_len, columns, require_expression,
                 keep_text)
    del pending
    yield rows
  elif not seen_any:
    raise InputError("empty file (no rows)", path)


def _columns_of(first_line) -> int:
  return 2 if b"\t" in first_line else 1


_SLICE = 4 << 20


def _parse_long_line(line: bytearray, source: str, line_no: int,
                     seq_len: int, columns: int, require_expression: bool,
                     keep_text: bool) -> Rows:
  """One line too long for `parse_block`'s block-wide arrays (a copy per
  step): checked in slices, then parsed from a short stand-in (its last L
  nt and its value); the text, if kept, is decoded once."""
  view = memoryview(line)
  end = len(view)
  if end and view[end - 1] == _NL:
    end -= 1
  if end and view[end - 1] == _CR:
    end -= 1
  tabs, first_tab = 0, -1
  for start in range(0, end, _SLICE):
    piece = np.frombuffer(view[start:min(end, start + _SLICE)], np.uint8)
    if ((piece == 0) | (piece >= 128)).any():
      raise InputError(_BINARY, source, line_no)
    found = np.flatnonzero(piece == _TAB)
    if found.size and first_tab < 0:
      first_tab = start + int(found[0])
    tabs += found.size
  if tabs != columns - 1:
    raise InputError(_wrong_columns(tabs + 1, columns), source, line_no)
  seq_end = first_tab if columns == 2 else end
  if seq_end == 0:
    raise InputError("empty sequence", source, line_no)
  for start in range(0, seq_end, _SLICE):
    codes = sequences.LOOKUP[np.frombuffer(
        view[start:min(seq_end, start + _SLICE)], np.uint8)]
    bad = np.flatnonzero(codes == sequences.INVALID)
    if bad.size:
      position = start + int(bad[0])
      raise InputError(sequences.invalid_character(chr(view[position]),
                                                   position + 1),
                       source, line_no)
  if end - seq_end > _MAX_VALUE_CHARS + 1:
    raise InputError("expression value is not a number (field too long)",
                     source, line_no)
  rows = parse_block(bytes(view[max(0, seq_end - seq_len):end]), source,
                     line_no, seq_len, columns, require_expression)
  rows.lengths[:] = seq_end
  if keep_text:
    rows.text = [str(view[:seq_end], "ascii")]
  return rows


def read(path: str | os.PathLike, seq_len: int = 110,
         require_expression: bool = True, keep_text: bool = False,
         on_bytes=None) -> Rows:
  """Reads a whole DREAM file into one `Rows`."""
  blocks = list(iter_rows(path, seq_len, 2, require_expression, keep_text,
                          on_bytes=on_bytes))
  return concat(blocks, seq_len)


def concat(blocks: list[Rows], seq_len: int) -> Rows:
  """One `Rows` of blocks in order (empty ones of width `seq_len`)."""
  if not blocks:
    return Rows(np.zeros((0, seq_len), np.uint8), np.zeros(0),
                np.zeros(0, np.int32))
  text = None
  if blocks[0].text is not None:
    text = [s for b in blocks for s in b.text]
  codes = (np.concatenate([b.codes for b in blocks]) if len(blocks) > 1
           else blocks[0].codes)
  return Rows(codes,
              np.concatenate([b.expression for b in blocks]),
              np.concatenate([b.lengths for b in blocks]),
              blocks[0].first_line, text)
