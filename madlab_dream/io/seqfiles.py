"""Sequences to predict, from DREAM TSV, FASTA or one-per-line files.

`iter_sequences(path)` streams (sequences, first line) blocks in input
order, whatever the format (recognised from the first line; `.gz`
accepted). Every sequence is checked against the alphabet
(`sequences.ALLOWED`); errors name the file and line.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from madlab_dream.errors import InputError
from madlab_dream.io import dream
from madlab_dream.io import files
from madlab_dream.io import sequences

BLOCK_BYTES = 4 << 20


def detect_format(path: str) -> str:
  """'fasta', 'tsv' (sequence<TAB>value) or 'lines' from the first line."""
  for block in files.read_chunks(path, 1 << 16):
    first = block.split(b"\n", 1)[0]
    if first.startswith(b">"):
      return "fasta"
    return "tsv" if b"\t" in first else "lines"
  raise InputError("empty file (no sequences)", path)


def iter_sequences(path: str, seq_len: int) -> Iterator[tuple[list[str], int]]:
  """Yields (sequences, first line or record number) blocks in input order."""
  kind = detect_format(path)
  if kind in ("tsv", "lines"):
    columns = 2 if kind == "tsv" else 1
    for rows in dream.iter_rows(path, seq_len, columns=columns,
                                require_expression=False, keep_text=True,
                                chunk_bytes=BLOCK_BYTES):
      yield rows.text, rows.first_line
    return
  yield from _iter_fasta(path)


def _iter_fasta(path: str, block: int = 50_000):
  seqs: list[str] = []
  parts: list[str] = []
  header_line = 0
  line_no = 0
  carry = b""
  first_record = 0

  def flush_record():
    if header_line == 0:
      return
    seq = "".join(parts)
    if not seq:
      raise InputError("FASTA record without a sequence", path, header_line)
    seqs.append(seq)

  for chunk in files.read_chunks(path):
    data = carry + chunk
    lines = data.split(b"\n")
    carry = lines.pop()
    for raw in lines:
      line_no += 1
      line = raw.rstrip(b"\r").decode("ascii", "replace").strip()
      if line.startswith(">"):
        flush_record()
        parts, header_line = [], line_no
        if len(seqs) >= block:
          yield seqs, first_record
          first_record += len(seqs)
          seqs = []
      elif line:
        if header_line == 0:
          raise InputError("sequence before the first FASTA header", path,
                           line_no)
        bad = sequences.LOOKUP[np.frombuffer(line.encode(), np.uint8)]
        if (bad == sequences.INVALID).any():
          pos = int(np.flatnonzero(bad == sequences.INVALID)[0])
          raise InputError(sequences.invalid_character(line[pos], pos + 1)
                           .replace("of the sequence", "of the FASTA line"),
                           path, line_no)
        parts.append(line)
  if carry.strip():
    line_no += 1
    line = carry.rstrip(b"\r").decode("ascii", "replace").strip()
    if line.startswith(">"):
      flush_record()
      parts, header_line = [], line_no
    else:
      parts.append(line)
  flush_record()
  if seqs:
    yield seqs, first_record
