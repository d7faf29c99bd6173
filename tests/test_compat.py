"""Framework workarounds (madlab_dream.compat): the version gate, XLA checks."""

import importlib.metadata

import keras
import pytest
from keras.src import backend as keras_backend

from madlab_dream import compat
from madlab_dream import model as model_lib
from madlab_dream.config import TINY_MODEL
from madlab_dream.errors import InputError


def test_installed_keras_is_supported():
  compat.require_supported_keras()
  low, high = compat.KERAS_SUPPORTED
  assert low <= compat._version_tuple(keras.__version__) < high


@pytest.mark.parametrize("version", ["3.99.1", "3.12.0", "2.15.0"])
def test_untested_keras_is_refused_in_one_line(monkeypatch, version):
  real = importlib.metadata.version
  monkeypatch.setattr(importlib.metadata, "version",
                      lambda name: version if name == "keras" else real(name))
  with pytest.raises(InputError, match=f"keras {version} is not supported"):
    compat.require_supported_keras()
  monkeypatch.setenv("MADLAB_ALLOW_UNTESTED_KERAS", "1")
  compat.require_supported_keras()


def test_version_parsing():
  assert compat._version_tuple("3.15.1") == (3, 15)
  assert compat._version_tuple("3.16.0rc1") == (3, 16)
  assert compat._version_tuple("3") == (3, 0)


def test_preset_model_keeps_xla():
  compat.assert_jit_compatible(model_lib.build_model(TINY_MODEL, seq_len=20))


def test_a_plain_cudnn_lstm_would_drop_xla(monkeypatch):
  # Simulate a GPU on which cuDNN could run a tanh LSTM: a plain Keras LSTM
  # then loses XLA, and the check says so before compile() silently would.
  monkeypatch.setattr(keras_backend, "cudnn_ok", lambda *a, **k: True)
  inputs = keras.Input((20, 8))
  plain = keras.Model(inputs, keras.layers.Bidirectional(
      keras.layers.LSTM(4, activation="tanh", use_cudnn=False))(inputs))
  with pytest.raises(ValueError, match="supports_jit=False.*forward_lstm"):
    compat.assert_jit_compatible(plain)
  with pytest.warns(UserWarning, match="jit_compile"):
    plain.compile(optimizer="rmsprop", loss="mse", jit_compile=True)
  assert plain.jit_compile is False
  ours = model_lib.build_model(TINY_MODEL, seq_len=20, lstm_activation="tanh")
  compat.assert_jit_compatible(ours)


def test_op_determinism_is_reported():
  from tensorflow.python.framework import config as tf_config
  model = model_lib.build_model(TINY_MODEL, seq_len=20)
  tf_config.enable_op_determinism()
  try:
    with pytest.raises(ValueError, match="determinism"):
      compat.assert_jit_compatible(model)
  finally:
    tf_config.disable_op_determinism()
  compat.assert_jit_compatible(model)
