"""A simulated DREAM dataset with a hidden regulatory grammar.

`python -m madlab_dream.simulate --output_dir=DIR [--train_rows=N
--test_rows=M --seed=S]` writes, in the challenge's exact formats (no header,
tab-separated):

  train_sequences.txt      sequence<TAB>expression (0-17 bin scale; ~57 %
                           whole numbers = reads observed once, the rest
                           averages), lengths and N's like the real file
  test_sequences.txt       sequence<TAB> (110 nt, second column empty)
  filtered_test_data_with_MAUDE_expression.txt
                           sequence<TAB>measured value (another scale,
                           about -1.5 to 1.7); position = row index
  test_subset_ids/         the eight official subset CSVs (`pos`, or
                           `alt_pos`,`ref_pos` pairs of test positions)
  public_leaderboard_ids/  the eight JSON files (keys "pos" or "alt,ref"),
                           a seeded ~13 % of each subset
  simulation.json          seed, row counts, noise ceiling, the grammar
                           (written last: its presence means complete)

The grammar. Eight yeast binding sites are scored with position weight
matrices on both strands; a site's occupancy is a sigmoid of its score
(a perfect site is ~95 % occupied, one mismatch about half, so partial
matches in random DNA matter). Occupancies are weighted by a position
profile (distance of the site's centre to the 3' end, the TSS side) and an
orientation weight and summed per motif; each motif's sum saturates
(s * (1 - exp(-x / s))); the logit is a weighted sum of these plus pairwise
products (cooperation, antagonism); the noiseless activity is
`LOW + (HIGH - LOW) * sigmoid(logit)` on the 0-17 bin scale. Measurement: a
singleton row is round(activity + N(0, SD_SINGLE)) clipped to 0..17; an
average row is activity + N(0, SD_AVERAGE) clipped, never a whole number.

All randomness comes from `np.random.default_rng` streams keyed by the seed
(training rows in fixed blocks of `TRAIN_BLOCK`), so the same seed gives
byte-identical files. Everything is vectorised NumPy.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time

import numpy as np

from madlab_dream import files
from madlab_dream import sequences
from madlab_dream.errors import InputError

FLANK5 = "TGCATTTTTTTCACATC"
FLANK3 = "GGTTACGGCTGTT"
SEQ_LEN = 110
REGION_LEN = SEQ_LEN - len(FLANK5) - len(FLANK3)  # 80
REGION_START = len(FLANK5)  # 17
REGION_END = REGION_START + REGION_LEN  # 97 (exclusive)
_FLANK5_CODES = sequences.LOOKUP[np.frombuffer(FLANK5.encode(), np.uint8)]
_FLANK3_CODES = sequences.LOOKUP[np.frombuffer(FLANK3.encode(), np.uint8)]

# Real lengths (from the 6,370 rows of dream_demo_train.txt): 82 % are 110,
# then 109, 108, 107, 111/106; a thin tail from 78 to 142.
_LENGTH_WEIGHTS = {110: 5219, 109: 812, 108: 152, 107: 50, 106: 29, 111: 29,
                   105: 17, 104: 11}
_LENGTH_WEIGHTS.update({k: 33 / 9 for k in range(95, 104)})
_LENGTH_WEIGHTS.update({k: 11 / 17 for k in range(78, 95)})
_LENGTH_WEIGHTS.update({k: 9 / 31 for k in range(112, 143)})
LENGTHS = np.array(sorted(_LENGTH_WEIGHTS), np.int64)
LENGTH_PROBS = np.array([_LENGTH_WEIGHTS[k] for k in LENGTHS], np.float64)
LENGTH_PROBS /= LENGTH_PROBS.sum()
MAX_LEN = int(LENGTHS.max())

N_ROW_FRACTION = 0.004   # rows with a stretch of N's (real file: 0.39 %)
SINGLETON_FRACTION = 0.57
SD_SINGLE = 1.8          # noise of a read observed once (then rounded)
SD_AVERAGE = 0.8         # noise of an average over several reads
SD_TEST = 0.35           # the test set's measurement noise (activity scale)
LOW, HIGH = 1.0, 16.8    # activity range on the 0-17 bin scale
BIAS = -1.2              # logit offset
TEST_CENTER, TEST_SCALE = 9.5, 4.3   # test values: (y - center) / scale
VALUE_DECIMALS = 6       # averages are written with at most 6 decimals
TRAIN_BLOCK = 200_000    # rows per block (part of the seeded definition)
MIN_TEST_ROWS = 100

_IUPAC = {"A": "A", "C": "C", "G": "G", "T": "T", "R": "AG", "Y": "CT",
          "S": "CG", "W": "AT", "K": "GT", "M": "AC", "N": "ACGT"}
_MISMATCH = 1.5   # score penalty of a mismatching base (N included)
_K = 7            # k-mer width of the lookup tables
_PAD = _K - 1


@dataclasses.dataclass(frozen=True)
class Motif:
  """One binding site of the grammar.

  consensus: IUPAC string, read 5'->3' on the forward strand.
  effect: weight of the motif's saturated site sum in the logit.
  forward, reverse: orientation weights (site on the + / - strand).
  half_mismatches: mismatches at which a site is half occupied.
  profile: name of the position profile (see `position_weight`).
  """
  name: str
  consensus: str
  effect: float
  forward: float
  reverse: float
  half_mismatches: float
  profile: str
  note: str


MOTIFS = (
    Motif("Reb1", "TTACCCG", 2.0, 1.0, 0.45, 1.2, "proximal",
          "general regulatory factor; stronger near the 3' end and on the + "
          "strand"),
    Motif("Abf1", "TCRNNNNNNACG", 1.6, 1.0, 1.0, 0.5, "proximal_broad",
          "gapped general regulatory factor; both orientations"),
    Motif("Rap1", "ACACCCRTACAYY", 1.3, 1.0, 0.6, 3.0, "upstream",
          "long site, tolerant of mismatches; weak within 30 nt of the 3' "
          "end"),
    Motif("TATA", "TATAWAWR", 1.1, 1.0, 0.5, 1.2, "tata",
          "TATA box; peaks 35-50 nt from the 3' end, + strand preferred"),
    Motif("polyAT", "AAAAAAA", 0.9, 0.55, 1.0, 1.3, "flat",
          "poly(dA:dT) tract; poly-T on the + strand stronger than poly-A"),
    Motif("Gcn4", "TGACTCA", 1.3, 1.0, 1.0, 1.0, "distal",
          "activator; needs to sit upstream (> 40 nt from the 3' end)"),
    Motif("Mcm1", "CCWWWWWWGG", -2.5, 1.0, 0.0, 1.0, "repressor",
          "CArG box, palindrome (scanned once); repressor, strongest near "
          "the 3' end"),
    Motif("Cbf1", "CACGTG", 1.2, 1.0, 0.0, 0.8, "helical",
          "palindrome (scanned once); effect oscillates with the helical "
          "phase (10.5 nt)"),
)
MOTIF_INDEX = {m.name: i for i, m in enumerate(MOTIFS)}
SATURATION = 1.5
INTERACTIONS = (
    ("Reb1", "polyAT", 1.2, "cooperation: GRF + nucleosome-depleting tract"),
    ("TATA", "Gcn4", 1.5, "cooperation: activator needs a TATA box"),
    ("Mcm1", "Rap1", -1.0, "antagonism: repressor blocks Rap1"),
    ("Abf1", "Cbf1", 0.8, "cooperation"),
)


def position_weight(profile: str, distance: np.ndarray) -> np.ndarray:
  """Weight of a site whose centre is `distance` nt from the 3' end."""
  d = np.asarray(distance, np.float64)
  if profile == "proximal":
    return 0.3 + 0.7 * np.exp(-np.maximum(d - 13, 0) / 30)
  if profile == "proximal_broad":
    return 0.4 + 0.6 * np.exp(-np.maximum(d - 13, 0) / 50)
  if profile == "upstream":
    return 0.2 + 0.8 / (1 + np.exp(-(d - 32) / 6))
  if profile == "tata":
    return 0.1 + 0.9 * np.exp(-0.5 * ((d - 42) / 12) ** 2)
  if profile == "flat":  # (fades out over the constant 5' flank's T-tract)
    return ((0.6 + 0.4 * np.exp(-np.maximum(d - 13, 0) / 60)) /
            (1 + np.exp((d - 92) / 2)))
  if profile == "distal":
    return 0.15 + 0.85 / (1 + np.exp(-(d - 48) / 8))
  if profile == "repressor":
    return 0.15 + 0.85 * np.exp(-np.maximum(d - 13, 0) / 35)
  if profile == "helical":
    return 0.6 + 0.4 * np.cos(2 * np.pi * (d - 20) / 10.5)
  raise ValueError(f"unknown profile {profile!r}")


# --- Scoring tables -------------------------------------------------------------

def _complement_iupac(consensus: str) -> str:
  table = str.maketrans("ACGTRYSWKMN", "TGCAYRSWMKN")
  return consensus.translate(table)[::-1]


def _allowed(consensus: str) -> np.ndarray:
  """bool [K, 5]: which codes (A, C, G, T, N) match each position."""
  out = np.zeros((len(consensus), 5), bool)
  for i, c in enumerate(consensus):
    for b in _IUPAC[c]:
      out[i, "ACGT".index(b)] = True
  return out


def _position_scores(consensus: str) -> tuple[np.ndarray, float]:
  """(float64 [K, 5] score of each code at each position, max score)."""
  allowed = _allowed(consensus)
  size = allowed[:, :4].sum(axis=1)
  match = np.log(4.0 / size)
  informative = size < 4
  scores = np.where(allowed, match[:, None], -_MISMATCH)
  scores[~informative] = 0.0
  return scores, float(match.sum())


_DIGITS = {letters: np.stack(np.unravel_index(np.arange(letters ** _K),
                                              (letters,) * _K), axis=1)
           for letters in (4, 5)}  # int [letters^K, K]: the K-mer's codes


@dataclasses.dataclass
class _Bank:
  """Every motif strand scanned with the same number of K-mer lookups.

  tables: {4: float32 [chunks, 4^K, S], 5: float32 [chunks, 5^K, S]} for S
    strands; base 4 for rows without N, base 5 where N mismatches every
    base. Chunk c scores the K-mer at offset K * c. With one chunk a table
    holds the occupancy itself; with more, the score before the sigmoid.
  weights: float32 [SEQ_LEN * S, motifs]: row p * S + s holds strand s's
    position x orientation weight at start p, in its motif's column (0 where
    the site would run past the end).
  """
  chunks: int
  tables: dict
  weights: np.ndarray


def _strand_table(motif: Motif, consensus: str) -> np.ndarray:
  """float64 [chunks, 5^K]: per-chunk scores (offset in chunk 0), or the
  occupancy itself when one chunk."""
  scores, best = _position_scores(consensus)
  k = len(consensus)
  chunks = -(-k // _K)
  tables = np.zeros((chunks, 5 ** _K), np.float64)
  for c in range(chunks):
    for j in range(min(_K, k - c * _K)):
      tables[c] += scores[c * _K + j][_DIGITS[5][:, j]]
  tables[0] += -best + motif.half_mismatches * (math.log(4.0) + _MISMATCH)
  if chunks == 1:
    tables = 1.0 / (1.0 + np.exp(-tables))
  return tables


def _build_banks() -> list[_Bank]:
  strands = {}  # chunks -> [(motif index, consensus, orientation)]
  for m, motif in enumerate(MOTIFS):
    for consensus, orientation in (
        (motif.consensus, motif.forward),
        (_complement_iupac(motif.consensus), motif.reverse)):
      if orientation:
        chunks = -(-len(consensus) // _K)
        strands.setdefault(chunks, []).append((m, consensus, orientation))
  banks = []
  for chunks, items in sorted(strands.items()):
    tables5 = np.stack([_strand_table(MOTIFS[m], cons)
                        for m, cons, _ in items], axis=-1)
    weights = np.zeros((SEQ_LEN, len(items), len(MOTIFS)), np.float64)
    for s, (m, cons, orientation) in enumerate(items):
      k = len(cons)
      starts = np.arange(SEQ_LEN - k + 1)
      weights[starts, s, m] = orientation * position_weight(
          MOTIFS[m].profile, SEQ_LEN - (starts + k / 2))
    tables5 = tables5.astype(np.float32)
    fast = _DIGITS[4] @ (5 ** np.arange(_K - 1, -1, -1))
    tables = {5: tables5, 4: np.ascontiguousarray(tables5[:, fast])}
    banks.append(_Bank(chunks, tables, weights.reshape(
        SEQ_LEN * len(items), len(MOTIFS)).astype(np.float32)))
  return banks


_BANKS = _build_banks()
_MAX_CHUNKS = max(b.chunks for b in _BANKS)


def _kmer_index(codes: np.ndarray, letters: int) -> np.ndarray:
  """Index of the K-mer starting at each position.

  Returns [N, SEQ_LEN + K * (chunks - 1)]: letters=4 (codes without N):
  uint16 base-4 index, past the end counts as A; letters=5: int32 base-5
  index, past the end counts as N.
  """
  n = len(codes)
  width = SEQ_LEN + _K * (_MAX_CHUNKS - 1)
  dtype = np.uint16 if letters == 4 else np.int32
  fill = 0 if letters == 4 else sequences.N_CODE
  padded = np.full((n, width + _PAD), fill, dtype)
  padded[:, :SEQ_LEN] = codes
  idx = padded[:, :width].copy()
  for j in range(1, _K):
    idx *= letters
    idx += padded[:, j:j + width]
  return idx


def _site_sums(codes: np.ndarray, letters: int) -> np.ndarray:
  idx = _kmer_index(codes, letters)
  n = len(codes)
  out = np.zeros((n, len(MOTIFS)), np.float32)
  # np.take on a flat, contiguous index is much faster than fancy indexing.
  flat = [np.ascontiguousarray(idx[:, c * _K:c * _K + SEQ_LEN]).ravel()
          for c in range(_MAX_CHUNKS)]
  for bank in _BANKS:
    tables = bank.tables[letters]
    occ = np.take(tables[0], flat[0], axis=0)  # [n * SEQ_LEN, strands]
    if bank.chunks > 1:
      for c in range(1, bank.chunks):
        occ += np.take(tables[c], flat[c], axis=0)
      np.negative(occ, out=occ)
      np.exp(occ, out=occ)
      occ += 1.0
      np.reciprocal(occ, out=occ)
    out += occ.reshape(n, -1) @ bank.weights
  return out.astype(np.float64)


def site_sums(codes: np.ndarray, block: int = 8192) -> np.ndarray:
  """float64 [N, motifs]: position- and orientation-weighted occupancy sums.

  Rows without N use base-4 lookup tables (cache resident); rows with N
  (short sequences are left-padded with N) use base-5 tables where N
  mismatches every base. Both give the same values on a row without N.

  Args:
    codes: uint8 [N, 110] (A, C, G, T, N = 0..4), 3' end aligned.
    block: rows per vectorised step (bounds memory).
  """
  codes = np.asarray(codes)
  has_n = (codes == sequences.N_CODE).any(axis=1)
  out = np.empty((len(codes), len(MOTIFS)), np.float64)
  for letters, rows in ((4, np.flatnonzero(~has_n)),
                        (5, np.flatnonzero(has_n))):
    for start in range(0, len(rows), block):
      chunk = rows[start:start + block]
      out[chunk] = _site_sums(codes[chunk], letters)
  return out


def logit(codes: np.ndarray) -> np.ndarray:
  """float64 [N]: the grammar's logit for codes uint8 [N, 110]."""
  sums = site_sums(codes)
  sat = SATURATION * (1.0 - np.exp(-sums / SATURATION))
  effects = np.array([m.effect for m in MOTIFS])
  z = BIAS + sat @ effects
  for a, b, w, _ in INTERACTIONS:
    z += w * sat[:, MOTIF_INDEX[a]] * sat[:, MOTIF_INDEX[b]]
  return z


def _as_codes(seqs_or_codes) -> np.ndarray:
  if isinstance(seqs_or_codes, np.ndarray) and seqs_or_codes.dtype != object:
    codes = seqs_or_codes
    if codes.ndim == 1:
      codes = codes[None, :]
    if codes.ndim != 2 or codes.shape[1] != SEQ_LEN:
      raise ValueError(f"codes must be [N, {SEQ_LEN}], got {codes.shape}")
    if codes.size and int(codes.max()) > sequences.N_CODE:
      raise ValueError("codes must lie in 0..4 (A, C, G, T, N)")
    return codes.astype(np.uint8, copy=False)
  if isinstance(seqs_or_codes, (str, bytes)):
    seqs_or_codes = [seqs_or_codes]
  return sequences.encode(list(seqs_or_codes), SEQ_LEN)


def activity(seqs_or_codes, block: int = 100_000) -> np.ndarray:
  """Noiseless activity (expected measurement, 0-17 bin scale).

  Args:
    seqs_or_codes: DNA strings (any length: the length policy keeps the last
      110 nt, left-pads with N), or uint8 codes [N, 110].
    block: rows per vectorised step (bounds memory).

  Returns:
    float64 [N].
  """
  codes = _as_codes(seqs_or_codes)
  out = np.empty(len(codes), np.float64)
  for start in range(0, len(codes), block):
    z = logit(codes[start:start + block])
    out[start:start + len(z)] = LOW + (HIGH - LOW) / (1.0 + np.exp(-z))
  return out


def noise_ceiling(activity_values: np.ndarray, measured: np.ndarray) -> float:
  """Pearson r between noiseless activity [N] and measured values [N]."""
  x = np.asarray(activity_values, np.float64).ravel()
  y = np.asarray(measured, np.float64).ravel()
  if len(x) != len(y):
    raise ValueError(f"{len(x)} activities but {len(y)} measurements")
  if len(x) < 2:
    return float("nan")
  xc, yc = x - x.mean(), y - y.mean()
  denom = math.sqrt(float(np.sum(xc * xc)) * float(np.sum(yc * yc)))
  return float(np.sum(xc * yc) / denom) if denom > 0 else float("nan")


# --- Measurement ------------------------------------------------------------------

def measure(act: np.ndarray, singleton: np.ndarray,
            noise: np.ndarray) -> np.ndarray:
  """Training values on the 0-17 bin scale.

  Args:
    act: float64 [N] noiseless activity.
    singleton: bool [N]: observed once (rounded to a whole bin, noisier).
    noise: float64 [N] standard normal draws.

  Returns:
    float64 [N]: whole numbers where `singleton`; elsewhere averages with
    at most VALUE_DECIMALS decimals, never whole.
  """
  single = np.clip(np.rint(act + SD_SINGLE * noise), 0, 17)
  scale = 10 ** VALUE_DECIMALS
  q = np.rint(np.clip(act + SD_AVERAGE * noise, 0, 17) * scale)
  whole = q % scale == 0
  q[whole] += np.where(q[whole] >= 17 * scale, -1, 1)
  return np.where(singleton, single, q / scale)


def test_measure(act: np.ndarray, noise: np.ndarray) -> np.ndarray:
  """Test values on the MAUDE-like scale (about -1.5..1.7), 6 decimals."""
  return np.round((act + SD_TEST * noise - TEST_CENTER) / TEST_SCALE, 6)


# --- Writing rows fast --------------------------------------------------------------

_ASCII = np.frombuffer(sequences.ALPHABET.encode(), np.uint8)
_TAB, _NL, _DOT, _ZERO = 9, 10, 46, 48
_VALUE_WIDTH = 3 + VALUE_DECIMALS


def _value_chars(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
  """ASCII of values in [0, 99] with <= VALUE_DECIMALS decimals, shortest
  form ("12", "9.5", "15.182384"): (uint8 [N, width], lengths [N])."""
  n = len(values)
  scale = 10 ** VALUE_DECIMALS
  q = np.rint(np.asarray(values, np.float64) * scale).astype(np.int64)
  whole_part, frac = np.divmod(q, scale)
  two = whole_part >= 10
  chars = np.zeros((n, _VALUE_WIDTH), np.uint8)
  chars[:, 0] = _ZERO + np.where(two, whole_part // 10, whole_part)
  chars[:, 1] = _ZERO + whole_part % 10
  int_len = 1 + two
  trailing = np.zeros(n, np.int64)
  rest = frac.copy()
  for _ in range(VALUE_DECIMALS):
    zero = (rest % 10 == 0) & (rest > 0)
    trailing += zero
    rest = np.where(zero, rest // 10, rest)
  frac_len = np.where(frac > 0, VALUE_DECIMALS - trailing, 0)
  rows = np.arange(n)
  has_frac = frac > 0
  chars[rows[has_frac], int_len[has_frac]] = _DOT
  for j in range(VALUE_DECIMALS):
    digit = (frac // 10 ** (VALUE_DECIMALS - 1 - j)) % 10
    sel = has_frac & (j < frac_len)
    chars[rows[sel], int_len[sel] + 1 + j] = _ZERO + digit[sel]
  lengths = int_len + np.where(has_frac, 1 + frac_len, 0)
  return chars, lengths


def format_rows(seq_codes: np.ndarray, lengths: np.ndarray,
                values: np.ndarray | None) -> bytes:
  """DREAM lines `sequence<TAB>value\\n` as bytes, vectorised.

  Args:
    seq_codes: uint8 [N, W] codes, each sequence left-aligned.
    lengths: int [N] sequence lengths (<= W).
    values: float [N] in [0, 99] (at most VALUE_DECIMALS decimals), or None
      for an empty second column.
  """
  n, width = seq_codes.shape
  lengths = np.asarray(lengths, np.int64)
  if values is None:
    vchars = np.zeros((n, _VALUE_WIDTH), np.uint8)
    vlen = np.zeros(n, np.int64)
  else:
    vchars, vlen = _value_chars(values)
  line = np.empty((n, width + _VALUE_WIDTH + 2), np.uint8)
  line[:, :width] = _ASCII[seq_codes]
  rows = np.arange(n)[:, None]
  line[rows, lengths[:, None] + 1 + np.arange(_VALUE_WIDTH)] = vchars
  line[rows[:, 0], lengths] = _TAB
  line[rows[:, 0], lengths + 1 + vlen] = _NL
  keep = np.arange(line.shape[1])[None, :] <= (lengths + 1 + vlen)[:, None]
  return line[keep].tobytes()


# --- Training rows ------------------------------------------------------------------

@dataclasses.dataclass
class TrainBlock:
  """One block of simulated training rows.

  seq_codes: uint8 [N, MAX_LEN] codes, each sequence left-aligned (only the
    first `lengths[i]` are the sequence).
  lengths: int64 [N].
  codes: uint8 [N, 110] the model's view (last 110 nt, left N-padded).
  activity: float64 [N] noiseless activity; measured: float64 [N] values
  written; singleton: bool [N] rows observed once (whole numbers).
  """
  seq_codes: np.ndarray
  lengths: np.ndarray
  codes: np.ndarray
  activity: np.ndarray
  measured: np.ndarray
  singleton: np.ndarray

  def text(self) -> list[str]:
    return [s[:k] for s, k in zip(sequences.decode(self.seq_codes),
                                  self.lengths)]


def fit_window(seq_codes: np.ndarray, lengths: np.ndarray,
               length: int = SEQ_LEN) -> np.ndarray:
  """uint8 [N, length]: the last `length` codes, left-padded with N."""
  lengths = np.asarray(lengths)
  out = np.full((len(seq_codes), length), sequences.N_CODE, np.uint8)
  for k in np.unique(lengths):  # few distinct lengths: slices, not gathers
    rows = np.flatnonzero(lengths == k)
    if k >= length:
      out[rows] = seq_codes[rows, k - length:k]
    else:
      out[rows, length - k:] = seq_codes[rows, :k]
  return out


def train_block(seed: int, index: int, n: int) -> TrainBlock:
  """Block `index` of the training rows of `seed` (n rows, deterministic)."""
  rng = np.random.default_rng([seed, 1, index])
  lengths = rng.choice(LENGTHS, size=n, p=LENGTH_PROBS)
  seq = rng.integers(0, 4, size=(n, MAX_LEN), dtype=np.uint8)
  seq[:, :REGION_START] = _FLANK5_CODES
  rows = np.arange(n)[:, None]
  flank3_at = (lengths - len(FLANK3))[:, None] + np.arange(len(FLANK3))
  seq[rows, flank3_at] = _FLANK3_CODES
  # A stretch of N's near the 3' end of the random region, as in the real
  # file (mostly N with a few called bases).
  with_n = np.flatnonzero(rng.random(n) < N_ROW_FRACTION)
  if with_n.size:
    k = len(with_n)
    region_end = lengths[with_n] - len(FLANK3)
    stretch = rng.integers(10, 23, size=k)
    start = np.maximum(region_end - stretch - rng.integers(0, 6, size=k),
                       REGION_START)
    cols = np.arange(MAX_LEN)[None, :]
    mask = ((cols >= start[:, None]) & (cols < (start + stretch)[:, None]) &
            (cols < region_end[:, None]) &
            (rng.random((k, MAX_LEN)) < 0.85))
    mask[np.arange(k), start] = True  # at least one N
    sub = seq[with_n]
    sub[mask] = sequences.N_CODE
    seq[with_n] = sub
  codes = fit_window(seq, lengths)
  act = activity(codes)
  singleton = rng.random(n) < SINGLETON_FRACTION
  measured = measure(act, singleton, rng.standard_normal(n))
  return TrainBlock(seq, lengths, codes, act, measured, singleton)


class _PearsonSums:
  """Streaming Pearson r (sums of centred values, float64)."""

  def __init__(self, center: float = 10.0):
    self.c = center
    self.s = np.zeros(6)  # n, sx, sy, sxx, syy, sxy

  def add(self, x: np.ndarray, y: np.ndarray) -> None:
    x = np.asarray(x, np.float64) - self.c
    y = np.asarray(y, np.float64) - self.c
    self.s += [len(x), x.sum(), y.sum(), x @ x, y @ y, x @ y]

  def r(self) -> float:
    n, sx, sy, sxx, syy, sxy = self.s
    if n < 2:
      return float("nan")
    vx, vy = sxx - sx * sx / n, syy - sy * sy / n
    if vx <= 0 or vy <= 0:
      return float("nan")
    return float((sxy - sx * sy / n) / math.sqrt(vx * vy))


# --- Test set -------------------------------------------------------------------------

TEST_FRACTIONS = {"random": 0.15, "yeast": 0.12, "challenging": 0.04,
                  "perturbation_pairs": 0.04, "tiling": 0.08}
HIGH_LOW_FRACTION = 0.15  # top / bottom of the random block
PUBLIC_FRACTION = 0.13
TILE_STEP = 4
YEAST_BACKGROUND = (0.31, 0.19, 0.19, 0.31)  # A, C, G, T: AT-rich


@dataclasses.dataclass
class TestSet:
  """The simulated test set, in file order (position = row index).

  codes: uint8 [M, 110]; activity: float64 [M] noiseless; truth: float64
  [M] measured values (MAUDE-like scale); block: str [M] where each row comes
  from; subsets: {name: int64 [k] positions or [k, 2] (alt, ref) pairs};
  public: {name: same, the public-leaderboard sample}.
  """
  codes: np.ndarray
  activity: np.ndarray
  truth: np.ndarray
  block: np.ndarray
  subsets: dict
  public: dict


def _instance(rng: np.random.Generator, motif: Motif, n: int) -> np.ndarray:
  """uint8 [n, K] sampled instances of a motif's consensus (+ strand)."""
  allowed = _allowed(motif.consensus)[:, :4]
  k = len(motif.consensus)
  pick = rng.random((n, k))
  cum = np.cumsum(allowed / allowed.sum(axis=1, keepdims=True), axis=1)
  return (pick[:, :, None] > cum[None, :, :-1]).sum(axis=2).astype(np.uint8)


def _plant(codes: np.ndarray, rows: np.ndarray, motif: Motif,
           starts: np.ndarray, reverse: np.ndarray,
           rng: np.random.Generator) -> None:
  """Writes an instance of `motif` into codes[rows] at `starts` (in place)."""
  if len(rows) == 0:
    return
  inst = _instance(rng, motif, len(rows))
  rc = sequences.reverse_complement(inst)
  inst = np.where(np.asarray(reverse, bool)[:, None], rc, inst)
  cols = np.asarray(starts)[:, None] + np.arange(inst.shape[1])
  codes[np.asarray(rows)[:, None], cols] = inst


def _backgrounds(rng: np.random.Generator, n: int,
                 probs=(0.25, 0.25, 0.25, 0.25)) -> np.ndarray:
  """uint8 [n, 110]: flanks around a random region drawn from `probs`."""
  codes = np.empty((n, SEQ_LEN), np.uint8)
  codes[:, :REGION_START] = _FLANK5_CODES
  codes[:, REGION_END:] = _FLANK3_CODES
  codes[:, REGION_START:REGION_END] = rng.choice(
      4, size=(n, REGION_LEN), p=probs).astype(np.uint8)
  return codes


def _random_starts(rng, n: int, motif: Motif, lo: int = REGION_START,
                   hi: int | None = None) -> np.ndarray:
  """Start positions so that the site lies within [lo, hi) (default: the
  random region)."""
  hi = REGION_END if hi is None else hi
  return rng.integers(lo, hi - len(motif.consensus) + 1, size=n)


def _sizes(m: int) -> dict:
  sizes = {name: max(2, int(round(f * m)))
           for name, f in TEST_FRACTIONS.items()}
  tiles = len(range(REGION_START, REGION_END - 7 + 1, TILE_STEP))
  sizes["tiling_backgrounds"] = max(1, int(round(sizes.pop("tiling") /
                                                 (tiles + 1))))
  return sizes


def make_test_set(test_rows: int, seed: int) -> TestSet:
  """Builds the test set: random, native-like ("yeast"), challenging,
  SNV pairs, motif perturbation pairs and motif tiling pairs."""
  if test_rows < MIN_TEST_ROWS:
    raise InputError(f"--test_rows must be at least {MIN_TEST_ROWS} (got "
                     f"{test_rows})")
  rng = np.random.default_rng([seed, 2])
  sizes = _sizes(test_rows)
  blocks, names = [], []
  site = []  # (start, length) of one planted site per row, -1 if none

  def add(name, codes, starts=None, lengths=None):
    n = len(codes)
    blocks.append(codes)
    names.extend([name] * n)
    site.append(np.stack([
        np.full(n, -1) if starts is None else starts,
        np.full(n, -1) if lengths is None else lengths], axis=1))
    return np.arange(sum(len(b) for b in blocks) - n,
                     sum(len(b) for b in blocks))

  # Random sequences, like the training data.
  random_rows = add("random", _backgrounds(rng, sizes["random"]))

  # Native-like: AT-rich background, 1-4 planted sites.
  n = sizes["yeast"]
  codes = _backgrounds(rng, n, YEAST_BACKGROUND)
  count = 1 + rng.binomial(3, 0.5, size=n)
  first = np.full((n, 2), -1)
  for slot in range(4):
    rows = np.flatnonzero(count > slot)
    which = rng.integers(0, len(MOTIFS), size=len(rows))
    for m, motif in enumerate(MOTIFS):
      r = rows[which == m]
      starts = _random_starts(rng, len(r), motif)
      _plant(codes, r, motif, starts, rng.random(len(r)) < 0.5, rng)
      if slot == 0:
        first[r, 0], first[r, 1] = starts, len(motif.consensus)
  yeast_rows = add("yeast", codes, first[:, 0], first[:, 1])

  # Challenging: designed extremes and conflicting signals.
  n = sizes["challenging"]
  kind = np.arange(n) % 3
  codes = _backgrounds(rng, n)
  gc_rich = np.flatnonzero(kind == 1)
  codes[gc_rich] = _backgrounds(rng, len(gc_rich), (0.15, 0.35, 0.35, 0.15))
  first = np.full((n, 2), -1)
  m = {name: MOTIFS[i] for name, i in MOTIF_INDEX.items()}

  def plant_at(rows, name, lo, hi, reverse=False):
    motif = m[name]
    starts = rng.integers(lo, hi + 1, size=len(rows))
    _plant(codes, rows, motif, starts, np.full(len(rows), reverse), rng)
    first[rows, 0], first[rows, 1] = starts, len(motif.consensus)

  high = np.flatnonzero(kind == 0)
  plant_at(high, "Rap1", 18, 24)
  plant_at(high, "polyAT", 40, 46, reverse=True)  # poly-T on + strand
  plant_at(high, "TATA", 60, 66)
  plant_at(high, "Reb1", 80, 90)
  plant_at(gc_rich, "Mcm1", 62, 70)
  plant_at(gc_rich, "Mcm1", 80, 87)
  conflict = np.flatnonzero(kind == 2)
  plant_at(conflict, "Reb1", 20, 30)
  plant_at(conflict, "TATA", 58, 66)
  plant_at(conflict, "Mcm1", 80, 87)
  challenging_rows = add("challenging", codes, first[:, 0], first[:, 1])

  # Motif perturbation: a site added to a background, or a planted site
  # disrupted (3 informative positions mutated).
  n = sizes["perturbation_pairs"]
  refs = _backgrounds(rng, n)
  alts = refs.copy()
  which = rng.integers(0, len(MOTIFS), size=n)
  remove = rng.random(n) < 0.5
  for i, motif in enumerate(MOTIFS):
    r = np.flatnonzero(which == i)
    starts = _random_starts(rng, len(r), motif)
    reverse = rng.random(len(r)) < 0.5
    _plant(alts, r, motif, starts, reverse, rng)
    gone = r[remove[r]]
    refs[gone] = alts[gone]
    informative = np.flatnonzero(_allowed(motif.consensus)[:, :4].sum(1) < 4)
    for j, row in enumerate(r):
      if not remove[row]:
        continue
      k = len(motif.consensus)
      hit = rng.choice(informative, size=3, replace=False)
      cols = starts[j] + (k - 1 - hit if reverse[j] else hit)
      alts[row, cols] = (alts[row, cols] + rng.integers(1, 4, size=3)) % 4
  pert_ref = add("perturbation_ref", refs)
  pert_alt = add("perturbation_alt", alts)
  pert_pairs = np.stack([pert_alt, pert_ref], axis=1)

  # Motif tiling: one site moved along the region of a background.
  tile_ref, tile_alt = [], []
  for b in range(sizes["tiling_backgrounds"]):
    motif = MOTIFS[b % len(MOTIFS)]
    bg = _backgrounds(rng, 1)
    inst = _instance(rng, motif, 1)
    starts = np.arange(REGION_START, REGION_END - len(motif.consensus) + 1,
                       TILE_STEP)
    alt = np.repeat(bg, len(starts), axis=0)
    alt[np.arange(len(starts))[:, None],
        starts[:, None] + np.arange(inst.shape[1])] = inst
    ref_row = add("tiling_ref", bg)
    alt_rows = add("tiling_alt", alt)
    tile_ref.append(np.full(len(alt_rows), ref_row[0]))
    tile_alt.append(alt_rows)
  tiling_pairs = np.stack([np.concatenate(tile_alt),
                           np.concatenate(tile_ref)], axis=1)

  # SNVs: single-nucleotide variants of random, native-like and challenging
  # rows; half of them inside a planted site when the row has one.
  so_far = np.concatenate(blocks)
  site_all = np.concatenate(site)
  n = max(2, test_rows - len(so_far))
  pool = np.concatenate([random_rows, yeast_rows, challenging_rows])
  ref = pool[rng.integers(0, len(pool), size=n)]
  pos = rng.integers(REGION_START, REGION_END, size=n)
  in_site = (site_all[ref, 0] >= 0) & (rng.random(n) < 0.5)
  offset = rng.integers(0, 1 << 30, size=n)
  pos = np.where(in_site, site_all[ref, 0] + offset % np.maximum(
      site_all[ref, 1], 1), pos)
  alts = so_far[ref].copy()
  rows = np.arange(n)
  alts[rows, pos] = (alts[rows, pos] + rng.integers(1, 4, size=n)) % 4
  snv_alt = add("snv_alt", alts)
  snv_pairs = np.stack([snv_alt, ref], axis=1)

  codes = np.concatenate(blocks)
  block = np.array(names)
  act = activity(codes)
  random_act = act[random_rows]
  k = max(1, int(round(HIGH_LOW_FRACTION * len(random_rows))))
  order = np.argsort(random_act, kind="stable")
  subsets = {
      "high": random_rows[order[-k:]], "low": random_rows[order[:k]],
      "yeast": yeast_rows, "random": random_rows,
      "challenging": challenging_rows, "SNVs": snv_pairs,
      "motif_perturbation": pert_pairs, "motif_tiling": tiling_pairs}

  # Shuffle rows into file order; positions follow.
  perm = rng.permutation(len(codes))  # file row j = built row perm[j]
  where = np.argsort(perm)            # built row i -> file row where[i]
  codes, act, block = codes[perm], act[perm], block[perm]
  subsets = {name: np.sort(where[v]) if v.ndim == 1 else
             np.unique(where[v], axis=0) for name, v in subsets.items()}
  truth = test_measure(act, rng.standard_normal(len(codes)))
  public = {}
  for name, v in subsets.items():
    k = max(1, int(round(PUBLIC_FRACTION * len(v)))) if len(v) else 0
    pick = np.sort(rng.choice(len(v), size=k, replace=False))
    public[name] = v[pick]
  return TestSet(codes, act, truth, block, subsets, public)


# --- Files ------------------------------------------------------------------------------

TRAIN_FILE = "train_sequences.txt"
TEST_FILE = "test_sequences.txt"
TRUTH_FILE = "filtered_test_data_with_MAUDE_expression.txt"
SUBSET_DIR = "test_subset_ids"
PUBLIC_DIR = "public_leaderboard_ids"
METADATA_FILE = "simulation.json"
SUBSET_FILES = {
    "high": "high_exp_seqs.csv", "low": "low_exp_seqs.csv",
    "yeast": "yeast_seqs.csv", "random": "all_random_seqs.csv",
    "challenging": "challenging_seqs.csv", "SNVs": "all_SNVs_seqs.csv",
    "motif_perturbation": "motif_perturbation_seqs.csv",
    "motif_tiling": "motif_tiling_seqs.csv"}
PUBLIC_FILES = {
    "high": "high_exp_indices.json", "low": "low_exp_indices.json",
    "yeast": "yeast_exp_indices.json", "random": "random_exp_indices.json",
    "challenging": "challenging_exp_indices.json",
    "SNVs": "SNVs_exp_indices.json",
    "motif_perturbation": "motif_perturbation_exp_indices.json",
    "motif_tiling": "motif_tiling_exp_indices.json"}


def grammar() -> dict:
  """The hidden grammar as JSON-ready data."""
  return {
      "activity": f"LOW + (HIGH - LOW) * sigmoid(logit), LOW={LOW}, "
                  f"HIGH={HIGH} (0-17 bin scale)",
      "logit": f"{BIAS} + sum_m effect_m * sat(S_m) + sum_(a,b) w_ab * "
               f"sat(S_a) * sat(S_b); sat(x) = {SATURATION} * (1 - exp(-x / "
               f"{SATURATION}))",
      "site_sum": "S_m = sum over sites p and strands of orientation weight "
                  "x position_weight(profile, distance of the site centre "
                  "to the 3' end) x occupancy",
      "occupancy": f"sigmoid(score - best + half_mismatches * (ln 4 + "
                   f"{_MISMATCH})); score = sum over informative positions "
                   f"of ln(4 / |allowed|) if the base matches else "
                   f"-{_MISMATCH} (N never matches)",
      "motifs": [dataclasses.asdict(m) for m in MOTIFS],
      "interactions": [{"a": a, "b": b, "weight": w, "note": note}
                       for a, b, w, note in INTERACTIONS],
      "measurement": {
          "singleton_fraction": SINGLETON_FRACTION,
          "singleton": f"round(activity + N(0, {SD_SINGLE})) clipped to "
                       "0..17",
          "average": f"activity + N(0, {SD_AVERAGE}) clipped to 0..17, "
                     f"{VALUE_DECIMALS} decimals, never a whole number",
          "test": f"(activity + N(0, {SD_TEST}) - {TEST_CENTER}) / "
                  f"{TEST_SCALE}, 6 decimals"},
  }


def _write_csv(path: str, values: np.ndarray) -> None:
  if values.ndim == 1:
    text = "pos\n" + "".join(f"{int(v)}\n" for v in values)
  else:
    text = "alt_pos,ref_pos\n" + "".join(f"{int(a)},{int(r)}\n"
                                         for a, r in values)
  with open(path, "w", encoding="ascii", newline="\n") as f:
    f.write(text)


def _write_public(path: str, values: np.ndarray) -> None:
  if values.ndim == 1:
    keys = [str(int(v)) for v in values]
  else:
    keys = [f"{int(a)},{int(r)}" for a, r in values]
  with open(path, "w", encoding="ascii", newline="\n") as f:
    json.dump({k: 0 for k in keys}, f)


def _log(message: str) -> None:
  print(message, flush=True)


def write_train(path: str, train_rows: int, seed: int,
                log=_log) -> dict:
  """Writes the training file atomically; returns its statistics."""
  all_sums, single_sums, average_sums = (_PearsonSums(), _PearsonSums(),
                                         _PearsonSums())
  whole = with_n = exact_110 = 0
  moments = np.zeros(3)
  lo, hi = math.inf, -math.inf
  t0 = time.perf_counter()
  with files.atomic_path(path) as tmp:
    with open(tmp, "wb") as f:
      for index, start in enumerate(range(0, train_rows, TRAIN_BLOCK)):
        n = min(TRAIN_BLOCK, train_rows - start)
        b = train_block(seed, index, n)
        f.write(format_rows(b.seq_codes, b.lengths, b.measured))
        all_sums.add(b.activity, b.measured)
        single_sums.add(b.activity[b.singleton], b.measured[b.singleton])
        average_sums.add(b.activity[~b.singleton], b.measured[~b.singleton])
        whole += int(b.singleton.sum())
        with_n += int((b.seq_codes == sequences.N_CODE).any(axis=1).sum())
        exact_110 += int((b.lengths == SEQ_LEN).sum())
        moments += [n, b.measured.sum(), (b.measured ** 2).sum()]
        lo, hi = min(lo, b.measured.min()), max(hi, b.measured.max())
        done = start + n
        log(f"  train: {done:,} / {train_rows:,} rows "
            f"({time.perf_counter() - t0:.1f} s)")
  count, total, squares = moments
  mean = total / count
  return {
      "rows": train_rows,
      "noise_ceiling": all_sums.r(),
      "noise_ceiling_singletons": single_sums.r(),
      "noise_ceiling_averages": average_sums.r(),
      "whole_number_fraction": whole / train_rows,
      "rows_with_n": with_n,
      "fraction_110_nt": exact_110 / train_rows,
      "expression": {"mean": mean,
                     "sd": math.sqrt(max(squares / count - mean ** 2, 0.0)),
                     "min": float(lo), "max": float(hi)},
  }


def write_test(output_dir: str, test: TestSet) -> None:
  """Writes the test file, ground truth, subset CSVs and public JSONs."""
  seqs = sequences.decode(test.codes)
  with files.atomic_path(os.path.join(output_dir, TEST_FILE)) as tmp:
    with open(tmp, "w", encoding="ascii", newline="\n") as f:
      f.writelines(f"{s}\t\n" for s in seqs)
  with files.atomic_path(os.path.join(output_dir, TRUTH_FILE)) as tmp:
    with open(tmp, "w", encoding="ascii", newline="\n") as f:
      f.writelines(f"{s}\t{v:.6f}\n" for s, v in zip(seqs, test.truth))
  umask = os.umask(0)
  os.umask(umask)
  for folder, names, writer, values in (
      (SUBSET_DIR, SUBSET_FILES, _write_csv, test.subsets),
      (PUBLIC_DIR, PUBLIC_FILES, _write_public, test.public)):
    with files.atomic_dir(os.path.join(output_dir, folder)) as tmp:
      os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private
      for name, filename in names.items():
        writer(os.path.join(tmp, filename), values[name])


def simulate(output_dir: str | os.PathLike, train_rows: int, test_rows: int,
             seed: int, log=_log) -> dict:
  """Writes the whole simulated dataset into `output_dir`.

  Returns the metadata (also written to `output_dir`/simulation.json, last).
  The noise ceiling is the Pearson r between the noiseless activity and the
  measured training value over ALL training rows (also given for singleton
  and average rows separately, and for the test set).
  """
  if train_rows < 1:
    raise InputError(f"--train_rows must be at least 1 (got {train_rows})")
  if test_rows < MIN_TEST_ROWS:
    raise InputError(f"--test_rows must be at least {MIN_TEST_ROWS} (got "
                     f"{test_rows})")
  output_dir = files.check_writable_dir(output_dir)
  t0 = time.perf_counter()
  log(f"simulating {train_rows:,} training and {test_rows:,} test rows "
      f"(seed {seed}) into {output_dir}")
  meta_path = os.path.join(output_dir, METADATA_FILE)
  if os.path.exists(meta_path):
    os.remove(meta_path)  # a stale marker must not outlive a failed run
  train = write_train(os.path.join(output_dir, TRAIN_FILE), train_rows, seed,
                      log)
  test = make_test_set(test_rows, seed)
  write_test(output_dir, test)
  log(f"  test: {test_rows:,} rows and subsets "
      f"({time.perf_counter() - t0:.1f} s)")
  meta = {
      "simulator": "madlab_dream.simulate",
      "seed": seed,
      "train_rows": train_rows,
      "test_rows": test_rows,
      "noise_ceiling": train["noise_ceiling"],
      "noise_ceiling_rows": "all training rows (Pearson r of noiseless "
                            "activity vs measured value)",
      "train": train,
      "test": {
          "noise_ceiling": noise_ceiling(test.activity, test.truth),
          "truth_range": [float(test.truth.min()), float(test.truth.max())],
          "blocks": {str(k): int(v) for k, v in zip(
              *np.unique(test.block, return_counts=True))},
          "subset_sizes": {k: int(len(v)) for k, v in test.subsets.items()},
          "public_sizes": {k: int(len(v)) for k, v in test.public.items()},
      },
      "files": {"train": TRAIN_FILE, "test": TEST_FILE, "truth": TRUTH_FILE,
                "subsets": SUBSET_DIR, "public": PUBLIC_DIR},
      "grammar": grammar(),
  }
  files.write_text(meta_path, json.dumps(meta, indent=1) + "\n")
  seconds = time.perf_counter() - t0
  log(f"wrote {output_dir}/: {TRAIN_FILE} ({train_rows:,} rows), "
      f"{TEST_FILE} and {TRUTH_FILE} ({test_rows:,} rows), {SUBSET_DIR}/ "
      f"(8 CSV), {PUBLIC_DIR}/ (8 JSON), {METADATA_FILE}")
  log(f"noise ceiling (Pearson r, noiseless activity vs measured, all "
      f"{train_rows:,} training rows): {train['noise_ceiling']:.4f} "
      f"(singletons {train['noise_ceiling_singletons']:.4f}, averages "
      f"{train['noise_ceiling_averages']:.4f}); whole numbers "
      f"{train['whole_number_fraction']:.1%}; {seconds:.1f} s")
  return meta


# --- CLI --------------------------------------------------------------------------------

def _define_flags():
  from absl import flags
  from madlab_dream import options  # noqa: F401  (--seed)
  if "output_dir" not in flags.FLAGS:
    flags.DEFINE_string("output_dir", None, "Output directory.")
  if "train_rows" not in flags.FLAGS:
    flags.DEFINE_integer("train_rows", 6_739_258,
                         "Simulated training rows (the real file's count).")
  if "test_rows" not in flags.FLAGS:
    flags.DEFINE_integer("test_rows", 71_103,
                         "Simulated test rows (the real file's count).")


def main(argv):
  from absl import app
  from absl import flags
  FLAGS = flags.FLAGS
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  if not FLAGS.output_dir:
    raise InputError("--output_dir is required")
  simulate(FLAGS.output_dir, FLAGS.train_rows, FLAGS.test_rows, FLAGS.seed)


if __name__ == "__main__":
  from madlab_dream import errors
  _define_flags()
  errors.run(main, "madlab_dream.simulate")
