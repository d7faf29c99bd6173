"""The hidden regulatory grammar: sequence -> noiseless activity.

Sequences are the 110-nt constructs of the challenge: a constant 17-nt 5'
flank, an 80-nt random region and a constant 13-nt 3' flank.

Eight yeast binding sites are scored with position weight matrices on both
strands; a site's occupancy is a sigmoid of its score (a perfect site is
~95 % occupied, one mismatch about half, so partial matches in random DNA
matter). Occupancies are weighted by a position profile (distance of the
site's centre to the 3' end, the TSS side) and an orientation weight and
summed per motif; each motif's sum saturates (s * (1 - exp(-x / s))); the
logit is a weighted sum of these plus pairwise products (cooperation,
antagonism); the noiseless activity is `LOW + (HIGH - LOW) *
sigmoid(logit)` on the 0-17 bin scale.

Scoring is vectorised NumPy: every motif strand is read from K-mer lookup
tables (`_Bank`), one table lookup per K-mer and strand.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from madlab_dream.io import sequences

# The constructs' flanks and region (the challenge's), re-exported here for
# the simulator's modules.
from madlab_dream.io.sequences import FLANK3  # noqa: F401
from madlab_dream.io.sequences import FLANK3_CODES  # noqa: F401
from madlab_dream.io.sequences import FLANK5  # noqa: F401
from madlab_dream.io.sequences import FLANK5_CODES  # noqa: F401
from madlab_dream.io.sequences import REGION_END  # noqa: F401
from madlab_dream.io.sequences import REGION_LEN  # noqa: F401
from madlab_dream.io.sequences import REGION_START  # noqa: F401
from madlab_dream.io.sequences import SEQ_LEN  # noqa: F401

LOW, HIGH = 1.0, 16.8    # activity range on the 0-17 bin scale
BIAS = -1.2              # logit offset

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


@dataclasses.dataclass(frozen=True)
class Effects:
  """The weights of the logit: one per motif (MOTIFS' order) and one per
  interaction (INTERACTIONS' order). `variant_seed` None: the grammar's
  own (`effects()`); else a seeded variant (`variant_effects`)."""
  motif: tuple[float, ...]
  interaction: tuple[float, ...]
  variant_seed: int | None = None


def effects() -> Effects:
  """The grammar's own weights."""
  return Effects(tuple(m.effect for m in MOTIFS),
                 tuple(w for _, _, w, _ in INTERACTIONS))


def variant_effects(seed: int) -> Effects:
  """A different grammar on the same motifs (`simulate --grammar_seed`):
  each motif's effect and each interaction's weight multiplied by
  exp(N(0, 0.5)), and each sign flipped with probability 0.25, all drawn
  from `seed`. Sites, occupancy and profiles are unchanged, so what a model
  learned of the motifs transfers while their effects must be relearned."""
  rng = np.random.default_rng([seed, 7])
  base = effects()

  def perturb(values):
    values = np.asarray(values)
    scale = np.exp(rng.normal(0.0, 0.5, len(values)))
    sign = np.where(rng.random(len(values)) < 0.25, -1.0, 1.0)
    return tuple(float(v) for v in np.round(values * scale * sign, 4))
  return Effects(perturb(base.motif), perturb(base.interaction), seed)


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


# --- Scoring tables ---------------------------------------------------------

def _complement_iupac(consensus: str) -> str:
  table = str.maketrans("ACGTRYSWKMN", "TGCAYRSWMKN")
  return consensus.translate(table)[::-1]


def allowed_codes(consensus: str) -> np.ndarray:
  """bool [K, 5]: which codes (A, C, G, T, N) match each position."""
  out = np.zeros((len(consensus), 5), bool)
  for i, c in enumerate(consensus):
    for b in _IUPAC[c]:
      out[i, "ACGT".index(b)] = True
  return out


def _position_scores(consensus: str) -> tuple[np.ndarray, float]:
  """(float64 [K, 5] score of each code at each position, max score)."""
  allowed = allowed_codes(consensus)
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


def logit(codes: np.ndarray, weights: Effects | None = None) -> np.ndarray:
  """float64 [N]: the grammar's logit for codes uint8 [N, 110] (with the
  weights of `weights`, default the grammar's own)."""
  weights = weights or effects()
  sums = site_sums(codes)
  sat = SATURATION * (1.0 - np.exp(-sums / SATURATION))
  z = BIAS + sat @ np.array(weights.motif)
  for (a, b, _, _), w in zip(INTERACTIONS, weights.interaction):
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


def activity(seqs_or_codes, block: int = 100_000,
             weights: Effects | None = None) -> np.ndarray:
  """Noiseless activity (expected measurement, 0-17 bin scale).

  Args:
    seqs_or_codes: DNA strings (any length: the length policy keeps the last
      110 nt, left-pads with N), or uint8 codes [N, 110].
    block: rows per vectorised step (bounds memory).
    weights: the logit's weights (default: the grammar's own).

  Returns:
    float64 [N].
  """
  codes = _as_codes(seqs_or_codes)
  out = np.empty(len(codes), np.float64)
  for start in range(0, len(codes), block):
    z = logit(codes[start:start + block], weights)
    out[start:start + len(z)] = LOW + (HIGH - LOW) / (1.0 + np.exp(-z))
  return out


def describe(weights: Effects | None = None) -> dict:
  """The hidden grammar as JSON-ready data (the measurement model is
  `measure.measurement()`), with `weights` (default: its own)."""
  weights = weights or effects()
  motifs = [{**dataclasses.asdict(m), "effect": e}
            for m, e in zip(MOTIFS, weights.motif)]
  variant = ({} if weights.variant_seed is None else
             {"variant_seed": weights.variant_seed})
  return {
      **variant,
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
      "motifs": motifs,
      "interactions": [{"a": a, "b": b, "weight": w, "note": note}
                       for (a, b, _, note), w in zip(INTERACTIONS,
                                                     weights.interaction)],
  }
