"""The genetic algorithm (designing.evolve), on NumPy stand-in models."""

import numpy as np
import pytest
from design_fakes import FakePredictor
from design_fakes import ensemble

from madlab_dream.designing import design
from madlab_dream.designing import evolve as evolve_lib
from madlab_dream.designing import starts as starts_lib
from madlab_dream.designing.objective import Objective
from madlab_dream.designing.objective import Scorer


def test_mutation_draws_each_other_base_uniformly_and_no_n():
  rng = np.random.default_rng(0)
  codes = np.repeat(np.arange(4, dtype=np.uint8)[None, :], 20000, 0)
  codes = np.repeat(codes, 25, axis=1)                     # [20000, 100]
  mask = np.ones_like(codes, bool)
  mask[:, :10] = False
  before = codes.copy()
  evolve_lib.mutate(rng, codes, mask, p=1.0, rate=0.5)
  hit = codes != before
  assert not hit[:, :10].any() and (codes < 4).all()
  for base in range(4):  # every other base, about a third each (A from G, T)
    was = (before == base) & hit
    shares = [((codes == other) & was).sum() / was.sum() for other in range(4)]
    assert shares[base] == 0
    assert all(abs(s - 1 / 3) < 0.02 for i, s in enumerate(shares)
               if i != base), (base, shares)
  share_mutated = hit[:, 10:].mean()
  assert share_mutated == pytest.approx(0.5, abs=0.01)


def test_two_point_crossover_swaps_a_segment_of_shared_positions():
  rng = np.random.default_rng(1)
  a = np.zeros((1000, 30), np.uint8)
  b = np.full((1000, 30), 3, np.uint8)
  codes = np.empty((2000, 30), np.uint8)
  codes[0::2], codes[1::2] = a, b
  mask = np.ones_like(codes, bool)
  mask[:, :5] = False                     # shared positions: 5..29 (25)
  evolve_lib.crossover(rng, codes, mask, p=1.0)
  first, second = codes[0::2], codes[1::2]
  assert ((first + second) == 3).all()    # a swap, nothing else
  assert (first[:, :5] == 0).all()
  swapped = first == 3
  assert not swapped[:, 5].any()          # DEAP's points: never the first
  for row in swapped:                     # one contiguous segment
    idx = np.flatnonzero(row)
    assert len(idx) and (np.diff(idx) == 1).all()


def _evolve(fake, population=400, generations=10, **kwargs):
  ens = ensemble(fake)
  scorer = Scorer(ens, Objective("max", member_ranges=tuple(
      ens.trusted_ranges())))
  texts = starts_lib.random_regions(population, 2)
  starts = starts_lib.prepare(texts, 110)
  ga = evolve_lib.GeneticConfig(population=population,
                                generations=generations)
  designs, trajectory = evolve_lib.evolve(scorer, starts, ga, 20, seed=0,
                                          **kwargs)
  return designs, trajectory, scorer, starts, ga


def test_evolve_improves_keeps_distinct_designs_and_matches_its_budget():
  designs, trajectory, scorer, starts, ga = _evolve(FakePredictor(0))
  assert len(designs) == 20
  assert (np.diff(designs.score) <= 0).all()                # best first
  assert len({d.tobytes() for d in designs.codes}) == 20
  assert trajectory[-1]["prediction_median"] > trajectory[0][
      "prediction_median"]
  edits = (designs.codes != starts.codes[designs.design]).sum(axis=1)
  np.testing.assert_array_equal(edits, designs.edits)
  changed = designs.codes != starts.codes[designs.design]
  assert not (changed & ~starts.mutable[designs.design]).any()
  expected = ga.expected_evaluations(80)
  assert scorer.evaluations == pytest.approx(expected, rel=0.1)


def test_evolve_is_seeded_and_respects_max_edits_and_the_guard():
  fake = FakePredictor(1, trained_range={"min": 5.0, "max": 20.0, "sd": 1.0},
                       explode_run=5)
  fake.weights[:, 0] += 0.3
  a = _evolve(fake, max_edits=3)
  b = _evolve(fake, max_edits=3)
  np.testing.assert_array_equal(a[0].codes, b[0].codes)
  assert (a[0].edits <= 3).all()
  assert a[2].guard_hits > 0 and (a[0].mean < 1e6).all()
  spread, _, _, _, _ = _evolve(FakePredictor(0), min_distance=10)
  d = (spread.codes[:, None] != spread.codes[None]).sum(-1)
  assert d[~np.eye(len(d), dtype=bool)].min() >= 10


def test_design_api_evolve_from_start_sequences():
  ens = ensemble(FakePredictor(3))
  starts = starts_lib.random_regions(7, 9)
  result = design(ens, starts, objective="min", method="evolve",
                  population=70, generations=3, log=None)
  assert len(result.table) == 7                 # default: one per start
  assert set(result.table["start_sequence"]) <= set(starts)
  assert list(result.trajectory["round"]) == [0, 1, 2, 3]
  assert result.table["prediction"].is_monotonic_increasing  # min: best first
