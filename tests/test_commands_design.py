"""`python -m madlab_dream.design` and the guard on real (tiny) models: a
bounded one, and one whose swish BiLSTM explodes on some sequences."""

import json
import signal
import subprocess
import sys

import numpy as np
import pytest
from design_models import export_tiny
from helpers import REPO
from helpers import assert_one_line_error
from helpers import default_sigint
from helpers import env
from helpers import run_module

pytestmark = pytest.mark.slow

RANGE = {"min": 8.0, "max": 14.0, "sd": 2.0}          # trusted: [6, 16]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
  d = tmp_path_factory.mktemp("design_models")
  return {"normal": export_tiny(d / "normal" / "saved_model", "tanh", RANGE),
          "explode": export_tiny(d / "explode" / "saved_model", "swish")}


def test_the_guard_triggers_on_the_exploding_model_only(models):
  from madlab_dream.designing import design
  from madlab_dream.inference.predictor import Predictor
  normal, explode = Predictor(str(models["normal"])), Predictor(
      str(models["explode"]))
  kwargs = dict(objective="max", num_designs=8, rounds=4, seed=1)
  lines = []
  ok = design([normal], log=lines.append, **kwargs)
  assert ok.summary["guarded"] and ok.summary["guard_hits"] == 0
  assert ok.table["prediction"].between(6, 16).all()
  guarded = design([explode], trained_range=(8.0, 14.0, 2.0), log=None,
                   **kwargs)
  assert guarded.summary["guard_hits"] > 0
  assert guarded.table["prediction"].max() <= 16
  lines = []
  free = design([explode], log=lines.append, **kwargs)
  assert sum("no trained range known" in line for line in lines) == 1
  assert not free.summary["guarded"] and free.summary["guard_hits"] == 0
  assert free.table["prediction"].max() > 20   # what the guard prevents


def test_design_command_writes_every_output(models, tmp_path):
  start = tmp_path / "start.txt"
  flank5, flank3 = "TGCATTTTTTTCACATC", "GGTTACGGCTGTT"
  start.write_text(f"{flank5}{'ACGT' * 17}{flank3}\n"            # 98 nt
                   f"GGGGGGGGGG{flank5}{'TGCA' * 20}{flank3}\n"   # 120 nt
                   f"{flank5}{'GATC' * 20}{flank3}\n")            # 110 nt
  out = tmp_path / "designs.tsv"
  proc = run_module("madlab_dream.design", f"--model={models['normal']}",
                    f"--model={models['explode']}", "--trained_range=8,14,2",
                    "--objective=target", "--target_value=30",
                    f"--start={start}", "--penalty_sd=1", "--method=evolve",
                    "--population=300", "--generations=2", f"--output={out}")
  assert proc.returncode == 0, proc.stderr[-3000:]
  assert "generation 2:" in proc.stdout and "guard:" in proc.stdout
  assert " designs outside the trusted range" in proc.stdout
  assert "warning: --target_value=30 is outside the training targets' " \
         "range [8, 14]" in proc.stdout
  assert "1 start(s) longer than the model's L = 110" in proc.stdout
  assert "1 start(s) shorter than L = 110" in proc.stdout
  header, *rows = [line.split("\t") for line in out.read_text().splitlines()]
  assert header == ["design_id", "sequence", "start_sequence", "edits",
                    "prediction", "prediction_sd", "normal", "explode",
                    "changes"]
  assert [r[0] for r in rows] == ["1", "2", "3"]   # one per start
  assert all(len(r[1]) == len(r[2]) for r in rows)
  long_row = next(r for r in rows if len(r[1]) == 120)
  assert long_row[1][:10] == "GGGGGGGGGG"         # unseen part kept
  p = np.array([[float(r[i]) for i in (4, 5, 6, 7)] for r in rows])
  np.testing.assert_allclose(p[:, 0], p[:, 2:].mean(1), atol=1e-4)
  np.testing.assert_allclose(p[:, 1], p[:, 2:].std(1), atol=1e-4)
  trajectory = (tmp_path / "designs.trajectory.tsv").read_text().splitlines()
  assert trajectory[0].startswith("round\tevaluations\tguard_hits")
  assert len(trajectory) == 4
  assert (tmp_path / "designs.png").read_bytes()[:4] == b"\x89PNG"
  summary = json.loads((tmp_path / "designs.summary.json").read_text())
  assert summary["designs"] == 3 and summary["objective"] == "target"


def test_nothing_to_mutate_stops_with_one_line(models, tmp_path):
  out = tmp_path / "d.tsv"
  proc = run_module("madlab_dream.design", f"--model={models['normal']}",
                    "--flank_5p=60", "--flank_3p=60", f"--output={out}")
  assert_one_line_error(proc, "leave nothing to mutate")
  assert list(tmp_path.iterdir()) == []


def test_ctrl_c_leaves_no_output(models, tmp_path):
  out = tmp_path / "d.tsv"
  proc = subprocess.Popen(
      [sys.executable, "-m", "madlab_dream.design",
       f"--model={models['normal']}", "--num_designs=200", "--rounds=50",
       f"--output={out}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
      text=True, env=env(), cwd=REPO, preexec_fn=default_sigint)
  for line in proc.stdout:
    if line.startswith("designing 200 sequence(s)"):
      break
  proc.send_signal(signal.SIGINT)
  proc.wait(120)
  proc.stderr = proc.stderr.read()
  assert_one_line_error(proc, "interrupted", status=130)
  assert list(tmp_path.iterdir()) == []


def test_proof_end_to_end_on_tiny_models(models, tmp_path):
  from madlab_dream.designing.starts import random_regions
  from madlab_dream.tools.design_demo import proof
  from madlab_dream.tools.simulator import grammar
  demo = tmp_path / "demo"
  (demo / "data").mkdir(parents=True)
  seqs = random_regions(3000, 11)
  (demo / "data" / "train_sequences.txt").write_text("".join(
      f"{s}\t{a:.3f}\n" for s, a in zip(seqs, grammar.activity(seqs))))
  (demo / "run").symlink_to(models["normal"].parent)
  ensemble = tmp_path / "ensemble"
  ensemble.mkdir()
  (ensemble / "seed_1").symlink_to(models["explode"].parent)
  (ensemble / "seed_2").symlink_to(models["normal"].parent)
  lines = []
  summary = proof.run_proof(str(demo), str(ensemble), [1, 2],
                            str(tmp_path / "out"), budget_s=60,
                            num_designs=4, rounds=1, batch_size=256,
                            log=lines.append)
  assert summary["trained_range_from"] == "the model's metadata"
  assert summary["rounds"] == 1 and summary["population"] > 4
  rows = summary["rows"]
  assert len(rows) == 2 + 12
  assert {(r["objective"], r["method"]) for r in rows} >= {
      (o, m) for o in ("max", "min", "target") for m in ("greedy", "evolve")}
  greedy = [r for r in rows if r["method"] == "greedy"]
  assert all(r["evaluations"] == 4 * (1 + 240) for r in greedy)
  ens_max = next(r for r in rows if r["models"].startswith("ensemble")
                 and r["objective"] == "max" and r["method"] == "greedy")
  assert ens_max["guard_hits"] > 0          # the exploding member
  text = (tmp_path / "out" / "proof.md").read_text()
  assert "| single model | max | greedy |" in text and "- [" in text
  assert (tmp_path / "out" / "ensemble_min_evolve.tsv").exists()
  assert any(line.startswith("ensemble member seed 1: reusing")
             for line in lines)
