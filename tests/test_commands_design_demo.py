"""`python -m madlab_dream.design_demo` end to end on a tiny model and a
small simulated training file: every case, the oracle's table, the checks."""

import json

import pytest

from tests import design_models
from tests import helpers


@pytest.fixture(scope="module")
def tiny_demo(tmp_path_factory):
  """A demo-like directory: run/saved_model (a tiny model with a trained
  range) and data/train_sequences.txt (simulated)."""
  d = tmp_path_factory.mktemp("demo")
  design_models.export_tiny(d / "run" / "saved_model", trained_range={
      "min": 0.0, "max": 17.0, "sd": 2.5})
  proc = helpers.run_module("madlab_dream.simulate", f"--output_dir={d}/data",
                            "--train_rows=2000", "--test_rows=200",
                            "--seed=4")
  assert proc.returncode == 0, proc.stderr
  return d


@pytest.mark.slow
def test_design_demo_runs_end_to_end(tiny_demo):
  out = tiny_demo / "design_proof"
  proc = helpers.run_module(
      "madlab_dream.design_demo", f"--demo_dir={tiny_demo}",
      f"--output_dir={out}", "--ensemble_seeds=", "--num_designs=4",
      "--rounds=1", "--budget=5m", "--eval_batch_size=256", timeout=600)
  assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
  summary = json.loads((out / "proof.json").read_text())
  cases = {(r["objective"], r["method"]) for r in summary["rows"]}
  assert cases == {("none", "start"), ("max", "greedy"), ("max", "evolve"),
                   ("min", "greedy"), ("min", "evolve"),
                   ("target", "greedy"), ("target", "evolve")}
  assert {r["models"] for r in summary["rows"]} == {"single model"}
  for r in summary["rows"]:
    assert r["designs"] == 4
    assert r["gap_median"] == pytest.approx(
        r["predicted_median"] - r["true_median"], abs=5.0)
  assert summary["rounds"] == 1
  text = (out / "proof.md").read_text()
  assert "Designs against the simulator's truth" in text
  assert any("99.9th percentile" in name for name in summary["checks"])
  assert (out / "single_max_greedy.tsv").exists()
