"""layers/recurrent.py: NoCudnnLSTM keeps XLA on."""

import keras
from keras.src import backend as keras_backend

from madlab_dream import layers


def test_no_cudnn_lstm_keeps_xla_where_a_plain_lstm_loses_it(monkeypatch):
  # Simulate a GPU on which cuDNN could run the LSTM.
  monkeypatch.setattr(keras_backend, "cudnn_ok", lambda *a, **k: True)
  plain = keras.layers.Bidirectional(
      keras.layers.LSTM(4, activation="tanh", use_cudnn=False))
  # The trap: Bidirectional rebuilds its copies from the config, which has
  # no use_cudnn, so they are cuDNN-eligible and not XLA-compatible.
  assert not plain.forward_layer.supports_jit
  ours = keras.layers.Bidirectional(layers.NoCudnnLSTM(4, activation="tanh"))
  for lstm in (ours.forward_layer, ours.backward_layer):
    assert isinstance(lstm, layers.NoCudnnLSTM)
    assert lstm.supports_jit and lstm.use_cudnn is False
