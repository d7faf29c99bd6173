"""Sequences to predict, from DREAM TSV, FASTA or one-per-line files.

`iter_sequences(path, L)` streams `dream.Rows` blocks (text, codes after
the length policy, lengths) in input order, whatever the format: FASTA if
the first line starts with `>`, else `sequence<TAB>value` if it holds a
tab, else one sequence per line; `.gz` accepted. The input is opened and
read once, so a pipe works. Every sequence is checked against the alphabet
(`sequences.ALLOWED`); errors name the file and line. A line longer than a
block is held about twice (its bytes and its text), never more.
"""

from __future__ import annotations

import os
import stat
from typing import Iterator

import numpy as np

from madlab_dream.errors import InputError
from madlab_dream.io import dream
from madlab_dream.io import files
from madlab_dream.io import sequences
from madlab_dream.io import tables

BLOCK_BYTES = 4 << 20
_SPACE = frozenset(b" \t\r\n\v\f")


def count_sequences(path: str) -> int | None:
  """How many sequences a plain regular file holds (FASTA: its lines that
  start with `>`; else its lines), counted in one fast pass; None for a
  pipe, a device or a gzip file (unknown without reading it all)."""
  try:
    if not stat.S_ISREG(os.stat(path).st_mode):
      return None
    with open(path, "rb") as f:
      first = f.read(2)
      if first == b"\x1f\x8b":
        return None
      f.seek(0)
      fasta = first[:1] == b">"
      count, last = int(fasta), b""
      while block := f.read(BLOCK_BYTES):
        count += (last + block).count(b"\n>") if fasta else block.count(b"\n")
        last = block[-1:]
      if not fasta and last not in (b"", b"\n"):
        count += 1  # a last line without its newline
      return count
  except OSError:
    return None


def iter_sequences(path: str, seq_len: int,
                   sequence_column: str | None = None
                   ) -> Iterator[dream.Rows]:
  """Yields `Rows` blocks (expression NaN) in input order; with
  `sequence_column`, the sequences of that column of a table with a header
  row (TSV, or CSV by a `.csv` name; read whole)."""
  if sequence_column:
    yield from _table_rows(path, seq_len, sequence_column)
    return
  with files.open_input(path) as source:
    if not source.head:
      raise InputError("empty file (no sequences)", path)
    if source.head.lstrip().startswith(b">"):
      yield from _fasta_rows(source, seq_len)
    else:
      yield from dream.rows_of(source, seq_len, columns=None,
                               require_expression=False, keep_text=True,
                               chunk_bytes=BLOCK_BYTES)


def _table_rows(path: str, seq_len: int, column: str,
                batch: int = 50_000) -> Iterator[dream.Rows]:
  """A table's `column` as Rows blocks (first_line: the file's line)."""
  seqs = tables.read_sequences(path, column)
  if not seqs:
    raise InputError("the table has no rows", path)
  for start in range(0, len(seqs), batch):
    part = seqs[start:start + batch]
    codes = sequences.encode(part, seq_len, f"{path} (column {column!r})",
                             first_line=start + 2)
    yield dream.Rows(codes, np.full(len(part), np.nan),
                     np.array([len(s) for s in part], np.int32), start + 2,
                     part)


def _fasta_rows(source: files.Input, seq_len: int,
                batch: int = 50_000) -> Iterator[dream.Rows]:
  """FASTA records as Rows (first_line: the first record's header line;
  ids: each header's first word, after the `>`)."""
  path = source.path
  seqs: list[str] = []
  ids: list[str] = []
  record = bytearray()
  header_line = first_header = 0
  line_no = 0

  def rows() -> dream.Rows:
    lengths = np.array([len(s) for s in seqs], np.int32)
    return dream.Rows(sequences.encode([s[-seq_len:] for s in seqs], seq_len),
                      np.full(len(seqs), np.nan), lengths, first_header,
                      list(seqs), list(ids))

  for line in _lines(source):
    line_no += 1
    start, end = _strip(line)
    if start == end:
      continue
    if line[start] == ord(">"):
      if header_line:
        seqs.append(_finish(record, path, header_line))
        record = bytearray()
      if len(seqs) >= batch:
        yield rows()
        seqs, ids = [], []
      ids.append(_record_id(line, start, end))
      header_line = line_no
      first_header = first_header if seqs else line_no
      continue
    if header_line == 0:
      raise InputError("sequence before the first FASTA header", path, line_no)
    _check_line(line, start, end, path, line_no)
    record += memoryview(line)[start:end]
  line = None  # a long last line: not held while its text is made
  if header_line:
    seqs.append(_finish(record, path, header_line))
  if seqs:
    yield rows()


def _record_id(line, start: int, end: int) -> str:
  """A FASTA header's first word after `>` (tabs and newlines can't be in
  it: it becomes a TSV field)."""
  words = bytes(line[start + 1:end]).decode("utf-8", "replace").split()
  return words[0] if words else ""


def _lines(source: files.Input) -> Iterator[bytes | bytearray]:
  """The input's lines without their newlines; a line longer than a block
  is gathered once into a bytearray."""
  pending = bytearray()
  for block in source.chunks(BLOCK_BYTES):
    cut = block.rfind(b"\n")
    if cut < 0:
      pending += block
      continue
    first = block.find(b"\n")
    pending += memoryview(block)[:first]
    yield pending
    pending = bytearray()  # a long line is not held while the rest is read
    if first < cut:
      yield from block[first + 1:cut].split(b"\n")
    pending = bytearray(block[cut + 1:])
  if pending:
    yield pending


def _strip(line) -> tuple[int, int]:
  """Bounds of `line` without surrounding whitespace (no copy)."""
  start, end = 0, len(line)
  while start < end and line[start] in _SPACE:
    start += 1
  while end > start and line[end - 1] in _SPACE:
    end -= 1
  return start, end


def _check_line(line, start: int, end: int, path: str, line_no: int) -> None:
  """Raises for a character outside ACGTN in line[start:end] (in slices)."""
  view = memoryview(line)
  for offset in range(start, end, BLOCK_BYTES):
    codes = sequences.LOOKUP[np.frombuffer(
        view[offset:min(end, offset + BLOCK_BYTES)], np.uint8)]
    bad = np.flatnonzero(codes == sequences.INVALID)
    if bad.size:
      pos = offset + int(bad[0])
      raise InputError(sequences.invalid_character(chr(line[pos]),
                                                   pos - start + 1)
                       .replace("of the sequence", "of the FASTA line"),
                       path, line_no)


def _finish(record: bytearray, path: str, header_line: int) -> str:
  if not record:
    raise InputError("FASTA record without a sequence", path, header_line)
  return record.decode("ascii")
