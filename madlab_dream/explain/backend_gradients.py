"""`GradientModel`'s two compiled calls on Keras's JAX and PyTorch backends.

On TensorFlow, `gradients.GradientModel` traces `tf.function`s with a
GradientTape. Here the same two calls, each taking one-hot rows float32
[batch, L, 4] and returning NumPy:

  forward(x)   -> prediction [batch] (expression scale: output x sd + mean)
  gradient(x)  -> (prediction [batch], d prediction / d x [batch, L, 4])

Rows are independent (inference mode), so the gradient of the sum of the
predictions gives each row's own gradient.
"""

from __future__ import annotations

import numpy as np


def functions(net, mean: float, sd: float):
  """(forward, gradient) for the backend Keras runs (JAX or PyTorch)."""
  import keras  # the backend is running by now
  backend = keras.backend.backend()
  if backend == "jax":
    return _jax_functions(net, mean, sd)
  if backend == "torch":
    return _torch_functions(net, mean, sd)
  raise ValueError(f"no gradient functions for Keras's {backend} backend")


def _jax_functions(net, mean: float, sd: float):
  import jax  # the backend here
  import jax.numpy as jnp
  trainable = [v.value for v in net.trainable_variables]
  fixed = [v.value for v in net.non_trainable_variables]

  def predict(weights, x):
    out, _ = net.stateless_call(weights[0], weights[1], x, training=False)
    return out.astype(jnp.float32)[:, 0] * sd + mean

  def value_and_gradient(weights, x):
    y, pullback = jax.vjp(lambda rows: predict(weights, rows), x)
    return y, pullback(jnp.ones_like(y))[0]

  forward = jax.jit(predict)
  gradient = jax.jit(value_and_gradient)
  weights = (trainable, fixed)
  return (lambda x: np.asarray(forward(weights, x)),
          lambda x: tuple(np.asarray(a) for a in gradient(weights, x)))


def _torch_functions(net, mean: float, sd: float):
  import torch  # the backend here
  from keras import ops

  def predict(x):
    return net(x, training=False).float()[:, 0] * sd + mean

  def forward(x):
    with torch.no_grad():
      return ops.convert_to_numpy(predict(ops.convert_to_tensor(x)))

  def gradient(x):
    rows = ops.convert_to_tensor(x).detach().requires_grad_(True)
    y = predict(rows)
    (g,) = torch.autograd.grad(y.sum(), rows)
    return ops.convert_to_numpy(y.detach()), ops.convert_to_numpy(g)

  return forward, gradient
