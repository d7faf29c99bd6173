"""`python -m madlab_dream.explain_demo` end to end on a tiny model: every
method, the site AUROCs, completeness, TF-MoDISco and the recovery table."""

import json

import numpy as np
import pytest

from tests import helpers


@pytest.fixture(scope="module")
def tiny_demo(tmp_path_factory):
  """A demo-like directory: run/ (a tiny model.keras and its SavedModel)
  and data/simulation.json."""
  from madlab_dream import model
  from madlab_dream.config import TINY_MODEL
  from madlab_dream.inference import export
  d = tmp_path_factory.mktemp("demo")
  (d / "run").mkdir()
  (d / "data").mkdir()
  net = model.build_model(TINY_MODEL, seed=1)
  for v in net.weights:
    if "output_kernel" in v.path:
      v.assign(np.random.default_rng(0).normal(size=v.shape) * 0.3)
  net.save(d / "run" / "model.keras")
  export.export_saved_model(net, str(d / "run" / "saved_model"), mean=10.0,
                            sd=2.0, seq_len=110)
  (d / "data" / "simulation.json").write_text(json.dumps({"seed": 5}))
  return d


@pytest.mark.slow
def test_explain_demo_runs_end_to_end_with_motif_recovery(tiny_demo):
  pytest.importorskip("modiscolite")
  pytest.importorskip("pyjaspar")
  out = tiny_demo / "explain"
  proc = helpers.run_module(
      "madlab_dream.explain_demo", f"--demo_dir={tiny_demo}",
      f"--output_dir={out}", "--sequences=240", "--ism_sequences=8",
      "--references=2", "--steps=3", "--sweep=2x3,1x2/midpoint,ig4",
      "--sweep_sequences=16", timeout=900)
  assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
  report = json.loads((out / "report.json").read_text())
  methods = {r["method"]: r for r in report["methods"]}
  assert set(methods) == {"saliency", "input_x_gradient",
                          "integrated_gradients", "expected_gradients", "ism"}
  for row in methods.values():
    for key in ("auroc", "auroc_functional", "auroc_broad"):
      assert 0.0 <= row[key] <= 1.0
  eg = methods["expected_gradients"]["completeness"]
  assert eg["sequences"] == 240 and 0 <= eg["median"] <= eg["worst"]
  assert methods["saliency"]["completeness"] is None
  assert "expected_gradients: completeness error" in proc.stdout
  motifs = report["motifs"]
  assert [r["motif"] for r in motifs["planted"]] == [
      "Reb1", "Abf1", "Rap1", "TATA", "polyAT", "Gcn4", "Mcm1", "Cbf1"]
  assert motifs["decoys"] > 100 and "q <= 0.05" in motifs["rule"]
  assert motifs["recovered"] == sum(r["recovered"] for r in motifs["planted"])
  assert len(report["targets"]) == 4
  text = (out / "report.md").read_text()
  assert "Rule: a pattern recovers a planted motif" in text
  assert "| Cbf1 |" in text and "AUROC broad" in text
  for name in ("expected_gradients.npz", "planted_sites.tsv",
               "grammar_motifs.meme", "motifs/motifs.tsv"):
    assert (out / name).exists(), name
  with np.load(out / "expected_gradients.npz") as data:
    np.testing.assert_allclose(data["completeness"].mean(), eg["median"],
                               rtol=10)
