"""The SavedModel export (inference.export): in-graph encoding, signatures."""

import json

import numpy as np
import pytest
import tensorflow as tf

from madlab_dream.inference import export
from madlab_dream.io import sequences


def random_strings(n, rng):
  alphabet = np.array(list("ACGTNacgtn"))
  return ["".join(rng.choice(alphabet, rng.integers(1, 140)))
          for _ in range(n)]


def test_in_graph_encoding_equals_the_python_encoder():
  rng = np.random.default_rng(0)
  seqs = random_strings(300, rng)
  got = export.encode_strings(tf.constant(seqs), 110).numpy()
  np.testing.assert_array_equal(got, sequences.encode(seqs, 110))


@pytest.mark.parametrize("bad", ["ACGU", "", "AC GT"])
def test_in_graph_encoding_rejects_bad_sequences(bad):
  with pytest.raises(tf.errors.InvalidArgumentError, match="A, C, G, T, N"):
    export.encode_strings(tf.constant(["ACGT", bad]), 110).numpy()


def test_signatures_agree_and_metadata_is_written(exported_model):
  loaded = tf.saved_model.load(str(exported_model / "saved_model"))
  rng = np.random.default_rng(1)
  seqs = ["".join(rng.choice(list("ACGT"), 110)) for _ in range(20)]
  by_text = loaded.signatures[export.SEQUENCES_SIGNATURE](
      sequences=tf.constant(seqs))
  by_codes = loaded.signatures[export.CODES_SIGNATURE](
      codes=tf.constant(sequences.encode(seqs, 110)))
  np.testing.assert_array_equal(by_text["prediction"], by_codes["prediction"])
  np.testing.assert_allclose(by_text["prediction"].numpy(),
                             by_text["standardised"].numpy() * 2.0 + 10.0,
                             rtol=1e-6)
  info = json.loads((exported_model / "saved_model" / "assets" /
                     export.METADATA_FILE).read_text())
  assert info["seq_len"] == 110 and info["mean"] == 10.0 and info["sd"] == 2.0


def test_the_saved_model_is_folded_and_predicts_as_the_keras_model(
    tmp_path):
  """BatchNorm folded into the convolutions in the export: the
  SavedModel's standardised output equals model(codes, training=False) of
  the Keras model (BatchNorm as a separate pass) to 1e-5."""
  from madlab_dream import model as model_lib
  from madlab_dream.config import TINY_MODEL
  from madlab_dream.inference.predictor import Predictor
  net = model_lib.build_model(TINY_MODEL, seed=2)
  rng = np.random.default_rng(3)
  for v in net.weights:
    if "moving_mean" in v.path or "output_kernel" in v.path:
      v.assign((rng.normal(size=v.shape) * 0.2).astype(np.float32))
    elif "moving_variance" in v.path:
      v.assign(rng.uniform(0.5, 1.5, v.shape).astype(np.float32))
  export.export_saved_model(net, str(tmp_path / "saved_model"), mean=0.0,
                            sd=1.0, seq_len=110)
  codes = rng.integers(0, 5, (64, 110)).astype(np.uint8)
  want = net(codes, training=False).numpy()[:, 0]
  assert np.ptp(want) > 0.05
  got = Predictor(str(tmp_path)).predict_codes(codes, "standardised")
  np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)
  loaded = tf.saved_model.load(str(tmp_path / "saved_model"))
  graph = loaded.signatures[export.CODES_SIGNATURE].graph.as_graph_def()
  names = [node.name for f in graph.library.function for node in f.node_def]
  # The convolutions are there (conv3, conv5: TINY_MODEL's kernels); no
  # BatchNorm layer (bn3, bn5, bn3_reduce, ...) is.
  assert any("conv3" in name for name in names)
  assert not any("/bn" in name for name in names)


def test_several_targets_export_predict_and_write_one_column_each(tmp_path):
  from madlab_dream import model
  from madlab_dream.config import TINY_MODEL
  from madlab_dream.errors import InputError
  from madlab_dream.inference import variants
  from madlab_dream.inference.predict_file import predict_file
  from madlab_dream.inference.predictor import Predictor
  net = model.build_model(TINY_MODEL, seq_len=30, seed=4, num_targets=2)
  for v in net.weights:
    if "output_kernel" in v.path:
      v.assign(np.random.default_rng(0).normal(size=v.shape) * 0.3)
  export.export_saved_model(net, str(tmp_path / "saved_model"),
                            mean=[1.0, -2.0], sd=[2.0, 0.5], seq_len=30,
                            target_names=["dev", "hk"])
  predictor = Predictor(str(tmp_path))
  assert predictor.targets == ["dev", "hk"]
  codes = np.random.default_rng(1).integers(0, 4, (5, 30)).astype(np.uint8)
  want = net(codes, training=False).numpy() * [2.0, 0.5] + [1.0, -2.0]
  got = predictor.predict_codes(codes)
  assert got.shape == (5, 2)
  np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)
  np.testing.assert_allclose(predictor.predict_codes(codes, target="hk"),
                             want[:, 1], rtol=1e-5, atol=1e-4)
  with pytest.raises(InputError, match="targets are dev, hk"):
    predictor.predict_codes(codes, target="other")
  seqs = ["".join("ACGT"[c] for c in row) for row in codes]
  (tmp_path / "in.txt").write_text("\n".join(seqs) + "\n")
  predict_file(predictor, str(tmp_path / "in.txt"), str(tmp_path / "p.tsv"),
               progress=False)
  lines = (tmp_path / "p.tsv").read_text().splitlines()
  assert lines[0] == "sequence\tprediction_dev\tprediction_hk"
  np.testing.assert_allclose(
      [[float(x) for x in line.split("\t")[1:]] for line in lines[1:]],
      want, rtol=1e-5, atol=1e-4)
  table = variants.pair_table(predictor.select_target(), seqs[:2], seqs[2:4])
  np.testing.assert_allclose(table["ref_prediction"], want[:2, 0], rtol=1e-5, atol=1e-4)
