"""predict and variants through the command line, on an exported tiny model."""

import gzip
import json

import numpy as np
import pytest

from helpers import run_module, assert_one_line_error


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
  from madlab_dream import export, model
  d = tmp_path_factory.mktemp("model")
  net = model.build_model(seq_len=110, conv_kernels=[3, 5], conv_filters=8,
                          conv_reduced=8, key_size=8, value_size=8,
                          num_blocks=1, lstm_units=2, seed=1)
  # Make the output depend on the input (the output projection starts at 0).
  for v in net.weights:
    if "output_kernel" in v.path:
      v.assign(np.random.default_rng(0).normal(size=v.shape) * 0.3)
  export.export_saved_model(net, str(d / "saved_model"), mean=10.0, sd=2.0,
                            seq_len=110)
  return d


@pytest.fixture(scope="module")
def predictor(model_dir):
  from madlab_dream.predict import Predictor
  return Predictor(str(model_dir))


def test_tsv_and_json_agree_and_keep_order(model_dir, demo_train, tmp_path,
                                           predictor):
  tsv, js = tmp_path / "p.tsv", tmp_path / "p.json"
  for out in (tsv, js):
    proc = run_module("madlab_dream.predict", f"--model={model_dir}",
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
  from madlab_dream.predict import predict_file
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


def test_bad_input_is_one_line_and_leaves_no_output(model_dir, predictor,
                                                    tmp_path):
  bad = tmp_path / "bad.txt"
  bad.write_text("ACGT\t\nACXT\t\n")
  out = tmp_path / "out.json"
  proc = run_module("madlab_dream.predict", f"--model={model_dir}",
                    f"--input={bad}", f"--output={out}")
  assert_one_line_error(proc, f"{bad}:2:", "invalid character 'X'")
  assert not out.exists() and not list(tmp_path.glob(".out*"))
  from madlab_dream.errors import InputError
  from madlab_dream.predict import Predictor, predict_file
  with pytest.raises(InputError, match="not a model directory"):
    Predictor(str(tmp_path))
  fa = tmp_path / "bad.fa"
  fa.write_text(">a\nACGT\n>b\nAC GT\n")
  with pytest.raises(InputError, match=f"{fa}:4: invalid character"):
    predict_file(predictor, str(fa), str(out), progress=False)
  assert not out.exists()


def test_variant_pairs(model_dir, tmp_path, predictor):
  ref = "TGCATTTTTTTCACATC" + "A" * 80 + "GGTTACGGCTGTT"
  alt = ref[:50] + "TTACCCG" + ref[57:]
  pairs = tmp_path / "pairs.tsv"
  pairs.write_text(f"# ref alt\nv1\t{ref}\t{alt}\nv2\t{alt}\t{ref}\n")
  out = tmp_path / "effects.tsv"
  proc = run_module("madlab_dream.variants", f"--model={model_dir}",
                    f"--pairs={pairs}", f"--output={out}")
  assert proc.returncode == 0, proc.stderr[-2000:]
  rows = [l.split("\t") for l in out.read_text().splitlines()]
  assert rows[0] == ["name", "ref", "alt", "ref_prediction", "alt_prediction",
                     "effect"]
  p_ref, p_alt = predictor.predict_text([ref, alt])
  assert float(rows[1][5]) == pytest.approx(p_alt - p_ref, abs=1e-4)
  assert float(rows[2][5]) == pytest.approx(p_ref - p_alt, abs=1e-4)


def test_saturation_mutagenesis_table_and_heatmap(model_dir, tmp_path,
                                                  predictor):
  seq = "TGCATTTTTTTCACATC" + "ACGT" * 20 + "GGTTACGGCTGTT"
  out = tmp_path / "ism.tsv"
  proc = run_module("madlab_dream.variants", f"--model={model_dir}",
                    f"--sequence={seq}", f"--output={out}")
  assert proc.returncode == 0, proc.stderr[-2000:]
  lines = out.read_text().splitlines()
  rows = [l.split("\t") for l in lines[2:]]
  assert len(rows) == 3 * len(seq)
  assert {r[0] for r in rows} == {str(i) for i in range(1, len(seq) + 1)}
  png = tmp_path / "ism.png"
  assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
  # one row checked against a direct prediction
  pos, ref, alt = int(rows[7][0]), rows[7][1], rows[7][2]
  mutant = seq[:pos - 1] + alt + seq[pos:]
  p_ref, p_mut = predictor.predict_text([seq, mutant])
  assert ref == seq[pos - 1]
  assert float(rows[7][4]) == pytest.approx(p_mut - p_ref, abs=1e-4)


def test_variants_bad_pairs_file(model_dir, tmp_path):
  pairs = tmp_path / "pairs.tsv"
  pairs.write_text("ACGT\tACGA\nACGT\n")
  proc = run_module("madlab_dream.variants", f"--model={model_dir}",
                    f"--pairs={pairs}", f"--output={tmp_path / 'o.tsv'}")
  assert_one_line_error(proc, f"{pairs}:2:", "wrong number of columns")
  assert not (tmp_path / "o.tsv").exists()
