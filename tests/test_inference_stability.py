"""The stability probe (inference.stability): probe sequences, longest runs,
and the BiLSTM recurrence against the layer."""

import numpy as np

from madlab_dream.inference import stability


def test_probe_sequences_hold_their_runs_between_the_flanks():
  probes = stability.probe_texts(backgrounds=2, random_rows=3)
  assert set(probes["sequence"].str.len()) == {110}
  assert probes["sequence"].str.startswith(stability.FLANK5).all()
  assert probes["sequence"].str.endswith(stability.FLANK3).all()
  row = probes[(probes["unit"] == "G") & (probes["run_length"] == 40)].iloc[0]
  assert "G" * 40 in row["sequence"][17:97]
  row = probes[(probes["unit"] == "AT") & (probes["run_length"] == 80)].iloc[0]
  assert row["sequence"][17:97] == "AT" * 40
  assert (probes["kind"] == "random").sum() == 3


def test_longest_runs_per_base():
  codes = np.array([[0, 0, 1, 0, 0, 0, 4, 3], [2, 2, 2, 2, 2, 2, 2, 2]],
                   np.uint8)
  assert stability.longest_runs(codes).tolist() == [[3, 1, 0, 1],
                                                     [0, 0, 8, 0]]


def test_recurrence_equals_the_layer_and_sees_the_explosion():
  import keras
  from exploding import explode

  from madlab_dream import model
  from madlab_dream.config import TINY_MODEL
  net = model.build_model(TINY_MODEL, seq_len=40, seed=1)
  codes = np.random.default_rng(0).integers(0, 4, (8, 40)).astype(np.uint8)
  layer_output = keras.Model(net.inputs, net.get_layer("bilstm").output)
  normal = stability.bilstm_states(net, codes)
  np.testing.assert_allclose(normal["final"], layer_output.predict(
      codes, verbose=0), rtol=1e-4, atol=1e-5)
  explode(net)
  exploded = stability.bilstm_states(net, codes)
  assert normal["cell"].max() < 10
  assert exploded["cell"].min() > 1e5
  assert (exploded["output"] > 1e5).all()


def test_a_run_leaves_the_trusted_range_below_it_too():
  import pandas as pd
  rows = pd.DataFrame({"unit": ["A", "A", "T", "T", "C"],
                       "run_length": [10, 20, 10, 20, 10],
                       "min_prediction": [4.0, 2.0, 4.0, 5.0, 4.0],
                       "max_prediction": [5.0, 6.0, 6.0, 20.0, 5.0]})
  assert stability.first_run_outside(rows, (3.0, 17.0)) == {
      "A": 20, "T": 20, "C": None}
  assert stability.first_run_outside(rows, None) == {
      "A": None, "T": None, "C": None}
