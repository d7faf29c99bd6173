"""Exact predictions of the in-memory model during training.

`Evaluator` compiles one prediction function per model and reuses it at
every epoch end and for the final report, so validation never retraces. It
runs the model directly (not `Model.predict`), so under a distribution
strategy every worker computes the same full set of predictions.
"""

from __future__ import annotations

import numpy as np


class Evaluator:
  """codes uint8 [N, L] -> standardised predictions float32 [N], in order."""

  def __init__(self, model, batch_size: int, jit_compile: bool = False):
    import tensorflow as tf
    self.batch_size = int(batch_size)

    @tf.function(jit_compile=jit_compile, reduce_retracing=True)
    def step(codes):
      return tf.cast(model(codes, training=False), tf.float32)[:, 0]

    self._step = step

  def predict(self, codes: np.ndarray) -> np.ndarray:
    out = np.empty(len(codes), np.float32)
    for start in range(0, len(codes), self.batch_size):
      batch = np.asarray(codes[start:start + self.batch_size])
      out[start:start + len(batch)] = self._step(batch).numpy()
    return out
