"""Ensembles of predictors (inference.ensemble) and the trained range a
model records (Predictor.trusted_range)."""

import json

import numpy as np
import pytest
from design_fakes import FakePredictor

from madlab_dream.errors import InputError
from madlab_dream.inference import ensemble as ensemble_lib
from madlab_dream.inference import predictor as predictor_lib


def test_member_names_are_the_shortest_distinguishing_path_ends():
  assert ensemble_lib.member_names(["/r/seed1/run", "/r/seed2/run"]) == [
      "seed1/run", "seed2/run"]
  assert ensemble_lib.member_names(["/r/a", "/s/b/saved_model"]) == ["a", "b"]
  assert ensemble_lib.member_names(["/r/a", "/r/a"]) == ["model_1", "model_2"]


def test_mean_sd_and_members():
  a, b = FakePredictor(0), FakePredictor(1)
  ens = ensemble_lib.Ensemble([a, b], ["a", "b"])
  codes = np.random.default_rng(0).integers(0, 4, (7, 110)).astype(np.uint8)
  out = ens.predict_codes(codes)
  pa, pb = a.predict_codes(codes), b.predict_codes(codes)
  np.testing.assert_allclose(out["members"], np.stack([pa, pb]))
  np.testing.assert_allclose(out["mean"], (pa + pb) / 2, rtol=1e-6)
  np.testing.assert_allclose(out["sd"], np.abs(pa - pb) / 2, rtol=1e-5)
  one = ensemble_lib.Ensemble([a], ["a"]).predict_codes(codes)
  assert (one["sd"] == 0).all()


def test_members_of_different_lengths_are_refused():
  with pytest.raises(InputError, match="different sequence lengths.*L = 110"
                     ".*L = 80"):
    ensemble_lib.Ensemble([FakePredictor(0), FakePredictor(1, seq_len=80)])
  with pytest.raises(InputError, match="at least one model"):
    ensemble_lib.Ensemble([])


def test_trusted_range_from_metadata_or_config(tmp_path):
  saved = tmp_path / "run" / "saved_model"
  (saved / "assets").mkdir(parents=True)
  assert predictor_lib.read_trained_range(str(saved)) is None
  (tmp_path / "run" / "config.json").write_text(json.dumps(
      {"trained_range": {"min": 0, "max": 17, "sd": 2.5}}))
  got = predictor_lib.read_trained_range(str(saved))
  assert predictor_lib.trusted_range(got) == (-2.5, 19.5)
  (saved / "assets" / "madlab_dream.json").write_text(json.dumps(
      {"trained_range": {"dev": {"min": 1, "max": 3, "sd": 1},
                         "hk": {"min": 0, "max": 2, "sd": 0.5}}}))
  got = predictor_lib.read_trained_range(str(saved))  # metadata first
  assert predictor_lib.trusted_range(got) == {"dev": (0.0, 4.0),
                                              "hk": (-0.5, 2.5)}
  (saved / "assets" / "madlab_dream.json").write_text(json.dumps(
      {"trained_range": {"min": "low", "max": 3, "sd": 1}}))
  with pytest.raises(InputError, match="must hold numbers"):
    predictor_lib.read_trained_range(str(saved))
  (saved / "assets" / "madlab_dream.json").write_text(json.dumps(
      {"trained_range": 17}))
  with pytest.raises(InputError, match="must hold numbers"):
    predictor_lib.read_trained_range(str(saved))


@pytest.mark.slow
def test_exported_range_and_ensemble_file(tmp_path, exported_model):
  from design_models import export_tiny

  from madlab_dream.inference.predictor import Predictor
  ranged = export_tiny(tmp_path / "ranged" / "saved_model",
                       trained_range={"min": 1.0, "max": 16.0, "sd": 2.0})
  old, new = Predictor(str(exported_model)), Predictor(str(ranged))
  assert old.trusted_range is None
  assert new.trusted_range == (-1.0, 18.0)
  ens = ensemble_lib.Ensemble.from_paths([str(exported_model), str(ranged)])
  assert ens.trusted_ranges() == [None, (-1.0, 18.0)]
  seqs = ["TGCATTTTTTTCACATC" + "ACGT" * 20 + "GGTTACGGCTGTT", "ACGTTT"]
  (tmp_path / "in.txt").write_text("\n".join(seqs) + "\n")
  out = tmp_path / "pred.tsv"
  assert ensemble_lib.predict_ensemble_file(ens, str(tmp_path / "in.txt"),
                                            str(out)) == 2
  rows = [line.split("\t") for line in out.read_text().splitlines()]
  assert rows[0] == ["sequence", "prediction", "prediction_sd",
                     *ens.names]
  p_old, p_new = old.predict_text(seqs), new.predict_text(seqs)
  for row, a, b in zip(rows[1:], p_old, p_new):
    assert float(row[3]) == pytest.approx(a, abs=1e-5)
    assert float(row[4]) == pytest.approx(b, abs=1e-5)
    assert float(row[1]) == pytest.approx((a + b) / 2, abs=1e-5)
    assert float(row[2]) == pytest.approx(abs(a - b) / 2, abs=1e-5)
  # The predict command with several --model writes the same file.
  from tests import helpers
  by_command = tmp_path / "command.tsv"
  proc = helpers.run_module(
      "madlab_dream.predict", f"--model={exported_model}",
      f"--model={ranged}", f"--input={tmp_path / 'in.txt'}",
      f"--output={by_command}")
  assert proc.returncode == 0, proc.stderr
  assert by_command.read_text() == out.read_text()
  proc = helpers.run_module(
      "madlab_dream.predict", f"--model={exported_model}",
      f"--model={ranged}", f"--input={tmp_path / 'in.txt'}",
      f"--output={tmp_path / 'sub.json'}")
  helpers.assert_one_line_error(proc, "several --model write TSV")
  assert not (tmp_path / "sub.json").exists()
