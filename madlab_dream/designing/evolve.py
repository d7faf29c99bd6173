"""The genetic algorithm of Vaishnav et al. (Nature 2022), vectorised.

Their defaults: a population of 100,000 sequences, 10 generations; each
generation (DEAP's `eaSimple`) selects the population anew by tournaments
of 3 (with replacement), crosses consecutive pairs with probability 0.1
(two-point crossover, DEAP's `cxTwoPoint` points), and mutates each
individual with probability 0.1, each of its positions with probability
0.025. A mutated base becomes one of the other three bases, uniformly.
(Their code draws G -> {C, G, T} and T -> {C, G, T}, so A never arises
from G or T; this is not copied.) Only individuals that changed are scored
again.

Here every operation respects what a design may change: crossover swaps
only positions both parents may change (counted as DEAP counts list
positions), mutation touches only those, no N is introduced, and an
individual beyond `max_edits` from its start is infeasible (score -inf,
not scored). Each individual remembers the start it descends from (the
parent whose slot it holds). The designs are the best distinct sequences
scored in any generation (a hall of fame), at least `min_distance` apart.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Callable

import numpy as np

from madlab_dream.designing import pool as pool_lib
from madlab_dream.designing.pool import Pool
from madlab_dream.designing.starts import Starts
from madlab_dream.settings import Settings
from madlab_dream.settings import number
from madlab_dream.settings import whole_number


@dataclasses.dataclass(frozen=True)
class GeneticConfig(Settings):
  """The genetic algorithm's settings (defaults: Vaishnav et al.'s)."""
  population: int = 100_000
  generations: int = 10
  crossover: float = 0.1
  mutation: float = 0.1
  mutation_rate: float = 0.025
  tournament: int = 3

  def __post_init__(self):
    for name, low in (("population", 2), ("generations", 0),
                      ("tournament", 1)):
      self.validate_field(name, whole_number, low=low)
    for name in ("crossover", "mutation", "mutation_rate"):
      self.validate_field(name, number, 0.0, 1.0)

  def expected_evaluations(self, mutable_positions: int) -> float:
    """Expected candidates scored: the population, then per generation the
    share that crossover or an effective mutation changes."""
    mutated = self.mutation * (1 - (1 - self.mutation_rate)
                               ** mutable_positions)
    changed = 1 - (1 - self.crossover) * (1 - mutated)
    return self.population * (1 + self.generations * changed)


def select(rng, score: np.ndarray, tournament: int) -> np.ndarray:
  """Tournament winners for every slot (contenders drawn with replacement;
  the first best wins a tie)."""
  n = len(score)
  contenders = rng.integers(0, n, size=(n, tournament))
  return contenders[np.arange(n), np.argmax(score[contenders], axis=1)]


def crossover(rng, codes: np.ndarray, mask: np.ndarray, p: float) -> None:
  """Two-point crossover of pairs (0, 1), (2, 3), ... in place."""
  pairs = len(codes) // 2
  do = rng.random(pairs) < p
  a = 2 * np.flatnonzero(do)
  b = a + 1
  common = mask[a] & mask[b]
  size = common.sum(axis=1)
  a, b, common, size = a[size >= 2], b[size >= 2], common[size >= 2], size[
      size >= 2]
  if not len(a):
    return
  p1 = rng.integers(1, size + 1)            # DEAP: randint(1, size)
  p2 = rng.integers(1, size)                # randint(1, size - 1)
  lo = np.where(p2 >= p1, p1, p2)
  hi = np.where(p2 >= p1, p2 + 1, p1)
  rank = np.cumsum(common, axis=1) - 1
  swap = common & (rank >= lo[:, None]) & (rank < hi[:, None])
  ca, cb = codes[a], codes[b]
  codes[a] = np.where(swap, cb, ca)
  codes[b] = np.where(swap, ca, cb)


def mutate(rng, codes: np.ndarray, mask: np.ndarray, p: float,
           rate: float) -> None:
  """Per-individual probability `p`, per-position `rate`: a base becomes
  one of the other three uniformly (an N becomes any base); in place."""
  rows = np.flatnonzero(rng.random(len(codes)) < p)
  shape = (len(rows), codes.shape[1])
  hit = (rng.random(shape) < rate) & mask[rows]
  old = codes[rows]
  other = (old + rng.integers(1, 4, size=shape, dtype=np.uint8)) % 4
  new = np.where(old == 4, rng.integers(0, 4, size=shape, dtype=np.uint8),
                 other)
  codes[rows] = np.where(hit, new, old).astype(np.uint8)


def _generation(rng, scorer, pop: Pool, starts: Starts, ga: GeneticConfig,
                max_edits: int | None) -> tuple[Pool, Pool]:
  """(the next population, its newly scored individuals)."""
  off = pop.take(select(rng, pop.score, ga.tournament))
  codes = off.codes.copy()
  mask = starts.mutable[off.design]
  crossover(rng, codes, mask, ga.crossover)
  mutate(rng, codes, mask, ga.mutation, ga.mutation_rate)
  changed = np.flatnonzero((codes != off.codes).any(axis=1))
  off.codes = codes
  off.edits[changed] = (codes[changed] != starts.codes[
      off.design[changed]]).sum(axis=1)
  feasible = (changed if max_edits is None
              else changed[off.edits[changed] <= max_edits])
  infeasible = np.setdiff1d(changed, feasible)
  off.score[infeasible] = -np.inf
  off.mean[infeasible] = off.sd[infeasible] = np.nan
  off.members[:, infeasible] = np.nan
  off.in_range[infeasible] = False
  new = Pool.scored(scorer, off.design[feasible], codes[feasible],
                    off.edits[feasible])
  for name in ("score", "mean", "sd", "in_range"):
    getattr(off, name)[feasible] = getattr(new, name)
  off.members[:, feasible] = new.members
  return off, new


def hall_of_fame(archive: list[Pool], count: int,
                 min_distance: int = 0) -> Pool:
  """The `count` best distinct scored sequences (finite scores), best
  first, at least `min_distance` apart."""
  every = Pool.concat(archive)
  order = np.argsort(-every.score, kind="stable")
  order = order[np.isfinite(every.score[order])]
  order = order[pool_lib.unique_rows(np.zeros(len(order), np.int64),
                                     every.codes[order])]
  return every.take(pool_lib.diverse_order(every, order, count,
                                           min_distance))


def evolve(scorer, starts: Starts, ga: GeneticConfig, num_designs: int,
           seed: int, max_edits: int | None = None, min_distance: int = 0,
           log: Callable[[str], None] | None = None
           ) -> tuple[Pool, list[dict]]:
  """Runs the algorithm from `starts` (repeated to fill the population);
  returns (the designs, best first, and the trajectory rows: round 0 is
  the first population)."""
  t0 = time.perf_counter()
  rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
  ancestry = np.arange(ga.population) % len(starts)
  pop = Pool.scored(scorer, ancestry, starts.codes[ancestry].copy(),
                    np.zeros(ga.population, np.int64))
  archive = [pop]
  fame = hall_of_fame(archive, num_designs, min_distance)
  trajectory = [pool_lib.trajectory_row(0, fame, scorer, 0,
                                        time.perf_counter() - t0)]
  for generation in range(1, ga.generations + 1):
    pop, new = _generation(rng, scorer, pop, starts, ga, max_edits)
    archive.append(new)
    previous, fame = fame, hall_of_fame(archive, num_designs, min_distance)
    improved = int(len(fame) - np.isin(
        fame.codes.view(np.dtype((np.void, fame.codes.shape[1]))).ravel(),
        previous.codes.view(np.dtype((np.void,
                                      previous.codes.shape[1]))).ravel()
    ).sum())
    row = pool_lib.trajectory_row(generation, fame, scorer, improved,
                                  time.perf_counter() - t0)
    trajectory.append(row)
    if log:
      log(pool_lib.progress_line(row, "generation", "new among the best"))
  return fame, trajectory
