"""Exact dinucleotide shuffles of a region of each sequence (reference
sequences for expected gradients).

`dinucleotide_shuffle(codes, seed, references)` draws, for every sequence,
`references` sequences with exactly the same dinucleotide counts as the
sequence, by Altschul and Erickson's method (1985): an Euler path through
the multigraph whose vertices are the letters and whose edges are the
sequence's dinucleotides, starting at its first letter and ending at its
last. A random spanning arborescence of "last exits" towards the final
letter is drawn first (each letter's last exit picked at random, redrawn
until every letter reaches the final one), the other exits of each letter
are permuted, and the path is walked: every such path is equally likely.

N stays where it is: each stretch of called bases between N's is shuffled
on its own (its first and last letters fixed), so the dinucleotides next to
an N are kept too, and an N is a zero one-hot row in the sequence and in
every reference alike (it contributes nothing to integrated or expected
gradients, whose completeness then holds for sequences with N too).

Only a region is shuffled (`shuffle_regions`): for a DREAM construct the
80-nt variable region between the constant 17-nt 5' and 13-nt 3' flanks,
which stay as they are. Because the region's first and last letters are
fixed, the dinucleotides across its boundaries are unchanged too, so the
whole sequence keeps its dinucleotide counts. The N padding on the left of a
short sequence is never part of a region.

Each sequence draws from its own `np.random.default_rng([seed, index])`
stream (its index in the input), so a sequence's references do not depend
on the batch it is in.
"""

from __future__ import annotations

import numpy as np

from madlab_dream.errors import InputError
from madlab_dream.io import sequences
from madlab_dream.io.sequences import FLANK3_CODES
from madlab_dream.io.sequences import FLANK5_CODES

LETTERS = 5          # A, C, G, T, N
REGIONS = ("dream", "all")
_MAX_TREE_DRAWS = 10_000


def euler_shuffle(seq: np.ndarray, rng: np.random.Generator) -> np.ndarray:
  """One dinucleotide shuffle of codes [n] (values 0..4); same first and last
  code, same counts of every dinucleotide."""
  seq = np.asarray(seq, np.uint8)
  if len(seq) < 3:
    return seq.copy()
  exits = [list(seq[1:][seq[:-1] == v]) for v in range(LETTERS)]
  last_letter = int(seq[-1])
  last_exit = _last_exits(exits, last_letter, rng)
  order = []
  for v in range(LETTERS):
    edges = list(exits[v])
    if last_exit[v] is not None:
      edges.pop(last_exit[v])
    rng.shuffle(edges)
    if last_exit[v] is not None:
      edges.append(exits[v][last_exit[v]])
    order.append(edges)
  out = np.empty_like(seq)
  out[0] = seq[0]
  position = [0] * LETTERS
  for i in range(1, len(seq)):
    v = int(out[i - 1])
    out[i] = order[v][position[v]]
    position[v] += 1
  return out


def _last_exits(exits: list, last_letter: int,
                rng: np.random.Generator) -> list:
  """Per letter the index (in its exit list) of its last exit, such that the
  last exits form a tree towards `last_letter` (None: no constraint)."""
  letters = [v for v in range(LETTERS) if exits[v] and v != last_letter]
  for _ in range(_MAX_TREE_DRAWS):
    pick = {v: int(rng.integers(len(exits[v]))) for v in letters}
    if _reaches(pick, exits, letters, last_letter):
      return [pick.get(v) for v in range(LETTERS)]
  raise RuntimeError("no spanning arborescence found (not an Euler path)")


def _reaches(pick: dict, exits: list, letters: list, last_letter: int) -> bool:
  for v in letters:
    seen = set()
    while v != last_letter:
      if v in seen:
        return False
      seen.add(v)
      v = int(exits[v][pick[v]])
  return True


def shuffle_regions(codes: np.ndarray, region: str = "dream"
                    ) -> tuple[np.ndarray, np.ndarray]:
  """(start, end) [N] of the part of each row that a shuffle may change.

  Leading N's (a short sequence's padding) are never shuffled. "dream": a
  row that carries the 5' flank right after its padding starts after it,
  and one that ends with the 3' flank ends before it (the 80-nt variable
  region of a 110-nt construct: positions 17..97); "all": the whole row
  after its padding. Anything else is an InputError.
  """
  if region not in REGIONS:
    raise InputError(f"unknown shuffle region {region!r} (expected one of "
                     f"{', '.join(REGIONS)})")
  codes = np.asarray(codes, np.uint8)
  n, length = codes.shape
  called = codes != sequences.N_CODE
  start = np.where(called.any(axis=1), called.argmax(axis=1), length)
  end = np.full(n, length, np.int64)
  if region == "dream":
    k5, k3 = len(FLANK5_CODES), len(FLANK3_CODES)
    for i in range(n):
      if (start[i] + k5 <= length and
          np.array_equal(codes[i, start[i]:start[i] + k5], FLANK5_CODES)):
        start[i] += k5
    if length >= k3:
      has3 = (codes[:, length - k3:] == FLANK3_CODES).all(axis=1)
      end = np.where(has3, length - k3, end)
  return start.astype(np.int64), np.maximum(end, start).astype(np.int64)


def dinucleotide_shuffle(codes: np.ndarray, references: int, seed: int,
                         region: str = "dream",
                         first_index: int = 0) -> np.ndarray:
  """`references` dinucleotide shuffles of each row of codes uint8 [N, L].

  Args:
    codes: uint8 [N, L] (A, C, G, T, N = 0..4).
    references: shuffles per row.
    seed: the seed; row i draws from `default_rng([seed, first_index + i])`.
    region: which part of each row is shuffled (`shuffle_regions`).
    first_index: the index of row 0 in the whole input.

  Returns:
    uint8 [N, references, L].
  """
  codes = np.asarray(codes, np.uint8)
  start, end = shuffle_regions(codes, region)
  out = np.repeat(codes[:, None, :], references, axis=1)
  for i in range(len(codes)):
    rng = np.random.default_rng([seed, first_index + i])
    stretches = _called_stretches(codes[i], start[i], end[i])
    for r in range(references):
      for lo, hi in stretches:
        out[i, r, lo:hi] = euler_shuffle(codes[i, lo:hi], rng)
  return out


def _called_stretches(row: np.ndarray, start: int, end: int) -> list:
  """[(lo, hi)] of the maximal runs without N in row[start:end]."""
  called = np.r_[False, row[start:end] != sequences.N_CODE, False]
  edges = np.flatnonzero(np.diff(called.astype(np.int8)))
  return [(start + lo, start + hi) for lo, hi in zip(edges[::2], edges[1::2])
          if hi - lo >= 3]


def dinucleotide_counts(codes: np.ndarray) -> np.ndarray:
  """int64 [..., 5, 5]: counts of each dinucleotide along the last axis."""
  codes = np.asarray(codes, np.int64)
  pair = codes[..., :-1] * LETTERS + codes[..., 1:]
  flat = pair.reshape(-1, pair.shape[-1])
  counts = np.zeros((len(flat), LETTERS * LETTERS), np.int64)
  np.add.at(counts, (np.arange(len(flat))[:, None], flat), 1)
  return counts.reshape(*pair.shape[:-1], LETTERS, LETTERS)
