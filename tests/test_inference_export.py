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
