"""Motif similarity, q-values and MEME files (explain/matching.py,
motif_db.py)."""

import numpy as np
import pytest
from scipy import stats

from madlab_dream.errors import InputError
from madlab_dream.explain import matching
from madlab_dream.explain import motif_db
from madlab_dream.tools.simulator import grammar
from madlab_dream.tools.simulator import sites


def _ppm(name):
  return sites.motif_probabilities(grammar.MOTIFS[grammar.MOTIF_INDEX[name]])


def test_similarity_finds_a_motif_on_either_strand_and_offset():
  reb1 = _ppm("Reb1")
  assert matching.similarity(reb1, reb1) == pytest.approx(1.0)
  assert matching.similarity(reb1[::-1, ::-1], reb1) == pytest.approx(1.0)
  padded = np.vstack([np.full((3, 4), 0.25), reb1, np.full((2, 4), 0.25)])
  assert matching.similarity(padded, reb1) == pytest.approx(1.0, abs=1e-3)
  assert matching.similarity(reb1[:4], reb1) < 0.8
  # Distinct motifs of the grammar stay below the recovery threshold.
  others = [matching.similarity(_ppm("Reb1"), _ppm(m.name))
            for m in grammar.MOTIFS if m.name != "Reb1"]
  assert max(others) < 0.7
  best = matching.best_similarity(
      [_ppm("Mcm1"), _ppm("Gcn4")],
      {m.name: sites.motif_probabilities(m).T for m in grammar.MOTIFS})
  assert [name for name, _ in best] == ["Mcm1", "Gcn4"]


def test_benjamini_hochberg_as_scipy():
  p = np.random.default_rng(0).random((3, 40)) ** 3
  expected = np.stack([stats.false_discovery_control(row) for row in p])
  np.testing.assert_allclose(matching.benjamini_hochberg(p), expected)


def test_meme_files(tmp_path):
  pytest.importorskip("memelite")
  path = tmp_path / "grammar.meme"
  sites.motifs_meme(str(path))
  motifs = motif_db.read_meme(str(path))
  assert [name.split()[0] for name in motifs] == [m.name
                                                 for m in grammar.MOTIFS]
  np.testing.assert_allclose(motifs["Reb1 TTACCCG"].T, _ppm("Reb1"))
  bad = tmp_path / "bad.meme"
  bad.write_text("not a motif file\n")
  with pytest.raises(InputError, match="no motifs found"):
    motif_db.read_meme(str(bad))
  with pytest.raises(InputError, match="no such file"):
    motif_db.read_meme(str(tmp_path / "missing.meme"))


def test_jaspar_fungi_has_the_known_yeast_factors():
  pytest.importorskip("pyjaspar")
  names = {name.split()[1].upper() for name in motif_db.jaspar_fungi()}
  assert {"REB1", "ABF1", "RAP1", "MCM1", "GCN4", "CBF1"} <= names


def test_missing_extra_names_it():
  with pytest.raises(InputError, match=r"pip install -e '\.\[explain\]'"):
    motif_db.require_extra({"no_such_module_xyz": "no-such-package"})
