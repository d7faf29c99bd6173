"""A model's compiled training step and forward pass on the Keras backend,
each a call with no arguments that runs once on one batch held where the
backend computes (`timing.wait` on its result waits for it).

The training step is the one `model.fit` compiles, without its loop (MSE +
the L2 terms, their gradients, MadLab's RMSprop 1e-4). TensorFlow:
`tf.function(jit_compile=...)` of a GradientTape and `optimizer.apply`;
JAX: jitted `stateless_call`, `jax.value_and_grad` and
`optimizer.stateless_apply` on a donated state (copies of the weights).
"""

from __future__ import annotations

from typing import Callable

import keras
import numpy as np
from keras import ops

from madlab_dream.config import TrainConfig
from madlab_dream.training import optim

#: MadLab's optimiser (a step's cost does not depend on the rate).
OPTIMIZER = TrainConfig(optimizer="rmsprop", learning_rate=1e-4)


def random_batch(batch: int, seq_len: int, seed: int = 0):
  """(codes uint8 [batch, seq_len] with N, targets float32 [batch, 1])."""
  rng = np.random.default_rng(seed)
  return (rng.integers(0, 5, (batch, seq_len), dtype=np.uint8),
          rng.normal(size=(batch, 1)).astype(np.float32))


def _copies(jax, variables) -> list:
  """Copies of the variables' arrays: a donated state must own its arrays,
  and `fit` on a model sharing these layers replaces theirs."""
  return [jax.numpy.array(v.value, copy=True) for v in variables]


def _tensorflow_step(model: keras.Model, x, y, jit: bool) -> Callable:
  """The TensorFlow training step (see the module)."""
  import tensorflow as tf  # noqa: PLC0415 (absent where Keras runs on JAX)
  optimizer = optim.make_optimizer(OPTIMIZER)
  optimizer.build(model.trainable_variables)
  x, y = tf.constant(x), tf.constant(y)

  @tf.function(jit_compile=jit, autograph=False)
  def step():
    with tf.GradientTape() as tape:
      pred = ops.cast(model(x, training=True), "float32")
      loss = ops.mean(ops.square(pred - y)) + sum(model.losses)
    optimizer.apply(tape.gradient(loss, model.trainable_variables),
                    model.trainable_variables)
    return loss

  return step


def _jax_step(model: keras.Model):
  """(the jitted JAX training step, its initial state)."""
  import jax  # noqa: PLC0415 (installed only where Keras runs on JAX)
  optimizer = optim.make_optimizer(OPTIMIZER)
  optimizer.build(model.trainable_variables)

  def loss_of(trainable, non_trainable, x, y):
    pred, non_trainable, losses = model.stateless_call(
        trainable, non_trainable, x, training=True, return_losses=True)
    mse = ops.mean(ops.square(ops.cast(pred, "float32") - y))
    return mse + sum(losses), non_trainable

  def step(state, x, y):
    trainable, non_trainable, optimizer_values = state
    (loss, non_trainable), grads = jax.value_and_grad(
        loss_of, has_aux=True)(trainable, non_trainable, x, y)
    trainable, optimizer_values = optimizer.stateless_apply(
        optimizer_values, grads, trainable)
    return (trainable, non_trainable, optimizer_values), loss

  state = tuple(_copies(jax, variables) for variables in (
      model.trainable_variables, model.non_trainable_variables,
      optimizer.variables))
  return jax.jit(step, donate_argnums=0), state


def train_step_call(model: keras.Model, codes: np.ndarray,
                    targets: np.ndarray, jit: bool = True) -> Callable:
  """One training step on (codes, targets) per call (compiled at the
  first; on JAX, `train_step_cost` then reads XLA's figures of it)."""
  y = np.asarray(targets, np.float32).reshape(-1, 1)
  if keras.backend.backend() != "jax":
    return _tensorflow_step(model, np.asarray(codes), y, jit)
  import jax  # noqa: PLC0415 (installed only where Keras runs on JAX)
  jitted, initial = _jax_step(model)
  state = [initial]
  compiled = []
  x, y = jax.device_put(codes), jax.device_put(y)

  def call():
    if not compiled:
      compiled.append(jitted.lower(state[0], x, y).compile())
    state[0], loss = compiled[0](state[0], x, y)
    return loss

  call.compiled = compiled
  return call


def train_step_cost(step: Callable) -> dict:
  """XLA's own figures for a JAX training step from `train_step_call`
  that has run: {"flops", "bytes_accessed"} of the compiled step's cost
  analysis (the whole step, element-wise work included) and
  {"temp_bytes", "argument_bytes", "output_bytes"} of its memory analysis
  (temporary buffers: the activations a step holds), as compiled for the
  device it runs on.

  Raises:
    ValueError: not a JAX step, or one that has not run yet.
  """
  compiled = getattr(step, "compiled", None)
  if not compiled:
    raise ValueError("XLA's figures need a JAX training step that has run")
  cost = compiled[0].cost_analysis()
  cost = cost[0] if isinstance(cost, (list, tuple)) else cost
  memory = compiled[0].memory_analysis()
  return {"flops": float(cost.get("flops", 0.0)),
          "bytes_accessed": float(cost.get("bytes accessed", 0.0)),
          "temp_bytes": int(memory.temp_size_in_bytes),
          "argument_bytes": int(memory.argument_size_in_bytes),
          "output_bytes": int(memory.output_size_in_bytes)}


def forward_call(model: keras.Model, codes: np.ndarray,
                 jit: bool = True) -> Callable:
  """`model(codes, training=False)`, compiled, per call."""
  if keras.backend.backend() != "jax":
    import tensorflow as tf  # noqa: PLC0415 (absent where Keras runs on JAX)
    fn = tf.function(lambda x: model(x, training=False), jit_compile=jit,
                     autograph=False)
    x = tf.constant(np.asarray(codes))
    return lambda: fn(x)
  import jax  # noqa: PLC0415 (installed only where Keras runs on JAX)
  fn = jax.jit(lambda trainable, non_trainable, x: model.stateless_call(
      trainable, non_trainable, x, training=False)[0])
  trainable = _copies(jax, model.trainable_variables)
  non_trainable = _copies(jax, model.non_trainable_variables)
  x = jax.device_put(np.asarray(codes))
  return lambda: fn(trainable, non_trainable, x)
