"""Greedy (beam) search (designing.greedy), on NumPy stand-in models."""

import numpy as np
import pytest
from design_fakes import FakePredictor
from design_fakes import ensemble

from madlab_dream.designing import design
from madlab_dream.designing import greedy as greedy_lib
from madlab_dream.designing import starts as starts_lib
from madlab_dream.designing.objective import Objective
from madlab_dream.designing.objective import Scorer


def _run(fake, starts, rounds, guarded=True, **kwargs):
  ens = ensemble(fake)
  ranges = tuple(ens.trusted_ranges()) if guarded else (None,)
  scorer = Scorer(ens, Objective("max", member_ranges=ranges))
  designs, trajectory = greedy_lib.greedy(scorer, starts, rounds, **kwargs)
  return designs, trajectory, scorer


def test_each_round_makes_the_single_best_edit():
  fake = FakePredictor(0)
  starts = starts_lib.prepare(starts_lib.random_regions(4, 1), 110)
  designs, trajectory, scorer = _run(fake, starts, rounds=3)
  w = fake.weights.astype(np.float64)
  for i in range(4):
    cur = starts.codes[i]
    gain = w[:, :4] - w[np.arange(110), cur][:, None]   # [L, 4]
    gain[~starts.mutable[i]] = -np.inf
    best3 = np.sort(gain.max(axis=1))[-3:]              # additive: exact
    expected = fake.predict_codes(cur[None])[0] + best3.sum()
    assert designs.mean[i] == pytest.approx(expected, abs=1e-4)
  assert (designs.edits == 3).all()
  assert [r["round"] for r in trajectory] == [0, 1, 2, 3]
  medians = [r["prediction_median"] for r in trajectory]
  assert medians == sorted(medians)
  assert scorer.evaluations == 4 + 3 * 4 * 3 * 80     # starts + 3 rounds


def test_only_mutable_positions_change_and_no_n_appears():
  fake = FakePredictor(2)
  texts = starts_lib.random_regions(3, 5)
  starts = starts_lib.prepare(texts, 110, protect=[(40, 60)])
  designs, _, _ = _run(fake, starts, rounds=12)
  changed = designs.codes != starts.codes[designs.design]
  assert changed.any() and not (changed & ~starts.mutable[designs.design]).any()
  assert (designs.codes < 4).all()


def test_max_edits_and_convergence():
  fake = FakePredictor(3)
  starts = starts_lib.prepare(starts_lib.random_regions(3, 2), 110)
  designs, trajectory, _ = _run(fake, starts, rounds=6, max_edits=2)
  assert (designs.edits <= 2).all() and (designs.edits == 2).all()
  assert len(trajectory) < 7 and trajectory[-1]["changed"] == 0


def test_min_distance_keeps_designs_apart():
  fake = FakePredictor(4)
  a = starts_lib.random_regions(1, 3)[0]
  b = a
  for p in range(30, 36):  # 6 apart
    b = b[:p] + ("A" if a[p] != "A" else "C") + b[p + 1:]
  starts = starts_lib.prepare([a, b], 110)
  free, _, _ = _run(fake, starts, rounds=90)
  assert (free.codes[0] != free.codes[1]).sum() == 0   # the same optimum
  apart, _, _ = _run(fake, starts, rounds=90, min_distance=4)
  assert (apart.codes[0] != apart.codes[1]).sum() >= 4
  assert (apart.edits > 10).all()


def test_beam_search_is_at_least_as_good():
  fake = FakePredictor(5)
  starts = starts_lib.prepare(starts_lib.random_regions(3, 4), 110)
  one, _, _ = _run(fake, starts, rounds=3)
  three, _, _ = _run(fake, starts, rounds=3, beam=3)
  assert len(three) == 3 and (three.score >= one.score - 1e-6).all()


def test_guard_stops_the_exploding_sequences():
  fake = FakePredictor(6, trained_range={"min": 5.0, "max": 20.0, "sd": 1.0},
                       explode_run=5)
  fake.weights[:, 0] += 0.3                               # A's pay
  starts = starts_lib.prepare(starts_lib.random_regions(5, 6), 110)
  guarded, _, scorer = _run(fake, starts, rounds=6)
  assert scorer.guard_hits > 0
  assert (guarded.mean <= 21.0).all() and guarded.in_range.all()
  free, _, free_scorer = _run(fake, starts, rounds=6, guarded=False)
  assert free_scorer.guard_hits == 0
  assert (free.mean == np.float32(1e7)).all()


def test_design_api_is_deterministic_and_writes_the_table():
  ens = ensemble(FakePredictor(7), FakePredictor(8))
  kwargs = dict(objective="max", method="greedy", num_designs=5, rounds=2,
                penalty_sd=1.0, seed=3, log=None)
  a, b = design(ens, **kwargs), design(ens, **kwargs)
  assert a.table.equals(b.table)
  assert list(a.table.columns) == [
      "design_id", "sequence", "start_sequence", "edits", "prediction",
      "prediction_sd", "fake_7", "fake_8", "changes"]
  row = a.table.iloc[0]
  assert row["prediction"] == pytest.approx((row["fake_7"] + row["fake_8"]) / 2,
                                            abs=1e-4)
  assert row["edits"] == len(row["changes"].split(",")) == 2
  assert not a.summary["guarded"] and a.summary["evaluations"] == 5 + 2 * 1200
