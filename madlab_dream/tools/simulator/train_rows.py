"""Simulated training rows, in seeded blocks.

Rows look like the real training file: lengths from 78 to 142 nt (82 % are
110), the constant flanks around a random region, and in ~0.4 % of rows a
stretch of N's near the 3' end. Block `index` of seed `seed` draws from its
own `np.random.default_rng([seed, 1, index])` stream, so the same seed gives
the same rows whatever the block is used for.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from madlab_dream.io import sequences
from madlab_dream.tools.simulator.grammar import FLANK3
from madlab_dream.tools.simulator.grammar import FLANK3_CODES
from madlab_dream.tools.simulator.grammar import FLANK5_CODES
from madlab_dream.tools.simulator.grammar import REGION_START
from madlab_dream.tools.simulator.grammar import SEQ_LEN
from madlab_dream.tools.simulator.grammar import Effects
from madlab_dream.tools.simulator.grammar import activity
from madlab_dream.tools.simulator.measure import SINGLETON_FRACTION
from madlab_dream.tools.simulator.measure import measure

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
TRAIN_BLOCK = 200_000    # rows per block (part of the seeded definition)


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
  """uint8 [N, length]: the model's view of left-aligned rows [N, W]
  (`sequences.fit_length`: the last `length` codes, left-padded with N)."""
  n, width = seq_codes.shape
  return sequences.fit_length(np.ascontiguousarray(seq_codes).ravel(),
                              np.arange(n) * width, lengths, length)


def train_block(seed: int, index: int, n: int,
                weights: Effects | None = None) -> TrainBlock:
  """Block `index` of the training rows of `seed` (n rows, deterministic;
  activity with the grammar's `weights`, default its own)."""
  rng = np.random.default_rng([seed, 1, index])
  lengths = rng.choice(LENGTHS, size=n, p=LENGTH_PROBS)
  seq = rng.integers(0, 4, size=(n, MAX_LEN), dtype=np.uint8)
  seq[:, :REGION_START] = FLANK5_CODES
  rows = np.arange(n)[:, None]
  flank3_at = (lengths - len(FLANK3))[:, None] + np.arange(len(FLANK3))
  seq[rows, flank3_at] = FLANK3_CODES
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
  act = activity(codes, weights=weights)
  singleton = rng.random(n) < SINGLETON_FRACTION
  measured = measure(act, singleton, rng.standard_normal(n))
  return TrainBlock(seq, lengths, codes, act, measured, singleton)

