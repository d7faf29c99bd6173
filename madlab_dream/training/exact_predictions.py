"""Exact predictions of the in-memory model during training.

`Evaluator` compiles one prediction function per model and reuses it at
every epoch end and for the final report, so validation never retraces. It
always calls the model on batches of one shape per set size (the last batch
is padded and the padding dropped), so the same weights give bit-identical
predictions whatever the set size and whichever process computes them: the
report's metrics equal the history row of the best epoch, and a rerun or a
resumed run reports the same numbers. On TensorFlow it runs the model in a
`tf.function` (not `Model.predict`), so under a distribution strategy every
worker computes the same full set of predictions; on JAX and PyTorch it runs
Keras's compiled predict step (`predict_on_batch`), with the batch a
multiple of the devices a `keras.distribution` splits it over.
"""

from __future__ import annotations

import keras
import numpy as np


def _tensorflow_step(model, single: bool, jit_compile: bool):
  """codes -> float32 predictions, as a tf.function (TensorFlow only)."""
  import tensorflow as tf  # the backend here

  @tf.function(jit_compile=jit_compile)
  def step(codes):
    out = tf.cast(model(codes, training=False), tf.float32)
    return out[:, 0] if single else out

  return lambda codes: step(codes).numpy()


def _keras_step(model, single: bool):
  """codes -> float32 predictions through Keras's predict step."""
  def step(codes):
    out = np.asarray(model.predict_on_batch(codes), np.float32)
    return out[:, 0] if single else out
  return step


class Evaluator:
  """codes uint8 [N, L] -> standardised predictions float32 [N], in order
  ([N, T] for a model with T > 1 outputs).

  Args:
    model: the Keras model.
    batch_size: rows per call (rounded up to a multiple of `replicas`).
    jit_compile: XLA for the TensorFlow function (Keras's own setting
      elsewhere).
    replicas: the devices a batch is split over.
  """

  def __init__(self, model, batch_size: int, jit_compile: bool = False,
               replicas: int = 1):
    self.replicas = max(int(replicas), 1)
    self.batch_size = -(-int(batch_size) // self.replicas) * self.replicas
    self.num_targets = int(model.outputs[0].shape[-1])
    single = self.num_targets == 1
    if keras.backend.backend() == "tensorflow":
      self._step = _tensorflow_step(model, single, jit_compile)
    else:
      self._step = _keras_step(model, single)

  def predict(self, codes: np.ndarray) -> np.ndarray:
    n = len(codes)
    size = min(self.batch_size, max(n, 1))  # one batch shape per set size
    size = -(-size // self.replicas) * self.replicas
    out = np.empty((n,) if self.num_targets == 1 else (n, self.num_targets),
                   np.float32)
    for start in range(0, n, size):
      batch = np.asarray(codes[start:start + size])
      rows = len(batch)
      if rows < size:  # the same shape for every call: pad, drop the padding
        padding = np.zeros((size - rows,) + batch.shape[1:], batch.dtype)
        batch = np.concatenate([batch, padding])
      out[start:start + rows] = self._step(batch)[:rows]
    return out
