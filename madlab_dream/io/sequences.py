"""DNA strings <-> compact integer codes, vectorised: the one home of the
alphabet, its check (and the message a bad character gets) and the length
policy.

Codes: A, C, G, T -> 0, 1, 2, 3; N -> 4 (lower case accepted). Arrays of
codes are uint8 `[num_sequences, length]`; the model one-hot encodes them
itself (`layers.OneHot`: N is all zeros), so the host never holds floats.

Length policy (MadLab's): a sequence longer than L keeps its last L nt (the
5' end is trimmed); a shorter one is padded on the left with N.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from madlab_dream.errors import InputError

ALPHABET = "ACGTN"
N_CODE = 4
INVALID = 255

#: byte value -> code (255 for characters outside ACGTN, any case).
LOOKUP = np.full(256, INVALID, dtype=np.uint8)
for _code, _base in enumerate(ALPHABET):
  LOOKUP[ord(_base)] = _code
  LOOKUP[ord(_base.lower())] = _code

#: What a sequence may hold, as said in every error message about it.
ALLOWED = "only A, C, G, T, N in any case"
_TEXT_COMPLEMENT = str.maketrans("ACGTNacgtn", "TGCANtgcan")


def invalid_character(char: str, position: int) -> str:
  """The message for a character outside ACGTN at 1-based `position`."""
  return (f"invalid character {char!r} at position {position} of the "
          f"sequence ({ALLOWED})")


#: code -> complementary code (N stays N).
COMPLEMENT = np.array([3, 2, 1, 0, 4], dtype=np.uint8)

# The challenge's constructs (and the simulator's): a constant 17-nt 5'
# flank, an 80-nt random region and a constant 13-nt 3' flank.
FLANK5 = "TGCATTTTTTTCACATC"
FLANK3 = "GGTTACGGCTGTT"
SEQ_LEN = 110
REGION_LEN = SEQ_LEN - len(FLANK5) - len(FLANK3)  # 80
REGION_START = len(FLANK5)  # 17
REGION_END = REGION_START + REGION_LEN  # 97 (exclusive)
FLANK5_CODES = LOOKUP[np.frombuffer(FLANK5.encode(), np.uint8)]
FLANK3_CODES = LOOKUP[np.frombuffer(FLANK3.encode(), np.uint8)]

def fit_length(codes: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
               length: int) -> np.ndarray:
  """Gathers variable-length sequences from a flat code buffer.

  Args:
    codes: uint8 [total] codes of many sequences laid end to end (with gaps).
    starts: int [N] offset of each sequence in `codes`.
    lengths: int [N] length of each sequence.
    length: L.

  Returns:
    uint8 [N, L]: the last L codes of each sequence, left-padded with N.
  """
  starts = np.asarray(starts, dtype=np.int64)
  lengths = np.asarray(lengths, dtype=np.int64)
  ends = starts + lengths
  # Row i is the window padded[ends[i] : ends[i] + L] of the buffer behind
  # L N's: one row copy each, no [N, L] index array. Bytes of a short row
  # that belong to what precedes it are set to N afterwards.
  padded = np.concatenate([np.full(length, N_CODE, np.uint8),
                           np.asarray(codes, np.uint8)])
  windows = np.lib.stride_tricks.sliding_window_view(padded, length)
  out = windows[ends]
  short = np.flatnonzero(lengths < length)
  if short.size:
    pad = np.arange(length)[None, :] < (length - lengths[short])[:, None]
    out[short] = np.where(pad, np.uint8(N_CODE), out[short])
  return out


def encode(sequences: Sequence[str | bytes] | np.ndarray, length: int = 110,
           source: str = "<sequences>", first_line: int = 1) -> np.ndarray:
  """Encodes DNA strings into uint8 codes [N, length] with the length policy.

  Raises InputError naming `source` and the line (first_line + index) of the
  first sequence that is empty or holds a character outside ACGTN.
  """
  if isinstance(sequences, (str, bytes)):
    raise TypeError("encode() takes a sequence of strings, not one string")
  items = [s.encode("ascii", "replace") if isinstance(s, str) else bytes(s)
           for s in sequences]
  if not items:
    return np.zeros((0, length), np.uint8)
  lengths = np.fromiter((len(s) for s in items), dtype=np.int64,
                        count=len(items))
  buffer = np.frombuffer(b"".join(items), dtype=np.uint8)
  codes = LOOKUP[buffer]
  starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
  check_codes(codes, starts, lengths, source, first_line, raw=buffer)
  return fit_length(codes, starts, lengths, length)


def check_codes(codes: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
                source: str, first_line: int = 1,
                line_numbers: np.ndarray | None = None,
                raw: np.ndarray | None = None) -> None:
  """Raises InputError for the first empty or invalid sequence.

  `raw` (the bytes behind `codes`) lets the message show the character.
  """
  empty = np.flatnonzero(lengths == 0)
  bad_pos = np.flatnonzero(codes == INVALID)
  first_bad_row = None
  if bad_pos.size:
    first_bad_row = int(np.searchsorted(starts, bad_pos[0], side="right") - 1)
  candidates = [r for r in (empty[0] if empty.size else None, first_bad_row)
                if r is not None]
  if not candidates:
    return
  row = min(candidates)
  line = int(line_numbers[row]) if line_numbers is not None else first_line + row
  if lengths[row] == 0:
    raise InputError("empty sequence", source, line)
  seq_codes = codes[starts[row]:starts[row] + lengths[row]]
  offset = int(np.flatnonzero(seq_codes == INVALID)[0])
  char = chr(int(raw[starts[row] + offset])) if raw is not None else "?"
  raise InputError(invalid_character(char, offset + 1), source, line)


def decode(codes: np.ndarray) -> list[str]:
  """uint8 [N, L] codes -> list of N strings over ACGTN."""
  table = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)
  codes = np.asarray(codes)
  if codes.ndim == 1:
    codes = codes[None, :]
  return [row.tobytes().decode("ascii") for row in table[codes]]


def reverse_complement_text(seq: str) -> str:
  """Reverse complement of a DNA string (case kept, N stays N)."""
  return seq.translate(_TEXT_COMPLEMENT)[::-1]


def other_strand(sequences: Sequence[str], length: int) -> np.ndarray:
  """Codes [N, length] the model sees for the reverse complement of each
  (already checked) sequence: the last L nt of rc(s) are rc of the first L
  nt of s, so only those are read, however long s is."""
  return encode([reverse_complement_text(s[:length]) for s in sequences],
                length)


def reverse_complement(codes: np.ndarray) -> np.ndarray:
  """Reverse complement of codes [..., L] (N stays N)."""
  return COMPLEMENT[np.asarray(codes)][..., ::-1]
