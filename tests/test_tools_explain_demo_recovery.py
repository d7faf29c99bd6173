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


def _one_hot_ppm(text, sharp=0.97):
  ppm = np.full((len(text), 4), (1 - sharp) / 3)
  ppm[np.arange(len(text)), ["ACGT".index(c) for c in text]] = sharp
  return ppm


def _planted():
  return {m.name: sites.motif_probabilities(m).T for m in grammar.MOTIFS}


@pytest.fixture(scope="module")
def decoys():
  pytest.importorskip("memelite")
  pytest.importorskip("pyjaspar")
  from madlab_dream.explain import motif_db
  return motif_db.jaspar_fungi()


def test_recovery_rule_passes_whole_motifs_with_their_sign(decoys):
  reb1 = sites.motif_probabilities(grammar.MOTIFS[0])
  mcm1 = sites.motif_probabilities(grammar.MOTIFS[6])
  noise = np.full((8, 4), 0.1)
  noise[np.arange(8), [0, 1, 0, 1, 0, 1, 0, 1]] = 0.7   # ACACACAC
  patterns = [_pattern("pos_patterns.pattern_0", reb1, 300),
              _pattern("neg_patterns.pattern_0", mcm1, 200, -1),
              _pattern("pos_patterns.pattern_1", mcm1, 100),
              _pattern("pos_patterns.pattern_2", noise, 100)]
  out = recovery.recovery(patterns, _planted(), decoys,
                          recovery.grammar_signs())
  by_motif = {r["motif"]: r for r in out["planted"]}
  assert out["recovered"] == 2 and out["decoys"] == len(decoys)
  best = by_motif["Reb1"]["best"]
  assert best["pattern"] == "pos_patterns.pattern_0"
  assert best["coverage"] == pytest.approx(1.0, abs=0.01)
  assert best["qvalue"] <= recovery.MAX_QVALUE
  assert by_motif["Mcm1"]["best"]["pattern"] == "neg_patterns.pattern_0"
  assert by_motif["Mcm1"]["recovered"]
  assert not by_motif["Abf1"]["recovered"]
  assert "pos_patterns.pattern_2" in [u["pattern"]
                                      for u in out["unmatched_strong"]]
  # the same Mcm1 matrix with the wrong sign passes all but the sign
  wrong = recovery._judge(patterns[2], "Mcm1", _planted()["Mcm1"], 0.0,
                          "Mcm1", -1)
  assert not wrong["recovered"]
  assert [k for k, ok in wrong["passed"].items() if not ok] == ["sign"]
  methods = [{"method": "expected_gradients", "setting": "5 x 10",
              "sequences": 10, "seconds": 1.0, "sequences_per_s": 10.0,
              "auroc": 0.9, "auroc_functional": 0.9, "auroc_broad": 0.8}]
  met = report.targets({"motifs": out, "methods": methods})
  assert list(met.values()) == [False, False, True, True]
  methods.append({"method": "ism", "setting": "snv", "sequences": 5,
                  "auroc": 0.95, "auroc_functional": 0.8,
                  "auroc_broad": 0.7})
  best = report.best_methods({"methods": methods})
  assert best["planted"] == {"method": "ism", "auroc": 0.95, "sequences": 5}
  assert best["functional"]["method"] == "expected_gradients"
  lines = report._best_lines({"methods": methods})
  assert lines[-1].endswith(": expected_gradients.")
  text = "\n".join(report._motif_lines(out))
  assert "| Reb1 | yes | pos_patterns.pattern_0 |" in text
  assert "FAIL" in text


@pytest.mark.parametrize("fragment, motif, covered", [
    ("ACG", "Abf1", 6 / 11), ("CACG", "Cbf1", 8 / 12),
    ("TTTT", "polyAT", 8 / 14), ("TGAC", "Gcn4", 8 / 14),
    ("ACCC", "Reb1", 8 / 14), ("GTTGGTCACGGATAATCAA", "Abf1", None)])
def test_fragments_of_a_planted_motif_do_not_recover_it(decoys, fragment,
                                                        motif, covered):
  from madlab_dream.explain import matching
  if covered is not None:   # bits of the matched positions / the motif's
    assert matching.covered_information(
        _one_hot_ppm(fragment, 1.0), _planted()[motif].T) == pytest.approx(
            covered, abs=2e-3)
  ppm = _one_hot_ppm(fragment)
  if fragment.startswith("GTTGG"):   # GttggtcACGgataatcaa: only ACG sharp
    ppm = np.full((len(fragment), 4), 0.25)
    ppm[np.arange(len(fragment)), ["ACGT".index(c) for c in fragment]] = 0.4
    ppm[7:10] = _one_hot_ppm("ACG")
    ppm /= ppm.sum(axis=1, keepdims=True)
  sign = recovery.grammar_signs()[motif]
  out = recovery.recovery([_pattern("pos_patterns.pattern_0", ppm, 100,
                                    sign)], _planted(), decoys,
                          recovery.grammar_signs())
  row = next(r for r in out["planted"] if r["motif"] == motif)
  assert not row["recovered"]
  assert not row["best"]["passed"]["coverage"]
  assert row["best"]["coverage"] < recovery.MIN_COVERAGE
  assert out["recovered"] == 0


def test_recovery_refuses_decoys_named_like_planted_motifs():
  planted = _planted()
  with pytest.raises(ValueError, match="clash"):
    recovery.recovery([], planted, {"Reb1": planted["Reb1"]},
                      recovery.grammar_signs())


def test_settings_and_sweep_are_checked():
  assert proof.parse_sweep("5x10, 20X25/gauss_legendre,ig50") == (
      ("expected_gradients", 5, 10, "midpoint"),
      ("expected_gradients", 20, 25, "gauss_legendre"),
      ("integrated_gradients", 1, 50, "midpoint"))
  default = proof.ProofConfig().sweep
  assert proof.parse_sweep(proof.sweep_text(default)) == default
  for bad in ("5by10", "0x3", "ig", "5x10/simpson"):
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
