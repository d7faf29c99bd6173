"""`python -m madlab_dream.explain` end to end on a tiny run directory."""

import json

import numpy as np
import pytest

from madlab_dream.tools.simulator.grammar import FLANK3
from madlab_dream.tools.simulator.grammar import FLANK5
from tests import helpers

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
  """A run-like directory: model.keras and the target scaling."""
  from madlab_dream import model
  from madlab_dream.config import TINY_MODEL
  d = tmp_path_factory.mktemp("run")
  model.build_model(TINY_MODEL, seed=2).save(d / "model.keras")
  meta = d / "saved_model" / "assets"
  meta.mkdir(parents=True)
  # A trained range the predictions (about 11) lie outside.
  (meta / "madlab_dream.json").write_text(json.dumps(
      {"mean": 11.0, "sd": 2.5,
       "trained_range": {"min": 0.0, "max": 1.0, "sd": 0.1}}))
  return d


def _inputs(tmp_path, extra=()):
  rng = np.random.default_rng(0)
  seqs = [FLANK5 + "".join(rng.choice(list("ACGT"), 80)) + FLANK3
          for _ in range(3)]
  seqs[1] = seqs[1][:40] + "NNN" + seqs[1][43:]
  seqs.append(FLANK5 + "ACGT" * 15 + FLANK3)    # 90 nt: N padding
  path = tmp_path / "seqs.txt"
  path.write_text("\n".join([*seqs, *extra]) + "\n")
  return path, seqs


def test_expected_gradients_npz_and_logos(run_dir, tmp_path):
  seqs_path, seqs = _inputs(tmp_path)
  out = tmp_path / "contrib.npz"
  proc = helpers.run_module(
      "madlab_dream.explain", f"--model={run_dir}", f"--input={seqs_path}",
      f"--output={out}", "--references=2", "--steps=3", "--logos=2",
      "--eval_batch_size=64")
  assert proc.returncode == 0, proc.stderr
  assert ("4 of 4 predictions outside the trained range [-0.1, 1.1]"
          in proc.stdout), proc.stdout
  assert "expression scale" in proc.stdout
  with np.load(out) as data:
    assert {"one_hot", "hypothetical", "contributions", "prediction",
            "baseline_prediction", "sequence", "length",
            "settings"} <= set(data.files)
    assert data["contributions"].shape == (4, 110, 4)
    assert data["sequence"].tolist() == seqs
    assert data["length"].tolist() == [110, 110, 110, 90]
    settings = json.loads(str(data["settings"]))
    assert settings["method"] == "expected_gradients"
    assert settings["references"] == 2 and settings["sd"] == 2.5
    assert settings["target"] == "expression"
    assert (data["contributions"][1, 40:43] == 0).all()      # N
    assert (data["contributions"][3, :20] == 0).all()        # padding
    assert np.isfinite(data["baseline_prediction"]).all()
  logos = sorted(p.name for p in (tmp_path / "contrib_logos").iterdir()
                 if not p.name.startswith("."))  # the outputs manifest
  assert logos == ["sequence_1.png", "sequence_2.png"]


def test_bad_input_is_one_line_and_writes_nothing(run_dir, tmp_path):
  seqs_path, seqs = _inputs(tmp_path, extra=["A" * 130])
  out = tmp_path / "contrib.npz"
  cases = [
      ([f"--model={tmp_path}", f"--input={seqs_path}", f"--output={out}"],
       "no model.keras"),
      ([f"--model={run_dir}", f"--input={seqs_path}",
        f"--output={tmp_path / 'c.txt'}"], "must end in .npz"),
      ([f"--model={run_dir}", f"--input={seqs_path}", f"--output={out}",
        "--method=deeplift"], "method"),
      ([f"--model={run_dir}", f"--input={seqs_path}", f"--output={out}"],
       "sequence 5 is 130 nt"),
  ]
  for args, needle in cases:
    proc = helpers.run_module("madlab_dream.explain", *args)
    helpers.assert_one_line_error(proc, needle)
  assert sorted(p.name for p in tmp_path.iterdir()) == ["seqs.txt"]
