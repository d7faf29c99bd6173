"""Where the grammar's binding sites are: the ground truth for explanations.

  grammar_sites   every site of every motif in codes [N, 110]: start, end,
                  strand, occupancy and position x orientation weight, scored
                  exactly as the grammar scores them (their weighted
                  occupancies sum to `grammar.site_sums`)
  site_mask       bool [N, 110]: positions inside functional sites (the
                  informative positions of sites above an occupancy and a
                  weight), the positives of a per-position check
  consensus_mask  bool [N, 110]: the informative positions of every exact
                  consensus match of every motif on either strand, wherever
                  it is and whatever the grammar's weight there (the broad
                  definition of a site)
  planted_mask    bool [N, 110]: the informative positions of the planted
                  instances of `planted_set`
  planted_set     held-out sequences: random 80-nt regions between the
                  constant flanks, each with 1-3 motif instances planted
                  where the grammar gives them weight (a table of them)
  motifs_meme     the eight motifs as a MEME file (letter-probability
                  matrices named Reb1, Abf1, ...), for motif matching

A site of motif m on one strand at start p covers p .. p + K - 1; its
occupancy is the grammar's sigmoid of the match score and its weight the
orientation weight times the position profile at its centre.
"""

from __future__ import annotations

import numpy as np

from madlab_dream.io import files
from madlab_dream.tools.simulator import grammar
from madlab_dream.tools.simulator import testset

MIN_OCCUPANCY = 0.5   # at most about `half_mismatches` mismatches
MIN_WEIGHT = 0.3      # position x orientation weight of a functional site
PLANT_MIN_WEIGHT = 0.5


def _strands(motif: grammar.Motif):
  """(strand sign, consensus read on the + strand, orientation weight)."""
  out = [(1, motif.consensus, motif.forward)]
  if motif.reverse:
    out.append((-1, grammar._complement_iupac(motif.consensus),
                motif.reverse))
  return out


def _weights(motif: grammar.Motif, k: int, orientation: float,
             length: int) -> np.ndarray:
  starts = np.arange(length - k + 1)
  return orientation * grammar.position_weight(
      motif.profile, length - (starts + k / 2))


def _occupancy(codes: np.ndarray, motif: grammar.Motif,
               consensus: str) -> np.ndarray:
  """float64 [N, L - K + 1]: the grammar's occupancy at every start."""
  scores, best = grammar._position_scores(consensus)
  k = len(consensus)
  windows = np.lib.stride_tricks.sliding_window_view(codes, k, axis=1)
  score = scores[np.arange(k), windows].sum(axis=-1)
  offset = -best + motif.half_mismatches * (np.log(4.0) + grammar._MISMATCH)
  return 1.0 / (1.0 + np.exp(-(score + offset)))


def grammar_sites(codes: np.ndarray, min_occupancy: float = 0.0,
                  min_weight: float = 0.0) -> dict:
  """Every site of the grammar's motifs in codes uint8 [N, 110].

  Args:
    codes: uint8 [N, 110] (A, C, G, T, N = 0..4), 3' end aligned.
    min_occupancy: keep sites at or above this occupancy.
    min_weight: keep sites at or above this weight.

  Returns:
    {"row", "motif" (index into `grammar.MOTIFS`), "start", "end"
    (exclusive), "strand" (+1 / -1), "occupancy", "weight"}: arrays of
    one element per site, ordered by motif, strand, row and start.
  """
  codes = np.asarray(codes, np.uint8)
  length = codes.shape[1]
  parts = []
  for m, motif in enumerate(grammar.MOTIFS):
    for sign, consensus, orientation in _strands(motif):
      k = len(consensus)
      occ = _occupancy(codes, motif, consensus)
      weight = _weights(motif, k, orientation, length)
      row, start = np.nonzero((occ >= min_occupancy) &
                              (weight >= min_weight)[None, :])
      parts.append({"row": row, "motif": np.full(len(row), m),
                    "start": start, "end": start + k,
                    "strand": np.full(len(row), sign),
                    "occupancy": occ[row, start], "weight": weight[start]})
  return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def _mask(shape: tuple, table: dict) -> np.ndarray:
  """bool `shape`: the informative positions (not an N of the consensus,
  e.g. Abf1's gap) of the sites of `table` (row, motif, start, strand)."""
  mask = np.zeros(shape, bool)
  for m, motif in enumerate(grammar.MOTIFS):
    for sign, consensus, _ in _strands(motif):
      informative = np.flatnonzero(
          grammar.allowed_codes(consensus)[:, :4].sum(axis=1) < 4)
      pick = (table["motif"] == m) & (table["strand"] == sign)
      rows = table["row"][pick][:, None]
      mask[rows, table["start"][pick][:, None] + informative] = True
  return mask


def site_mask(codes: np.ndarray, min_occupancy: float = MIN_OCCUPANCY,
              min_weight: float = MIN_WEIGHT) -> np.ndarray:
  """bool [N, 110]: the informative positions of every site at or above
  `min_occupancy` and `min_weight` (planted or by chance)."""
  codes = np.asarray(codes, np.uint8)
  return _mask(codes.shape, grammar_sites(codes, min_occupancy, min_weight))


def consensus_mask(codes: np.ndarray) -> np.ndarray:
  """bool [N, L]: the informative positions of every exact match of each
  motif's consensus (IUPAC; N in the sequence matches nothing) on either
  strand, at any position and orientation weight."""
  codes = np.asarray(codes, np.uint8)
  mask = np.zeros(codes.shape, bool)
  for motif in grammar.MOTIFS:
    for consensus in (motif.consensus,
                      grammar._complement_iupac(motif.consensus)):
      allowed = grammar.allowed_codes(consensus)
      k = len(consensus)
      informative = np.flatnonzero(allowed[:, :4].sum(axis=1) < 4)
      windows = np.lib.stride_tricks.sliding_window_view(codes, k, axis=1)
      row, start = np.nonzero(allowed[np.arange(k), np.minimum(
          windows, 4)].all(axis=-1))
      mask[row[:, None], start[:, None] + informative] = True
  return mask


def planted_mask(shape: tuple, planted: dict) -> np.ndarray:
  """bool `shape` [N, 110]: the informative positions of the instances of
  `planted_set` (its table)."""
  return _mask(shape, planted)


def _plant_starts(rng: np.random.Generator, motif: grammar.Motif,
                  taken: np.ndarray, reverse: bool) -> int | None:
  """A start in the variable region where `motif` has weight and overlaps
  no taken position, or None."""
  k = len(motif.consensus)
  orientation = motif.reverse if reverse else motif.forward
  weight = _weights(motif, k, orientation, grammar.SEQ_LEN)
  starts = np.arange(grammar.REGION_START, grammar.REGION_END - k + 1)
  free = np.array([not taken[s:s + k].any() for s in starts])
  ok = starts[free & (weight[starts] >= PLANT_MIN_WEIGHT)]
  return int(rng.choice(ok)) if len(ok) else None


def planted_set(n: int, seed: int, max_sites: int = 2) -> tuple[
    np.ndarray, dict]:
  """Held-out sequences with planted motif instances.

  Each row: the constant flanks around a uniform random 80-nt region, with
  1..`max_sites` instances of motifs drawn uniformly, sampled from their
  consensus (`testset._instance`), on a random strand (the + strand for a
  palindrome), not overlapping, each where its position x orientation
  weight is at least PLANT_MIN_WEIGHT. Draws from
  `default_rng([seed, 3])` (the training rows use stream 1, the test set
  2).

  Returns:
    (codes uint8 [n, 110], {"row", "motif", "start", "end", "strand"}).
  """
  rng = np.random.default_rng([seed, 3])
  codes = testset._backgrounds(rng, n)
  table = {"row": [], "motif": [], "start": [], "end": [], "strand": []}
  for row in range(n):
    taken = np.zeros(grammar.SEQ_LEN, bool)
    for m in rng.integers(0, len(grammar.MOTIFS), rng.integers(1, max_sites
                                                               + 1)):
      motif = grammar.MOTIFS[m]
      reverse = bool(motif.reverse) and bool(rng.random() < 0.5)
      start = _plant_starts(rng, motif, taken, reverse)
      if start is None and reverse:  # e.g. Reb1: weak on the - strand
        reverse = False
        start = _plant_starts(rng, motif, taken, reverse)
      if start is None:
        continue
      testset._plant(codes, np.array([row]), motif, np.array([start]),
                     np.array([reverse]), rng)
      taken[start:start + len(motif.consensus)] = True
      for key, value in zip(table, (row, m, start, start + len(
          motif.consensus), -1 if reverse else 1)):
        table[key].append(value)
  return codes, {key: np.array(v, np.int64) for key, v in table.items()}


def motif_probabilities(motif: grammar.Motif) -> np.ndarray:
  """float64 [K, 4]: the consensus as letter probabilities (A, C, G, T),
  the allowed bases of each position equally likely."""
  allowed = grammar.allowed_codes(motif.consensus)[:, :4].astype(np.float64)
  return allowed / allowed.sum(axis=1, keepdims=True)


def motifs_meme_text() -> str:
  """The grammar's eight motifs as MEME text (version 4, uniform
  background)."""
  lines = ["MEME version 4", "", "ALPHABET= ACGT", "",
           "strands: + -", "",
           "Background letter frequencies",
           "A 0.25 C 0.25 G 0.25 T 0.25", ""]
  for motif in grammar.MOTIFS:
    probs = motif_probabilities(motif)
    lines += [f"MOTIF {motif.name} {motif.consensus}",
              f"letter-probability matrix: alength= 4 w= {len(probs)} "
              "nsites= 20 E= 0"]
    lines += [" ".join(f"{p:.6f}" for p in row) for row in probs]
    lines.append("")
  return "\n".join(lines)


def motifs_meme(path: str) -> str:
  """Writes `motifs_meme_text()` to `path` atomically; returns the path."""
  files.write_text(path, motifs_meme_text())
  return path
