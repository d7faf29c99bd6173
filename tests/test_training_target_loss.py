"""The loss of several targets with weights."""

import keras
import numpy as np

from madlab_dream.training import optim
from madlab_dream.training.target_loss import TargetWeightedLoss


def test_weighted_loss_is_the_weighted_mean_of_each_targets_loss():
  rng = np.random.default_rng(0)
  y, p = rng.normal(size=(16, 2)), rng.normal(size=(16, 2))
  per = ((p - y) ** 2).mean(axis=0)
  equal = optim.make_loss("mse", (1.0, 1.0))(y, p)
  np.testing.assert_allclose(float(equal), per.mean(), rtol=1e-6)
  np.testing.assert_allclose(float(optim.make_loss("mse")(y, p)), per.mean(),
                             rtol=1e-6)
  weighted = optim.make_loss("mse", (1.0, 3.0))(y, p)
  np.testing.assert_allclose(float(weighted), (per[0] + 3 * per[1]) / 4,
                             rtol=1e-6)
  huber = TargetWeightedLoss("huber", (1.0, 1.0))(y, p)
  np.testing.assert_allclose(float(huber),
                             float(keras.losses.Huber()(y, p)), rtol=1e-6)
  again = keras.saving.deserialize_keras_object(
      keras.saving.serialize_keras_object(TargetWeightedLoss("mae", (2, 1))))
  assert (again.kind, again.weights) == ("mae", [2.0, 1.0])
