"""layers/recurrent.py: BiLSTM equals Keras's Bidirectional LSTM;
NoCudnnLSTM keeps XLA on."""

import keras
import numpy as np
import pytest
import tensorflow as tf
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


def pair(units, width, activation, rng, **kwargs):
  """(Keras Bidirectional LSTM, BiLSTM) built, with the same random
  weights (the biases nonzero too)."""
  keras_lstm = keras.layers.Bidirectional(layers.NoCudnnLSTM(
      units, activation=activation, kernel_initializer="he_normal"))
  ours = layers.BiLSTM(units, activation=activation,
                       kernel_initializer="he_normal", **kwargs)
  x = np.zeros((2, 5, width), np.float32)
  keras_lstm(x)
  ours(x)
  weights = [rng.normal(0, 0.5, w.shape).astype(np.float32)
             for w in keras_lstm.get_weights()]
  keras_lstm.set_weights(weights)
  ours.set_weights(weights)
  return keras_lstm, ours


def forward_and_gradients(layer, x, jit):
  @tf.function(jit_compile=jit)
  def run(inp):
    with tf.GradientTape() as tape:
      tape.watch(inp)
      out = layer(inp)
      loss = tf.reduce_sum(tf.sin(3.0 * out))
    return [out] + tape.gradient(loss, [inp] + layer.trainable_variables)
  return [t.numpy() for t in run(x)]


@pytest.mark.parametrize("activation", ["swish", "tanh"])
@pytest.mark.parametrize("unroll", [False, True])
def test_bilstm_equals_keras_bidirectional_lstm(activation, unroll):
  """Forward and every gradient (input, kernels, recurrent kernels,
  biases of both directions), eager and under XLA, to 1e-5."""
  rng = np.random.default_rng(0)
  keras_lstm, ours = pair(4, 7, activation, rng, unroll=unroll)
  x = tf.constant(rng.normal(size=(6, 13, 7)), tf.float32)
  for jit in (False, True):
    want = forward_and_gradients(keras_lstm, x, jit)
    got = forward_and_gradients(ours, x, jit)
    assert np.abs(want[0]).max() > 0.1
    assert len(got) == len(want) == 2 + 6
    for g, w in zip(got, want):
      assert g.shape == w.shape
      np.testing.assert_allclose(g, w, rtol=0, atol=1e-5)


def test_bilstm_at_madlabs_size_equals_keras():
  rng = np.random.default_rng(1)
  keras_lstm, ours = pair(4, 96, "swish", rng)
  x = tf.constant(rng.normal(size=(8, 110, 96)), tf.float32)
  np.testing.assert_allclose(ours(x).numpy(), keras_lstm(x).numpy(),
                             rtol=0, atol=1e-5)


def test_bilstm_weights_initialisation_and_config():
  keras.utils.set_random_seed(2)
  ours = layers.BiLSTM(4, activation="swish", kernel_initializer="he_normal")
  ours.build((None, 110, 96))
  bidirectional = keras.layers.Bidirectional(layers.NoCudnnLSTM(4))
  bidirectional.build((None, 110, 96))
  assert ours.count_params() == bidirectional.count_params() == 3_232
  assert [w.shape for w in ours.get_weights()] == [
      w.shape for w in bidirectional.get_weights()]
  # Keras's LSTM initialisation: unit_forget_bias, orthogonal recurrence,
  # and a fresh draw per weight (the directions differ).
  for direction in ("forward", "backward"):
    bias = getattr(ours, f"{direction}_bias").numpy()
    np.testing.assert_array_equal(bias, np.repeat([0.0, 1.0, 0.0, 0.0], 4))
    recurrent = getattr(ours, f"{direction}_recurrent_kernel").numpy()
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(4), atol=1e-5)
  assert not np.allclose(ours.forward_kernel.numpy(),
                         ours.backward_kernel.numpy())
  config = ours.get_config()
  assert config["units"] == 4 and config["unroll"] is False
  clone = keras.layers.deserialize(keras.layers.serialize(ours))
  assert isinstance(clone, layers.BiLSTM)
  assert clone.get_config() == config



@pytest.mark.parametrize("settings,name", [
    ({"units": 0}, "units"), ({"units": 2.5}, "units"),
    ({"units": "4"}, "units"),
    ({"activation": "bogus"}, "activation"),
    ({"recurrent_activation": "nope"}, "recurrent_activation"),
    ({"kernel_initializer": "bogus"}, "kernel_initializer"),
    ({"unit_forget_bias": "yes"}, "unit_forget_bias"),
    ({"unroll": 1}, "unroll"),
])
def test_arguments_are_checked_with_keras_messages(settings, name):
  with pytest.raises(ValueError, match=f"Received: {name}="):
    layers.BiLSTM(**{"units": 4, **settings})
