"""Where designs start, and which of their positions may change.

Starts are random 80-nt regions between the DREAM flanks (seeded), or the
sequences of a file (`--start`: any format `predict` reads). A design only
ever changes positions that are

  - outside the constant flanks (`flank_5p` nt at the 5' end of each
    sequence, `flank_3p` at the 3' end; DREAM: 17 and 13),
  - outside every protected range (1-based, inclusive, in the sequence as
    given),
  - seen by the model: the model sees the last L nt (the length policy), so
    a start longer than L keeps its first len - L nt as they are, and a
    shorter one is padded with N on the left for the model only (the
    padding is never mutated; a design keeps its start's length).

Edits are always to A, C, G or T: no N is introduced (an N of a start may
become a base).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from madlab_dream.errors import InputError
from madlab_dream.io import sequences
from madlab_dream.io.seqfiles import iter_sequences
from madlab_dream.io.sequences import FLANK3
from madlab_dream.io.sequences import FLANK5
from madlab_dream.io.sequences import REGION_LEN


@dataclasses.dataclass
class Starts:
  """Start sequences in the model's window.

  Attributes:
    texts: the starts as given (upper case).
    codes: uint8 [N, L] after the length policy.
    lengths: int [N] the starts' lengths.
    mutable: bool [N, L] the window positions a design may change.
    source: where they came from, for messages.
    notes: lines saying how the length policy applied.
  """
  texts: list[str]
  codes: np.ndarray
  lengths: np.ndarray
  mutable: np.ndarray
  source: str
  notes: list[str]

  def __len__(self) -> int:
    return len(self.texts)

  def take(self, index) -> "Starts":
    """The starts at `index` (an int array), e.g. repeated for a population."""
    index = np.asarray(index)
    return Starts([self.texts[i] for i in index], self.codes[index],
                  self.lengths[index], self.mutable[index], self.source,
                  self.notes)

  def to_text(self, codes: np.ndarray, rows: np.ndarray) -> list[str]:
    """Design window codes [K, L] of starts `rows` back to sequences of the
    starts' lengths (an unseen 5' part copied from the start)."""
    seq_len = codes.shape[1]
    out = []
    for window, text in zip(sequences.decode(codes),
                            (self.texts[r] for r in rows)):
      n = len(text)
      out.append(window[seq_len - n:] if n <= seq_len
                 else text[:n - seq_len] + window)
    return out


def random_regions(n: int, seed: int) -> list[str]:
  """`n` random 80-nt regions between the DREAM flanks (110 nt), seeded."""
  rng = np.random.default_rng(seed)
  regions = sequences.decode(rng.integers(0, 4, (n, REGION_LEN),
                                          dtype=np.uint8))
  return [FLANK5 + r + FLANK3 for r in regions]


def read_starts(path: str, seq_len: int) -> list[str]:
  """Every sequence of `path` (DREAM TSV, FASTA or one per line)."""
  texts = []
  for rows in iter_sequences(path, seq_len):
    texts.extend(t.upper() for t in rows.text)
  if not texts:
    raise InputError("no sequences found", path)
  return texts


def parse_protect(values) -> list[tuple[int, int]]:
  """`START:END` strings (1-based, inclusive) -> [(start, end)]."""
  out = []
  for value in values or ():
    parts = str(value).split(":")
    try:
      start, end = (int(p) for p in parts)
    except ValueError:
      raise InputError(f"--protect={value}: expected START:END (1-based, "
                       "inclusive), e.g. 30:45") from None
    if start < 1 or end < start:
      raise InputError(f"--protect={value}: needs 1 <= START <= END")
    out.append((start, end))
  return out


def prepare(texts: list[str], seq_len: int, flank_5p: int = len(FLANK5),
            flank_3p: int = len(FLANK3), protect=(),
            source: str = "starts") -> Starts:
  """Encodes the starts and marks the positions a design may change.

  Raises:
    InputError: a start with nothing left to mutate (named, with why), or
      one that a protected range reaches past the end of.
  """
  if flank_5p < 0 or flank_3p < 0:
    raise InputError("flank lengths must be >= 0")
  codes = sequences.encode(texts, seq_len, source)
  lengths = np.array([len(t) for t in texts], np.int64)
  width = int(lengths.max())
  pos = np.arange(width)[None, :]                           # in the sequence
  allowed = (pos >= flank_5p) & (pos < lengths[:, None] - flank_3p)
  for start, end in protect:
    short = np.flatnonzero(lengths < end)
    if len(short):
      i = int(short[0])
      raise InputError(f"--protect={start}:{end} lies outside start {i + 1} "
                       f"({lengths[i]:,} nt): positions are 1-based in the "
                       "sequence as given", source)
    allowed[:, start - 1:end] = False
  window = pos + (seq_len - lengths[:, None])               # in the L window
  seen = (window >= 0) & (window < seq_len)
  mutable = np.zeros((len(texts), seq_len), bool)
  rows, cols = np.nonzero(allowed & seen)
  mutable[rows, window[rows, cols]] = True
  empty = np.flatnonzero(~mutable.any(axis=1))
  if len(empty):
    i = int(empty[0])
    raise InputError(
        f"start {i + 1} ({lengths[i]:,} nt): the flanks ({flank_5p} nt 5', "
        f"{flank_3p} nt 3'), the protected ranges and the model's window "
        f"(its last {seq_len} nt) leave nothing to mutate", source)
  return Starts(list(texts), codes, lengths, mutable, source,
                length_notes(lengths, seq_len))


def length_notes(lengths: np.ndarray, seq_len: int) -> list[str]:
  """The length policy as it applied to these starts, one line each."""
  notes = []
  longer, shorter = int((lengths > seq_len).sum()), int(
      (lengths < seq_len).sum())
  if longer:
    notes.append(f"length policy: {longer:,} start(s) longer than the "
                 f"model's L = {seq_len} nt: the model sees their last "
                 f"{seq_len} nt, so only those may change; the rest is kept")
  if shorter:
    notes.append(f"length policy: {shorter:,} start(s) shorter than L = "
                 f"{seq_len} nt: padded with N on the left for the model "
                 "(never mutated); designs keep their start's length")
  return notes
