"""`python -m madlab_dream.motifs`: TF-MoDISco on 110-nt scores, matches,
and its refusals."""

import sys

import numpy as np
import pandas as pd
import pytest

from madlab_dream.tools.simulator import grammar
from madlab_dream.tools.simulator import sites
from madlab_dream.tools.simulator import testset
from tests import helpers

pytestmark = pytest.mark.slow


def _scores(path, n, seed=0):
  """Scores of n constructs, each with a Reb1 instance scored +1 per base
  and an Mcm1 instance scored -1 (noise elsewhere), as explain writes."""
  rng = np.random.default_rng(seed)
  codes = testset._backgrounds(rng, n)
  reb1, mcm1 = grammar.MOTIFS[0], grammar.MOTIFS[6]
  at1, at2 = rng.integers(17, 45, n), rng.integers(55, 87, n)
  testset._plant(codes, np.arange(n), reb1, at1, rng.random(n) < 0.5, rng)
  testset._plant(codes, np.arange(n), mcm1, at2, np.zeros(n, bool), rng)
  one_hot = np.eye(5, 4, dtype=np.float32)[codes]
  hyp = rng.normal(scale=0.05, size=one_hot.shape).astype(np.float32)
  for i in range(n):
    hyp[i, at1[i]:at1[i] + 7] += one_hot[i, at1[i]:at1[i] + 7]
    hyp[i, at2[i]:at2[i] + 10] -= one_hot[i, at2[i]:at2[i] + 10]
  np.savez(path, one_hot=one_hot, hypothetical=hyp,
           contributions=hyp * one_hot)


@pytest.mark.long
def test_recovers_planted_motifs_against_a_meme_file(tmp_path):
  pytest.importorskip("modiscolite")
  scores, meme, out = (tmp_path / "s.npz", tmp_path / "g.meme",
                       tmp_path / "motifs")
  _scores(scores, 250)
  sites.motifs_meme(str(meme))
  proc = helpers.run_module(
      "madlab_dream.motifs", f"--contributions={scores}",
      f"--output_dir={out}", f"--motif_db={meme}", "--n_leiden_runs=2",
      timeout=600)
  assert proc.returncode == 0, proc.stderr
  table = pd.read_csv(out / "motifs.tsv", sep="\t")
  assert list(table.columns)[:6] == ["pattern", "sign", "seqlets",
                                     "consensus", "match", "match_qvalue"]
  best = table.sort_values("seqlets").groupby("sign").last()
  assert best.loc[1, "match"].startswith("Reb1")
  assert best.loc[-1, "match"].startswith("Mcm1")
  assert (best["match_qvalue"] < 0.05).all() and (best["similarity"] > 0.8
                                                  ).all()
  names = {p.name for p in out.iterdir()}
  assert {"modisco_results.h5", "report.md", "patterns.meme", "logos",
          "settings.json"} <= names
  assert len(list((out / "logos").iterdir())) == len(table)
  assert "Reb1" in (out / "report.md").read_text()


def test_refusals_are_one_line_and_write_nothing(tmp_path):
  few, wrong = tmp_path / "few.npz", tmp_path / "wrong.npz"
  _scores(few, 20)
  np.savez(wrong, contributions=np.zeros((300, 110, 4), np.float32))
  out = tmp_path / "motifs"
  proc = helpers.run_module("madlab_dream.motifs", f"--contributions={few}",
                            f"--output_dir={out}")
  helpers.assert_one_line_error(proc, "20 sequences", "needs at least 200")
  proc = helpers.run_module("madlab_dream.motifs",
                            f"--contributions={wrong}", f"--output_dir={out}")
  helpers.assert_one_line_error(proc, "missing array(s) one_hot, "
                                "hypothetical")
  # Without the extra: TF-MoDISco blocked as if not installed.
  code = ("import runpy, sys; sys.modules['modiscolite'] = None; "
          "sys.argv = sys.argv[:1] + sys.argv[1:]; "
          "runpy.run_module('madlab_dream.motifs', run_name='__main__')")
  import subprocess
  proc = subprocess.run(
      [sys.executable, "-c", code, f"--contributions={few}",
       f"--output_dir={out}"], capture_output=True, text=True,
      env=helpers.env(), cwd=helpers.REPO, timeout=120)
  helpers.assert_one_line_error(proc, "'explain' extra",
                                "pip install -e '.[explain]'")
  assert not out.exists()


def test_a_folder_holding_other_files_is_refused_byte_for_byte(tmp_path):
  from test_io_output_dirs import tree
  project = tmp_path / "project"
  project.mkdir()
  (project / "README.md").write_text("a project")
  _scores(project / "contrib.npz", 300)  # its own input inside it
  before = tree(tmp_path)
  proc = helpers.run_module("madlab_dream.motifs",
                            f"--contributions={project / 'contrib.npz'}",
                            f"--output_dir={project}")
  helpers.assert_one_line_error(proc, "holds files that motifs did not write",
                                "README.md", "contrib.npz")
  assert tree(tmp_path) == before
