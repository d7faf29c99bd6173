"""The design objective and its guard (designing.objective)."""

import numpy as np
import pytest
from design_fakes import FakePredictor
from design_fakes import ensemble

from madlab_dream.designing.objective import Objective
from madlab_dream.designing.objective import Scorer
from madlab_dream.designing.objective import guard_line


def test_max_min_target_and_sd_penalty():
  members = np.array([[10.0, 12.0, 8.0], [12.0, 12.0, 8.0]])  # [M=2, N=3]
  mean, sd = np.array([11.0, 12.0, 8.0]), np.array([1.0, 0.0, 0.0])
  got = Objective("max").score(members)
  np.testing.assert_allclose(got["mean"], mean)
  np.testing.assert_allclose(got["sd"], sd)
  np.testing.assert_allclose(got["score"], mean)
  np.testing.assert_allclose(Objective("max", penalty_sd=2).score(
      members)["score"], mean - 2 * sd)
  np.testing.assert_allclose(Objective("min", penalty_sd=2).score(
      members)["score"], -(mean + 2 * sd))
  np.testing.assert_allclose(Objective("target", 9.0, 1.0).score(
      members)["score"], -np.abs(mean - 9) - sd)


def test_guard_saturates_and_never_selects_outside():
  # member 0 trusts [0, 11.5]; member 1 knows no range
  objective = Objective("max", member_ranges=((0.0, 11.5), None))
  members = np.array([[10.0, 11.5, 12.0, 1e7, np.nan],
                      [13.0, 11.5, 11.0, 1e7, 5.0]])
  got = objective.score(members)
  np.testing.assert_array_equal(got["in_range"],
                                [True, True, False, False, False])
  assert got["score"][0] == 11.5      # mean 11.5, at the edge
  assert got["score"][1] == 11.5
  assert np.isneginf(got["score"][2:]).all()
  assert objective.guarded and objective.saturation == (0.0, 11.5)
  unguarded = Objective("max", member_ranges=(None, None))
  assert not unguarded.guarded
  assert unguarded.score(members)["score"][3] == 1e7  # explodes, selected
  assert np.isneginf(unguarded.score(members)["score"][4])  # NaN: never


def test_scorer_counts_candidates_and_guard_hits():
  fake = FakePredictor(0, trained_range={"min": 5.0, "max": 15.0, "sd": 0.5},
                       explode_run=8)
  ens = ensemble(fake)
  scorer = Scorer(ens, Objective("max", member_ranges=tuple(
      ens.trusted_ranges())))
  codes = np.random.default_rng(0).integers(0, 4, (50, 110)).astype(np.uint8)
  codes[:5, 20:30] = 0                                   # 10 A's: explode
  out = scorer(codes)
  assert scorer.evaluations == 50 and scorer.guard_hits == 5
  assert np.isneginf(out["score"][:5]).all() and out["members"].shape == (
      1, 50)
  line = guard_line(scorer.objective, scorer, ens.names)
  assert "5 of 50 candidates outside the trusted range [4.5, 15.5]" in line


def test_bad_objectives():
  with pytest.raises(ValueError):
    Objective("maximise")
  with pytest.raises(ValueError):
    Objective("target")
  with pytest.raises(ValueError):
    Objective("max", penalty_sd=-1)


def test_every_reader_of_objectives_reads_the_registry():
  import dataclasses

  from madlab_dream.designing import objective as objective_lib
  from madlab_dream.designing.options import DesignOptions
  from madlab_dream.tools.design_demo import proof
  assert objective_lib.OBJECTIVES == tuple(objective_lib.KINDS) == (
      "max", "min", "target")
  field = {f.name: f for f in dataclasses.fields(DesignOptions)}
  assert field["objective"].metadata["choices"] == objective_lib.OBJECTIVES
  assert field["objective"].metadata["help"] == objective_lib.help_text()
  for name in objective_lib.OBJECTIVES:
    assert f"{name} (" in objective_lib.help_text()
  assert proof.OBJECTIVES == objective_lib.OBJECTIVES


def test_a_registered_objective_is_accepted_and_scores(monkeypatch):
  from madlab_dream.designing import objective as objective_lib
  from madlab_dream.designing.options import DesignOptions
  closest_to_zero = objective_lib.Kind(
      "zero", lambda mean, penalty, target: -np.abs(mean) - penalty,
      "the closest to 0", proved=False)
  monkeypatch.setitem(objective_lib.KINDS, "zero", closest_to_zero)
  assert DesignOptions(objective="zero").objective == "zero"
  scores = objective_lib.Objective("zero").score(np.array([[-2.0, 0.5]]))
  np.testing.assert_allclose(scores["score"], [-2.0, -0.5])
