"""Keras 2's RMSprop update (layers.keras2_rmsprop) against its formula."""

import keras
import numpy as np
import pytest

from madlab_dream.layers.keras2_rmsprop import Keras2RMSprop


def test_update_follows_the_keras2_formula_and_differs_from_keras3():
  w0 = np.array([1.0, -2.0, 0.5, 3.0], np.float32)
  grads = [np.array([0.1, -1e-6, 2.0, 0.0], np.float32),
           np.array([0.3, 2e-6, -1.0, 1e-8], np.float32)]
  lr, rho, eps = 0.01, 0.9, 1e-7
  w, v = w0.astype(np.float64), np.zeros(4)
  for g in grads:
    v = rho * v + (1 - rho) * g.astype(np.float64) ** 2
    w = w - lr * g / (np.sqrt(v) + eps)
  ours = keras.Variable(w0)
  opt = Keras2RMSprop(learning_rate=lr)
  for g in grads:
    opt.apply_gradients([(keras.ops.convert_to_tensor(g), ours)])
  np.testing.assert_allclose(np.asarray(ours), w, rtol=1e-5, atol=1e-7)
  # Keras 3's own RMSprop differs where the gradient is tiny (index 1).
  theirs = keras.Variable(w0)
  k3 = keras.optimizers.RMSprop(learning_rate=lr)
  for g in grads:
    k3.apply_gradients([(keras.ops.convert_to_tensor(g), theirs)])
  assert abs(float(np.asarray(theirs)[1]) - w[1]) > 5e-4


def test_serialises():
  opt = Keras2RMSprop(learning_rate=3e-4)
  again = Keras2RMSprop.from_config(opt.get_config())
  assert again.get_config()["learning_rate"] == pytest.approx(3e-4)
  assert again.momentum == 0.0 and not again.centered
