"""Loading a SavedModel for prediction (inference.predictor)."""

import shutil

import numpy as np
import pytest
from helpers import assert_one_line_error
from helpers import run_module

from madlab_dream.errors import InputError
from madlab_dream.inference.predictor import Predictor


def damaged(exported_model, tmp_path, how):
  """A copy of the exported model, damaged `how`."""
  run = tmp_path / how
  shutil.copytree(exported_model, run)
  saved = run / "saved_model"
  if how == "truncated":
    pb = saved / "saved_model.pb"
    pb.write_bytes(pb.read_bytes()[:pb.stat().st_size // 2])
  elif how == "no_variables":
    shutil.rmtree(saved / "variables")
  elif how == "empty_variables":
    for f in (saved / "variables").iterdir():
      f.write_bytes(b"")
  return run, saved


@pytest.mark.parametrize("how", ["truncated", "no_variables",
                                 "empty_variables"])
def test_a_damaged_saved_model_is_an_input_error(exported_model, tmp_path,
                                                 how):
  run, saved = damaged(exported_model, tmp_path, how)
  with pytest.raises(InputError, match=f"{saved}: cannot load the "
                     "SavedModel"):
    Predictor(str(run))


@pytest.mark.slow
@pytest.mark.parametrize("how", [
    "truncated", pytest.param("no_variables", marks=pytest.mark.long)])
def test_commands_give_one_line_for_a_damaged_model(exported_model, tmp_path,
                                                    how):
  run, saved = damaged(exported_model, tmp_path, how)
  seqs = tmp_path / "in.txt"
  seqs.write_text("ACGT\nACGA\n")
  out = tmp_path / "out.tsv"
  proc = run_module("madlab_dream.predict", f"--model={run}",
                    f"--input={seqs}", f"--output={out}")
  assert_one_line_error(proc, str(saved), "cannot load the SavedModel")
  pairs = tmp_path / "pairs.tsv"
  pairs.write_text("ACGT\tACGA\n")
  proc = run_module("madlab_dream.variants", f"--model={run}",
                    f"--pairs={pairs}", f"--output={out}")
  assert_one_line_error(proc, str(saved), "cannot load the SavedModel")
  assert not out.exists()


def test_reverse_complement_averaging(predictor):
  seq = "TGCATTTTTTTCACATC" + "ACGGTTACCCGGATATAAAGCTTGACTCATTACCCGGAAA" * 2 \
      + "GGTTACGGCTGTT"
  rc = seq.translate(str.maketrans("ACGT", "TGCA"))[::-1]
  both = predictor.predict_text([seq], reverse_complement=True)[0]
  one, other = predictor.predict_text([seq, rc])
  assert both == pytest.approx((one + other) / 2, rel=1e-6)


def test_a_foreign_codes_signature_is_one_line_saying_what_was_expected(
    tmp_path):
  import tensorflow as tf

  class Foreign(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([None, None], tf.uint8,
                                                name="codes")])
    def predict_codes(self, codes):
      return {"prediction": tf.reduce_sum(tf.cast(codes, tf.float32), 1)}

  module = Foreign()
  tf.saved_model.save(module, str(tmp_path / "foreign"),
                      signatures={"predict_codes": module.predict_codes})
  with pytest.raises(InputError) as caught:
    Predictor(str(tmp_path / "foreign"))
  message = str(caught.value)
  assert "codes: uint8 (None, None)" in message
  assert "expected codes: uint8 [batch, L]" in message and "\n" not in message


def test_a_config_of_another_run_is_refused(exported_model, tmp_path):
  from madlab_dream.config import RunConfig
  run = tmp_path / "mixed"
  shutil.copytree(exported_model, run)
  other = RunConfig.from_dict({"data": {"seq_len": 80},
                               "model": {"seq_len": 80}})
  (run / "config.json").write_text(other.to_json())
  with pytest.raises(InputError, match="config.json: says L = 80 but the "
                     "model takes L = 110"):
    Predictor(str(run))


def test_metadata_of_another_model_is_refused(exported_model, tmp_path):
  import json
  run = tmp_path / "meta"
  shutil.copytree(exported_model, run)
  meta = run / "saved_model" / "assets" / "madlab_dream.json"
  info = json.loads(meta.read_text())
  meta.write_text(json.dumps(dict(info, seq_len=249)))
  with pytest.raises(InputError, match="says L = 249 but the SavedModel's "
                     "signature takes L = 110"):
    Predictor(str(run))



def test_a_truncated_variables_file_names_it(exported_model, tmp_path):
  run = tmp_path / "cut"
  shutil.copytree(exported_model, run)
  data = next((run / "saved_model" / "variables").glob("variables.data-*"))
  data.write_bytes(data.read_bytes()[:data.stat().st_size // 2])
  with pytest.raises(InputError, match="saved_model: cannot load the "
                     "SavedModel"):
    Predictor(str(run))


def test_predict_codes_checks_length_dtype_and_values(predictor):
  from madlab_dream.errors import InputError
  from madlab_dream.io import sequences
  codes = sequences.encode(["ACGT" * 30], 110, "<test>")
  expected = predictor.predict_codes(codes)
  np.testing.assert_array_equal(
      predictor.predict_codes(codes.astype(np.int64)), expected)
  with pytest.raises(InputError, match=r"shape \(1, 100\): this model takes "
                     r"\[N, 110\]"):
    predictor.predict_codes(codes[:, :100])
  with pytest.raises(InputError, match="dtype float32"):
    predictor.predict_codes(codes.astype(np.float32))
  bad = codes.copy()
  bad[0, 5] = 7
  with pytest.raises(InputError, match="code 7 at row 1, position 6"):
    predictor.predict_codes(bad)
