"""Exact predictions of the in-memory model during training.

`Evaluator` compiles one prediction function per model and reuses it at
every epoch end and for the final report, so validation never retraces. It
always calls the model on batches of one shape per set size (the last batch
is padded and the padding dropped), so the same weights give bit-identical
predictions whatever the set size and whichever process computes them: the
report's metrics equal the history row of the best epoch, and a rerun or a
resumed run reports the same numbers. It runs the model directly (not
`Model.predict`), so under a distribution strategy every worker computes
the same full set of predictions.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf


class Evaluator:
  """codes uint8 [N, L] -> standardised predictions float32 [N], in order
  ([N, T] for a model with T > 1 outputs)."""

  def __init__(self, model, batch_size: int, jit_compile: bool = False):
    self.batch_size = int(batch_size)
    self.num_targets = int(model.outputs[0].shape[-1])
    single = self.num_targets == 1

    @tf.function(jit_compile=jit_compile)
    def step(codes):
      out = tf.cast(model(codes, training=False), tf.float32)
      return out[:, 0] if single else out

    self._step = step

  def predict(self, codes: np.ndarray) -> np.ndarray:
    n = len(codes)
    size = min(self.batch_size, max(n, 1))  # one batch shape per set size
    out = np.empty((n,) if self.num_targets == 1 else (n, self.num_targets),
                   np.float32)
    for start in range(0, n, size):
      batch = np.asarray(codes[start:start + size])
      rows = len(batch)
      if rows < size:  # the same shape for every call: pad, drop the padding
        padding = np.zeros((size - rows,) + batch.shape[1:], batch.dtype)
        batch = np.concatenate([batch, padding])
      out[start:start + rows] = self._step(batch).numpy()[:rows]
    return out
