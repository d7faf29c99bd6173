"""The proof's recovery table, targets and settings (tools/explain_demo/)."""

import numpy as np
import pytest

from madlab_dream.config import ConfigError
from madlab_dream.errors import InputError
from madlab_dream.explain.motifs import Pattern
from madlab_dream.tools.explain_demo import proof
from madlab_dream.tools.explain_demo import recovery
from madlab_dream.tools.explain_demo import report
from madlab_dream.tools.simulator import grammar
from madlab_dream.tools.simulator import sites


def _pattern(name, ppm, seqlets, sign=1):
  return Pattern(name, sign, seqlets, ppm, ppm * sign, ppm, 0)


def test_recovered_motifs_and_unmatched_strong_patterns():
  motifs = {m.name: sites.motif_probabilities(m).T for m in grammar.MOTIFS}
  reb1 = sites.motif_probabilities(grammar.MOTIFS[0])
  mcm1 = sites.motif_probabilities(grammar.MOTIFS[6])
  noise = np.full((8, 4), 0.1)
  noise[np.arange(8), [0, 1, 0, 1, 0, 1, 0, 1]] = 0.7   # ACACACAC
  patterns = [_pattern("pos_patterns.pattern_0", reb1, 300),
              _pattern("pos_patterns.pattern_1", reb1[1:], 50),
              _pattern("neg_patterns.pattern_0", mcm1, 200, -1),
              _pattern("pos_patterns.pattern_2", noise, 100)]
  out = recovery.recovery(patterns, motifs, {"pos_patterns.pattern_0": 1e-4})
  by_motif = {r["motif"]: r for r in out["planted"]}
  assert out["recovered"] == 2
  assert by_motif["Reb1"]["pattern"] == "pos_patterns.pattern_0"
  assert by_motif["Reb1"]["similarity"] == pytest.approx(1.0)
  assert by_motif["Reb1"]["tomtom_qvalue"] == 1e-4
  assert by_motif["Mcm1"]["recovered"] and by_motif["Mcm1"]["seqlets"] == 200
  assert not by_motif["Abf1"]["recovered"] and by_motif["Abf1"]["seqlets"] == 0
  assert [u["pattern"] for u in out["unmatched_strong"]] == [
      "pos_patterns.pattern_2"]
  methods = [{"method": "expected_gradients", "setting": "5 x 10",
              "sequences": 10, "seconds": 1.0, "sequences_per_s": 10.0,
              "auroc": 0.9, "auroc_functional": 0.9}]
  data = {"motifs": out, "methods": methods}
  met = report.targets(data)
  assert list(met.values()) == [False, False, True]


def test_settings_and_sweep_are_checked():
  assert proof.parse_sweep("5x10, 20X25") == ((5, 10), (20, 25))
  for bad in ("5by10", "0x3"):
    with pytest.raises(InputError, match="--sweep"):
      proof.parse_sweep(bad)
  with pytest.raises(ConfigError, match="ism_sequences"):
    proof.ProofConfig(sequences=100, ism_sequences=200)
  with pytest.raises(ConfigError, match="references"):
    proof.ProofConfig(references=0)
  methods = [m.method for m in proof.ProofConfig().methods()]
  assert methods == ["saliency", "input_x_gradient", "integrated_gradients",
                     "expected_gradients", "ism"]
  with pytest.raises(InputError, match="run make demo first"):
    proof.simulation_seed("/nonexistent/demo")
