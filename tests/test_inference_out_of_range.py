"""Predictions outside the trained range (inference.out_of_range), the
trained-range metadata through the SavedModel, and the out_of_range column."""

import types

import numpy as np
import pytest

from madlab_dream.inference import out_of_range

TRAINED = {"min": 5.0, "max": 15.0, "sd": 2.0}  # trusted: [3, 17]


def test_flags_count_and_line():
  counter = out_of_range.OutOfRange((3.0, 17.0))
  marks = counter.flags(np.array([2.9, 3.0, 10.0, 17.0, 17.1, np.nan, np.inf]))
  assert marks.tolist() == [1, 0, 0, 0, 1, 1, 1]
  counter.flags(np.array([4.0]))
  assert counter.line().startswith(
      "4 of 8 predictions outside the trained range [3, 17]")


def test_unknown_range_counts_nothing_and_says_so():
  counter = out_of_range.OutOfRange(None)
  assert counter.flags(np.array([1e9])) is None
  assert counter.line() == out_of_range.UNKNOWN
  predictor = types.SimpleNamespace(trusted_range=None)
  assert out_of_range.report(predictor, [1.0]) == out_of_range.UNKNOWN


def test_trained_range_of_targets_and_several_targets():
  assert out_of_range.trained_range_of([1.0, 3.0]) == {
      "min": 1.0, "max": 3.0, "sd": 1.0}
  with pytest.raises(ValueError):
    out_of_range.trained_range_of([])


def test_several_targets_are_counted_each_against_its_own_range():
  trusted = {"a": (0.0, 2.0), "b": (-1.0, 1.0)}
  both = types.SimpleNamespace(trusted_range=trusted,
                               output_targets=["a", "b"])
  assert out_of_range.for_predictor(both) == trusted
  only_b = types.SimpleNamespace(trusted_range=trusted, output_targets=["b"])
  assert out_of_range.for_predictor(only_b) == (-1.0, 1.0)
  # a = 1.5 is inside a's range but outside b's: the union would miss it
  assert out_of_range.report(only_b, [1.5, 0.0]).startswith(
      "1 of 2 predictions outside the trained range [-1, 1]")
  counter = out_of_range.OutOfRange(trusted)
  marks = counter.flags(np.array([[1.0, 0.0],     # inside both
                                  [3.0, 0.0],     # a outside
                                  [1.0, 1.5],     # b outside
                                  [-5.0, 5.0]]))  # both outside: one row
  assert marks.tolist() == [0, 1, 1, 1]
  assert counter.per_target == {"a": 2, "b": 2}
  assert counter.line().startswith(
      "3 of 4 rows with a prediction outside its target's trained range "
      "(a: 2 outside [0, 2]; b: 2 outside [-1, 1]")


@pytest.fixture(scope="module")
def two_models(tmp_path_factory):
  """Run-like directories of a normal and an exploded tiny model (L = 40),
  both exported with the same trained_range."""
  from exploding import explode

  from madlab_dream import model
  from madlab_dream.config import TINY_MODEL
  from madlab_dream.inference import export
  out = {}
  for name in ("normal", "exploded"):
    net = model.build_model(TINY_MODEL, seq_len=40, seed=1)
    if name == "exploded":
      explode(net)
    d = tmp_path_factory.mktemp(name)
    export.export_saved_model(net, str(d / "saved_model"), mean=10.0, sd=2.0,
                              seq_len=40, metadata={"trained_range": TRAINED})
    out[name] = d
  return out


@pytest.mark.slow
def test_metadata_round_trips_and_marks_the_exploded_model(two_models,
                                                          tmp_path):
  from madlab_dream.inference.predict_file import predict_file
  from madlab_dream.inference.predictor import Predictor
  from madlab_dream.scoring.inputs import load_predictions
  rng = np.random.default_rng(0)
  seqs = ["".join(rng.choice(list("ACGT"), 40)) for _ in range(30)]
  src = tmp_path / "seqs.txt"
  src.write_text("\n".join(seqs) + "\n")
  for name, expected in (("normal", 0), ("exploded", 1)):
    predictor = Predictor(str(two_models[name]))
    assert predictor.trained_range == TRAINED
    assert predictor.trusted_range == (3.0, 17.0)
    counter = out_of_range.OutOfRange(predictor.trusted_range)
    out = tmp_path / f"{name}.tsv"
    assert predict_file(predictor, str(src), str(out), progress=False,
                        outside=counter) == 30
    header, *rows = [line.split("\t") for line in
                     out.read_text().splitlines()]
    assert header == ["sequence", "prediction", "out_of_range"]
    assert {r[2] for r in rows} == {str(expected)}
    assert counter.outside == 30 * expected
    np.testing.assert_array_equal(load_predictions(str(out)),
                                  [float(r[1]) for r in rows])
    as_json = tmp_path / f"{name}.json"
    predict_file(predictor, str(src), str(as_json), progress=False)
    assert as_json.read_text().startswith('{"0": ')


def test_a_model_without_the_metadata_has_no_column(exported_model, predictor,
                                                     tmp_path):
  from madlab_dream.inference.predict_file import predict_file
  assert predictor.trained_range is None and predictor.trusted_range is None
  src = tmp_path / "seqs.txt"
  src.write_text("ACGT" * 20 + "\n" + "A" * 110 + "\n")
  out = tmp_path / "p.tsv"
  predict_file(predictor, str(src), str(out), progress=False)
  assert [line.split("\t") for line in out.read_text().splitlines()][0] == [
      "sequence", "prediction"]
  assert [len(line.split("\t")) for line in out.read_text().splitlines()] == [
      2, 2, 2]
  assert out_of_range.report(predictor, [1e9]) == out_of_range.UNKNOWN
