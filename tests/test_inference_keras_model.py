"""A run's model.keras loaded as a Keras model (inference.keras_model)."""

import numpy as np
import pytest

from madlab_dream import model as model_lib
from madlab_dream.config import TINY_MODEL
from madlab_dream.config import TrainConfig
from madlab_dream.errors import InputError
from madlab_dream.inference.keras_model import load_model
from madlab_dream.training import optim


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
  """A compiled tiny model (Keras 2's RMSprop, as the as-run preset) saved
  as <run>/model.keras; returns (run directory, its predictions)."""
  run = tmp_path_factory.mktemp("run")
  net = model_lib.build_model(TINY_MODEL, seq_len=24, seed=2)
  net.compile(optimizer=optim.make_optimizer(
      TrainConfig(optimizer="rmsprop_keras2")), loss="mse")
  net.optimizer.build(net.trainable_variables)
  codes = np.random.default_rng(0).integers(0, 5, (6, 24)).astype(np.uint8)
  net.save(run / "model.keras")
  return run, codes, np.asarray(net(codes, training=False))


def test_a_run_directory_and_its_keras_file_load_the_same_model(saved):
  run, codes, expected = saved
  for path in (run, run / "model.keras", str(run)):
    net = load_model(path)
    np.testing.assert_allclose(np.asarray(net(codes, training=False)),
                               expected, rtol=1e-6)
    assert type(net.optimizer).__name__ == "Keras2RMSprop"
  assert getattr(load_model(run, compile=False), "optimizer", None) is None


def test_what_is_not_a_model_is_an_input_error(tmp_path):
  with pytest.raises(InputError, match="no model.keras"):
    load_model(tmp_path)
  with pytest.raises(InputError, match="missing.keras: no such run "
                     "directory"):
    load_model(tmp_path / "missing.keras")
  damaged = tmp_path / "model.keras"
  damaged.write_bytes(b"not a zip archive")
  with pytest.raises(InputError, match=f"{damaged}: cannot load the Keras"):
    load_model(tmp_path)


def test_loading_stays_in_keras_safe_mode(tmp_path):
  """A .keras file holding Python code (a Lambda layer) is refused: it
  would run that code if safe mode were turned off."""
  import keras
  inputs = keras.Input((3,))
  net = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs))
  net.save(tmp_path / "lambda.keras")
  with pytest.raises(InputError, match="safe_mode"):
    load_model(tmp_path / "lambda.keras")
  assert keras.models.load_model(tmp_path / "lambda.keras",
                                 safe_mode=False) is not None


def test_a_model_keras_of_another_run_is_refused(saved, tmp_path):
  import shutil

  from madlab_dream.config import RunConfig
  run, _, _ = saved
  mixed = tmp_path / "mixed"
  shutil.copytree(run, mixed)
  (mixed / "config.json").write_text(RunConfig.from_dict(
      {"data": {"seq_len": 110}, "model": {"seq_len": 110}}).to_json())
  with pytest.raises(InputError, match="config.json: says L = 110 but the "
                     "model takes L = 24"):
    load_model(mixed)


def test_a_truncated_model_keras_names_the_file(saved, tmp_path):
  import shutil
  run, _, _ = saved
  cut = tmp_path / "cut"
  shutil.copytree(run, cut)
  data = (cut / "model.keras").read_bytes()
  (cut / "model.keras").write_bytes(data[:len(data) * 2 // 3])
  with pytest.raises(InputError, match=f"{cut / 'model.keras'}: cannot load "
                     "the Keras model"):
    load_model(cut)
