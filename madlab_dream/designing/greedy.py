"""Greedy (beam) search over single-nucleotide edits.

Each round, every single-nucleotide variant of every sequence in every
design's beam (`inference.variants.snv_codes`, the batched in-silico
mutagenesis path) at a position the design may change is scored, in large
batches, by every model. Each design keeps the `beam` best distinct
sequences among its beam and their variants (a sequence stays unless a
variant scores strictly better), so with beam 1 a round makes the single
best edit, or none when no edit improves (the design has converged). The
search stops after `rounds` rounds or when no design changed.

Constraints: `max_edits` (Hamming distance to the start, never exceeded)
and `min_distance` (an edit that would bring a design closer than this to
another design's best, or closer than they already are where they started
nearer, is not taken; the next best is tried).
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

from madlab_dream.designing import pool as pool_lib
from madlab_dream.designing.pool import Pool
from madlab_dream.designing.starts import Starts
from madlab_dream.inference.variants import snv_codes

#: Candidates generated and scored together (a few inference batches).
CHUNK_CANDIDATES = 1 << 16


def candidates(beam: Pool, starts: Starts, max_edits: int | None):
  """(design, codes, edits) of the allowed single-nucleotide variants of
  every beam sequence."""
  mutated, row, position, alt = snv_codes(beam.codes)
  design = beam.design[row]
  start_base = starts.codes[design, position]
  old = beam.codes[row, position]
  edits = (beam.edits[row] + (old == start_base).astype(np.int64)
           - (alt == start_base).astype(np.int64))
  keep = starts.mutable[design, position]
  if max_edits is not None:
    keep &= edits <= max_edits
  return design[keep], mutated[keep], edits[keep]


def search_round(scorer, beam: Pool, starts: Starts, width: int, keep: int,
           max_edits: int | None) -> Pool:
  """The next beams (up to `keep` rows per design), designs in chunks."""
  per_design = 3 * starts.codes.shape[1] * width
  chunk = max(1, CHUNK_CANDIDATES // per_design)
  designs = np.unique(beam.design)
  out = []
  for lo in range(0, len(designs), chunk):
    current = beam.take(np.flatnonzero(np.isin(
        beam.design, designs[lo:lo + chunk])))
    design, codes, edits = candidates(current, starts, max_edits)
    scored = Pool.scored(scorer, design, codes, edits)
    both = Pool.concat([current, scored])
    prefer = np.r_[np.ones(len(current), bool), np.zeros(len(scored), bool)]
    chosen = pool_lib.best_per_design(both, keep, prefer)
    stuck = np.setdiff1d(current.design, both.design[chosen])  # all -inf
    chosen = np.r_[chosen, np.flatnonzero(np.isin(current.design, stuck))]
    out.append(both.take(np.sort(chosen)))
  return _sorted(Pool.concat(out))


def _sorted(pool: Pool) -> Pool:
  """Rows by design, best first."""
  return pool.take(np.lexsort((-pool.score, pool.design)))


def best(pool: Pool) -> Pool:
  """The first (best) row of each design of a sorted pool."""
  first = np.r_[True, pool.design[1:] != pool.design[:-1]]
  return pool.take(np.flatnonzero(first))


def _spread(new: Pool, old: Pool, width: int, min_distance: int) -> Pool:
  """Per design (in order), its best rows that come no closer than
  `min_distance` to the other designs' best (nor closer than they already
  are, for designs that started nearer); the old beam where none does."""
  old_best = best(old)
  current = old_best.codes.copy()                # one row per design
  index = {d: i for i, d in enumerate(old_best.design)}
  rows = []
  for d in np.unique(new.design):
    mine = np.flatnonzero(new.design == d)
    i = index[d]
    others = np.delete(current, i, axis=0)
    floor = np.minimum(min_distance,
                       pool_lib.hamming(current[[i]], others)[0])
    taken = [r for r in mine if not len(others) or
             (pool_lib.hamming(new.codes[[r]], others)[0] >= floor).all()]
    if taken:
      rows.extend(taken[:width])
      current[i] = new.codes[taken[0]]
    else:
      rows.extend(np.flatnonzero(old.design == d) + len(new))
  return _sorted(Pool.concat([new, old]).take(np.array(rows)))


def greedy(scorer, starts: Starts, rounds: int, beam: int = 1,
           max_edits: int | None = None, min_distance: int = 0,
           log: Callable[[str], None] | None = None
           ) -> tuple[Pool, list[dict]]:
  """Runs the search; returns (the designs, one row per start in start
  order, and the trajectory rows: round 0 is the starts)."""
  t0 = time.perf_counter()
  n = len(starts)
  state = Pool.scored(scorer, np.arange(n), starts.codes.copy(),
                      np.zeros(n, np.int64))
  trajectory = [pool_lib.trajectory_row(0, state, scorer, 0,
                                        time.perf_counter() - t0)]
  keep = beam if min_distance <= 0 else 4 * beam + 4
  for step in range(1, rounds + 1):
    new = search_round(scorer, state, starts, beam, keep, max_edits)
    if min_distance > 0:
      new = _spread(new, state, beam, min_distance)
    else:
      new = _sorted(new)
    changed = int((best(new).codes != best(state).codes).any(axis=1).sum())
    state = new
    row = pool_lib.trajectory_row(step, best(state), scorer, changed,
                                  time.perf_counter() - t0)
    trajectory.append(row)
    if log:
      log(pool_lib.progress_line(row))
    if changed == 0:
      if log:
        log(f"converged after {step} round(s): no edit improves any design")
      break
  return best(state), trajectory
