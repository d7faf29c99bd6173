"""Prediction of whole files (inference.predict, the predict command)."""

import gzip
import json

import numpy as np
import pytest

from helpers import run_module, assert_one_line_error


@pytest.fixture(scope="module")
def predictor(exported_model):
  from madlab_dream.inference.predictor import Predictor
  return Predictor(str(exported_model))


@pytest.mark.slow
def test_tsv_and_json_agree_and_keep_order(exported_model, demo_train, tmp_path,
                                           predictor):
  tsv, js = tmp_path / "p.tsv", tmp_path / "p.json"
  for out in (tsv, js):
    proc = run_module("madlab_dream.predict", f"--model={exported_model}",
                      f"--input={demo_train}", f"--output={out}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "wrote 6,370 predictions" in proc.stdout
  rows = [l.split("\t") for l in tsv.read_text().splitlines()]
  seqs = [l.split("\t")[0] for l in demo_train.read_text().splitlines()]
  assert [r[0] for r in rows] == seqs  # input order, sequences unchanged
  by_pos = json.loads(js.read_text())
  assert list(by_pos) == [str(i) for i in range(6370)]
  from_tsv = np.array([float(r[1]) for r in rows])
  np.testing.assert_array_equal(from_tsv, np.array(list(by_pos.values())))
  direct = predictor.predict_text(seqs[:100])
  np.testing.assert_allclose(from_tsv[:100], direct, rtol=1e-6)
  assert from_tsv.std() > 0  # the model is not constant


def test_input_formats_give_the_same_predictions(predictor, demo_train,
                                                 tmp_path):
  seqs = [l.split("\t")[0] for l in demo_train.read_text().splitlines()[:50]]
  files = {
      "test.txt": "".join(f"{s}\t\n" for s in seqs),  # like test_sequences.txt
      "plain.txt": "\n".join(seqs),
      "seqs.fa": "".join(f">s{i}\n{s[:60]}\n{s[60:]}\n"
                         for i, s in enumerate(seqs)),
  }
  from madlab_dream.inference.predict import predict_file
  results = []
  for name, text in files.items():
    path = tmp_path / name
    path.write_text(text)
    out = tmp_path / f"{name}.json"
    assert predict_file(predictor, str(path), str(out), progress=False) == 50
    results.append(list(json.loads(out.read_text()).values()))
  gz = tmp_path / "test.txt.gz"
  gz.write_bytes(gzip.compress(files["test.txt"].encode()))
  out = tmp_path / "gz.tsv"
  predict_file(predictor, str(gz), str(out), fmt="json", progress=False)
  results.append(list(json.loads(out.read_text()).values()))
  for r in results[1:]:
    np.testing.assert_allclose(r, results[0], rtol=1e-6)


def test_reverse_complement_averaging(predictor):
  seq = "TGCATTTTTTTCACATC" + "ACGGTTACCCGGATATAAAGCTTGACTCATTACCCGGAAA" * 2 \
      + "GGTTACGGCTGTT"
  rc = seq.translate(str.maketrans("ACGT", "TGCA"))[::-1]
  both = predictor.predict_text([seq], reverse_complement=True)[0]
  one, other = predictor.predict_text([seq, rc])
  assert both == pytest.approx((one + other) / 2, rel=1e-6)


@pytest.mark.slow
def test_bad_input_is_one_line_and_leaves_no_output(exported_model, predictor,
                                                    tmp_path):
  bad = tmp_path / "bad.txt"
  bad.write_text("ACGT\t\nACXT\t\n")
  out = tmp_path / "out.json"
  proc = run_module("madlab_dream.predict", f"--model={exported_model}",
                    f"--input={bad}", f"--output={out}")
  assert_one_line_error(proc, f"{bad}:2:", "invalid character 'X'")
  assert not out.exists() and not list(tmp_path.glob(".out*"))
  from madlab_dream.errors import InputError
  from madlab_dream.inference.predict import predict_file
  from madlab_dream.inference.predictor import Predictor
  with pytest.raises(InputError, match="not a model directory"):
    Predictor(str(tmp_path))
  fa = tmp_path / "bad.fa"
  fa.write_text(">a\nACGT\n>b\nAC GT\n")
  with pytest.raises(InputError, match=f"{fa}:4: invalid character"):
    predict_file(predictor, str(fa), str(out), progress=False)
  assert not out.exists()
