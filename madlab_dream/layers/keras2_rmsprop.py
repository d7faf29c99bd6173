"""RMSprop with Keras 2's epsilon placement, for the as-run preset.

MadLab trained with TF 2.8's `tf.keras.optimizers.RMSprop` (optimizer_v2,
momentum 0), whose update is

  v <- rho v + (1 - rho) g^2;   w <- w - lr g / (sqrt(v) + epsilon)

Keras 3's RMSprop divides by sqrt(v + epsilon) instead. The two differ
where v is of the order of epsilon^2 (1e-14: gradients that are tiny or
were tiny for a long time). Defaults as in both: rho 0.9, epsilon 1e-7.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="madlab_dream")
class Keras2RMSprop(keras.optimizers.RMSprop):
  """`keras.optimizers.RMSprop` (momentum 0, not centred) with Keras 2's
  `sqrt(v) + epsilon` denominator."""

  def __init__(self, learning_rate=1e-3, rho=0.9, epsilon=1e-7,
               name="keras2_rmsprop", **kwargs):
    kwargs.pop("momentum", None)
    kwargs.pop("centered", None)
    super().__init__(learning_rate=learning_rate, rho=rho, momentum=0.0,
                     epsilon=epsilon, centered=False, name=name, **kwargs)

  def update_step(self, gradient, variable, learning_rate):
    lr = ops.cast(learning_rate, variable.dtype)
    gradient = ops.cast(gradient, variable.dtype)
    velocity = self._velocities[self._get_variable_index(variable)]
    self.assign(velocity, ops.add(ops.multiply(self.rho, velocity),
                                  ops.multiply(1 - self.rho,
                                               ops.square(gradient))))
    self.assign_sub(variable, ops.divide(
        ops.multiply(lr, gradient),
        ops.add(ops.sqrt(velocity), self.epsilon)))
