"""The grammar's sites, the planted held-out set and the MEME file
(simulate/sites.py, simulate --motifs_meme)."""

import numpy as np

from madlab_dream.tools.simulator import grammar
from madlab_dream.tools.simulator import sites
from madlab_dream.tools.simulator import testset
from tests import helpers


def test_sites_reproduce_the_grammars_site_sums():
  codes = testset._backgrounds(np.random.default_rng(0), 300)
  codes[:5, 40:50] = 4  # rows with N score with N mismatching every base
  found = sites.grammar_sites(codes)
  sums = np.zeros((len(codes), len(grammar.MOTIFS)))
  np.add.at(sums, (found["row"], found["motif"]),
            found["weight"] * found["occupancy"])
  np.testing.assert_allclose(sums, grammar.site_sums(codes), rtol=1e-4,
                             atol=1e-5)


def test_planted_instances_are_functional_sites():
  codes, planted = sites.planted_set(200, seed=4)
  again, planted_again = sites.planted_set(200, seed=4)
  assert np.array_equal(codes, again)
  assert all(np.array_equal(planted[k], planted_again[k]) for k in planted)
  assert set(np.unique(planted["motif"])) == set(range(len(grammar.MOTIFS)))
  assert (planted["start"] >= grammar.REGION_START).all()
  assert (planted["end"] <= grammar.REGION_END).all()
  assert (codes[:, :17] == grammar.FLANK5_CODES).all()
  found = sites.grammar_sites(codes, sites.MIN_OCCUPANCY,
                              sites.PLANT_MIN_WEIGHT)
  keys = set(zip(found["row"], found["motif"], found["start"],
                 found["strand"]))
  for row, motif, start, strand in zip(planted["row"], planted["motif"],
                                       planted["start"], planted["strand"]):
    assert (row, motif, start, strand) in keys
  mask = sites.site_mask(codes)
  assert 0.1 < mask[:, 17:97].mean() < 0.5
  planted_positions = sites.planted_mask(codes.shape, planted)
  assert not (planted_positions & ~mask).any()
  assert planted_positions[:, 17:97].mean() > 0.5 * mask[:, 17:97].mean()
  # Abf1's gap (TCRNNNNNNACG) is not part of the mask.
  abf1 = np.flatnonzero((planted["motif"] == 1) & (planted["strand"] > 0))[0]
  row, start = planted["row"][abf1], planted["start"][abf1]
  assert mask[row, start:start + 3].all()
  assert mask[row, start + 9:start + 12].all()
  assert not planted_positions[row, start + 3:start + 9].any()


def test_meme_file_names_the_eight_motifs(tmp_path):
  path = tmp_path / "grammar.meme"
  proc = helpers.run_module("madlab_dream.simulate",
                            f"--motifs_meme={path}", timeout=120)
  assert proc.returncode == 0, proc.stderr
  text = path.read_text()
  names = [line.split()[1] for line in text.splitlines()
           if line.startswith("MOTIF")]
  assert names == [m.name for m in grammar.MOTIFS]
  assert "letter-probability matrix: alength= 4 w= 12" in text  # Abf1
  reb1 = sites.motif_probabilities(grammar.MOTIFS[0])
  assert reb1.shape == (7, 4) and np.allclose(reb1.sum(axis=1), 1)
  assert reb1[0].tolist() == [0, 0, 0, 1]  # T


def test_consensus_mask_marks_every_exact_match_on_either_strand():
  from madlab_dream.io import sequences
  text = "C" * 10 + "CGGGTAA" + "C" * 10 + "TCAGGGGGGACG" + "C" * 5 + "N" * 6
  codes = sequences.encode([text], len(text))
  mask = sites.consensus_mask(codes)
  expected = np.zeros(len(text), bool)
  expected[10:17] = True           # Reb1 TTACCCG on the - strand
  expected[27:30] = expected[36:39] = True  # Abf1 TCR......ACG, gap skipped
  np.testing.assert_array_equal(mask[0], expected)
  planted_codes, planted = sites.planted_set(50, seed=3)
  inside = sites.planted_mask(planted_codes.shape, planted)
  assert (sites.consensus_mask(planted_codes) >= inside).all()
