"""The proof's pieces (tools.design_demo.oracle, tools.design_demo.proof) without models."""

import json

import numpy as np
import pandas as pd
import pytest

from madlab_dream.designing.evolve import GeneticConfig
from madlab_dream.tools.design_demo import oracle
from madlab_dream.tools.design_demo import proof
from madlab_dream.tools.simulator import grammar


def test_percentiles_hits_and_rows():
  reference = np.sort(np.random.default_rng(0).normal(10, 2, 10_000))
  np.testing.assert_allclose(oracle.percentile(reference, [-1e9, 10, 1e9]),
                             [0, 50, 100], atol=1.5)
  assert oracle.hit("max", np.array([30.0, 10.0]), reference, 0).tolist() == [
      True, False]
  assert oracle.hit("min", np.array([-30.0, 10.0]), reference, 0).tolist() == [
      True, False]
  assert oracle.hit("target", np.array([10.2, 11.0]), reference,
                    10.0).tolist() == [True, False]
  seqs = [grammar.FLANK5 + "ACGT" * 20 + grammar.FLANK3] * 2
  table = pd.DataFrame({"sequence": seqs, "prediction": [20.0, 22.0],
                        "prediction_sd": [0.5, 0.7], "edits": [1, 3]})
  row = oracle.case_row("single model", "max", "greedy", table,
                        {"evaluations": 7, "guard_hits": 2}, reference, 10)
  true = grammar.activity(seqs[0])[0]
  assert row["true_median"] == pytest.approx(true)
  assert row["gap_median"] == pytest.approx(21.0 - true)
  assert row["evaluations"] == 7 and row["guard_hits"] == 2


def test_checks_compare_the_ensemble_gap_with_the_single_models():
  base = {"evaluations": 0, "guard_hits": 0, "hits": 0, "sd_median": 0,
          "edits_median": 0, "predicted_median": 0, "true_median": 0,
          "designs": 1, "seconds": 0}
  rows = [dict(base, models="single model", objective="max", method="greedy",
               gap_median=2.0, true_percentile_median=99.95),
          dict(base, models="ensemble", objective="max", method="greedy",
               gap_median=0.9, true_percentile_median=99.0),
          dict(base, models="single model", objective="min", method="evolve",
               gap_median=-1.0, true_percentile_median=0.05),
          dict(base, models="ensemble", objective="min", method="evolve",
               gap_median=-0.6, true_percentile_median=0.2)]
  got = oracle.checks(rows, np.arange(10.0))
  assert list(got.values()) == [True, False, True, False, True, False]
  assert "| single model | max | greedy |" in oracle.markdown_table(rows)


def test_plan_and_equal_budgets():
  # 100 designs x 240 candidates x 24 model passes per round at 1,000/s
  assert proof.plan(1000.0, 1200.0, 100, 80, 24) == 2
  assert proof.plan(10.0, 1.0, 100, 80, 24) == 1          # at least one
  budget = 100 * (1 + 240 * 3)
  population = proof.population_for(budget, 80)
  assert GeneticConfig(population).expected_evaluations(80) == pytest.approx(
      budget, rel=1e-3)


def test_member_command_is_the_demo_recipe_with_another_seed(tmp_path):
  (tmp_path / "report.json").write_text(json.dumps({"steps_run": 1659}))
  cmd = proof.member_command(str(tmp_path), 2, "/x/seed_2")
  assert cmd[1:3] == ["-m", "madlab_dream.train"]
  assert f"--flagfile={tmp_path / 'flags.txt'}" in cmd
  for arg in ("--seed=2", "--max_steps=1659", "--time_budget=",
              "--model_dir=/x/seed_2", "--noresume"):
    assert arg in cmd


def test_the_demo_check_names_what_is_missing(tmp_path):
  demo = tmp_path / "demo"
  with pytest.raises(proof.InputError, match="no .*train_sequences.txt"):
    proof._check_demo(str(demo), str(demo / "run"))
  (demo / "data").mkdir(parents=True)
  (demo / "data" / "train_sequences.txt").write_text("ACGT\t1\n")
  other = tmp_path / "other_run"
  other.mkdir()
  with pytest.raises(proof.InputError, match="no saved_model/ or model.keras"):
    proof._check_demo(str(demo), str(other))
  (other / "model.keras").write_bytes(b"")  # --model: any finished run
  assert proof._check_demo(str(demo), str(other)).endswith(
      "train_sequences.txt")
