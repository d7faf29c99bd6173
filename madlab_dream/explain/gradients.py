"""Forward passes and input gradients of a model, in fixed-size batches.

`GradientModel(model, batch_size)` wraps a model that takes uint8 codes:
its BatchNorms folded (`model.inference_model`, as the SavedModel
predicts) and cut at its one-hot encoding (`model.one_hot_model`), so it
takes one-hot rows float32 [batch, L, 4] (N = a zero row). Every call runs
`batch_size` rows (the last batch is padded with zero rows), so one traced
graph serves a whole run and a row's result never depends on which rows
share its batch. Outputs are on the expression scale (`x sd + mean`);
gradients are scaled with them.

  gradients(one_hot)                  (prediction [n], d prediction / d
                                      one_hot [n, L, 4])
  predict(one_hot)                    prediction [n] (forward only)
  path_gradients(one_hot, references, steps, quadrature)
                                      the mean gradient along the straight
                                      path from each reference to its
                                      sequence: [P, L, 4]

`path_nodes(steps, quadrature)` gives the points alpha in (0, 1) of the path
and their weights (summing to 1): "midpoint" (the Riemann midpoint rule,
alpha = (k + 0.5) / steps, equal weights) or "gauss_legendre" (the
Gauss-Legendre nodes and weights mapped to [0, 1], exact for polynomials of
degree 2 steps - 1).
"""

from __future__ import annotations

import numpy as np

from madlab_dream import compat

ALPHABET_SIZE = 4
QUADRATURES = ("midpoint", "gauss_legendre")


def one_hot(codes: np.ndarray) -> np.ndarray:
  """float32 [..., L, 4] of codes uint8 [..., L] (N and above: zero rows)."""
  eye = np.eye(ALPHABET_SIZE + 1, ALPHABET_SIZE, dtype=np.float32)
  return eye[np.minimum(np.asarray(codes), ALPHABET_SIZE)]


def path_nodes(steps: int, quadrature: str = "midpoint") -> tuple[
    np.ndarray, np.ndarray]:
  """(alpha float32 [steps], weight float64 [steps]): the points of the path
  integral over [0, 1] and their weights (summing to 1)."""
  if quadrature == "midpoint":
    return (((np.arange(steps) + 0.5) / steps).astype(np.float32),
            np.full(steps, 1.0 / steps))
  if quadrature == "gauss_legendre":
    nodes, weights = np.polynomial.legendre.leggauss(steps)
    return ((nodes + 1) / 2).astype(np.float32), weights / 2
  raise ValueError(f"quadrature {quadrature!r}: one of {QUADRATURES}")


def _tensorflow_functions(net, mean: float, sd: float, batch_size: int,
                          seq_len: int, jit_compile: bool):
  """(forward, gradient) as tf.functions returning NumPy (see the
  `backend_gradients` module for the other backends)."""
  tf = compat.tensorflow()
  sd32 = tf.constant(sd, tf.float32)
  mean32 = tf.constant(mean, tf.float32)

  def forward(x):
    return tf.cast(net(x, training=False), tf.float32)[:, 0] * sd32 + mean32

  def gradient(x):
    with tf.GradientTape() as tape:
      tape.watch(x)
      y = forward(x)
    return y, tape.gradient(y, x)  # rows are independent: d y_i / d x_i

  spec = [tf.TensorSpec([batch_size, seq_len, ALPHABET_SIZE], tf.float32)]
  forward_fn = tf.function(forward, input_signature=spec,
                           jit_compile=jit_compile)
  gradient_fn = tf.function(gradient, input_signature=spec,
                            jit_compile=jit_compile)
  return (lambda x: forward_fn(x).numpy(),
          lambda x: tuple(t.numpy() for t in gradient_fn(x)))


class GradientModel:
  """A model's forward pass and input gradient on one-hot rows.

  Attributes:
    seq_len: L.
    batch_size: rows per call.
    mean, sd: the output scale (prediction = model output x sd + mean).
    evaluations: rows evaluated so far (padding included), by kind:
      {"gradient": ..., "forward": ...}.
  """

  def __init__(self, model, batch_size: int = 1024, mean: float = 0.0,
               sd: float = 1.0, jit_compile: bool = False):
    # Imported when used: it imports Keras, which starts a framework.
    from madlab_dream.model import inference_model
    from madlab_dream.model import one_hot_model
    self.seq_len = int(model.input_shape[1])
    self.batch_size = int(batch_size)
    self.mean, self.sd = float(mean), float(sd)
    self.evaluations = {"gradient": 0, "forward": 0}
    net = one_hot_model(inference_model(model))
    if compat.keras().backend.backend() == "tensorflow":
      self._forward, self._gradient = _tensorflow_functions(
          net, self.mean, self.sd, self.batch_size, self.seq_len, jit_compile)
    else:  # JAX or PyTorch
      # Imported when used: it imports Keras's backend (JAX or PyTorch).
      from madlab_dream.explain import backend_gradients
      self._forward, self._gradient = backend_gradients.functions(
          net, self.mean, self.sd)

  def _batches(self, x: np.ndarray):
    """(start, stop, padded batch float32 [batch_size, L, 4])."""
    for start in range(0, len(x), self.batch_size):
      stop = min(start + self.batch_size, len(x))
      batch = np.zeros((self.batch_size, self.seq_len, ALPHABET_SIZE),
                       np.float32)
      batch[:stop - start] = x[start:stop]
      yield start, stop, batch

  def gradients(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(prediction float32 [n], gradient float32 [n, L, 4]) at rows x."""
    x = np.asarray(x, np.float32)
    pred = np.empty(len(x), np.float32)
    grad = np.empty(x.shape, np.float32)
    for start, stop, batch in self._batches(x):
      y, g = self._gradient(batch)
      pred[start:stop] = y[:stop - start]
      grad[start:stop] = g[:stop - start]
      self.evaluations["gradient"] += self.batch_size
    return pred, grad

  def predict(self, x: np.ndarray) -> np.ndarray:
    """prediction float32 [n] at one-hot rows x [n, L, 4]."""
    x = np.asarray(x, np.float32)
    pred = np.empty(len(x), np.float32)
    for start, stop, batch in self._batches(x):
      pred[start:stop] = self._forward(batch)[:stop - start]
      self.evaluations["forward"] += self.batch_size
    return pred

  def path_gradients(self, x: np.ndarray, references: np.ndarray,
                     steps: int, quadrature: str = "midpoint") -> np.ndarray:
    """float32 [P, L, 4]: the weighted mean gradient at `references[p] +
    alpha (x[p] - references[p])` over the `path_nodes(steps, quadrature)`.

    x and references: float32 [P, L, 4]. Rows of all paths go through the
    model together, `batch_size` at a time.
    """
    x = np.asarray(x, np.float32)
    references = np.asarray(references, np.float32)
    alphas, weights = path_nodes(steps, quadrature)
    total = len(x) * steps
    out = np.zeros(x.shape, np.float64)
    for start in range(0, total, self.batch_size):
      index = np.arange(start, min(start + self.batch_size, total))
      pair, k = np.divmod(index, steps)
      ref = references[pair]
      rows = ref + alphas[k][:, None, None] * (x[pair] - ref)
      _, grad = self.gradients(rows)
      grad = grad.astype(np.float64) * weights[k][:, None, None]
      first = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
      out[pair[first]] += np.add.reduceat(grad, first, axis=0)
    return out.astype(np.float32)
