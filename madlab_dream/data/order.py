"""The order of the training rows: one NumPy formulation for every backend.

Each pass over the training rows is a fresh order drawn from (seed, pass):
a full permutation, or with `shuffle_buffer` N > 0 the rows sorted by file
position + N x U(0, 1) (a seeded local shuffle in which row i lands within N
positions of i; N = 1 keeps file order). With rc_augment, a coin per row
drawn from (seed, pass) reverse-complements it: the index of row i flipped
is n + i. The pass is cut into floor(n / batch_size) full batches; a stream
that starts at global step `start_step` yields exactly the batches an
uninterrupted stream yields from that step on.

The tf.data pipeline (`pipeline.train_dataset`) and the backend-neutral
stream (`numpy_batches.BatchStream`) both take their indices from
`pass_batches`, so a seed gives the same batches on every Keras backend.
NumPy only: no framework.
"""

from __future__ import annotations

import numpy as np

from madlab_dream.errors import InputError

#: Streams of `numpy.random.Generator`s seeded [seed, pass, stream].
_ORDER, _COINS = 0, 1


def batches_per_pass(n: int, batch_size: int) -> int:
  return n // batch_size


def check_batch(n: int, batch_size: int) -> int:
  """Batches per pass; InputError when the batch exceeds the rows."""
  nb = batches_per_pass(n, batch_size)
  if nb == 0:
    raise InputError(f"batch size {batch_size} is larger than the training "
                     f"set ({n} rows)")
  return nb


def pass_order(n: int, seed: int, p: int, shuffle_buffer: int = 0
               ) -> np.ndarray:
  """int64 [n]: the order of the rows in pass `p` (see the module
  docstring)."""
  rng = np.random.default_rng([int(seed), int(p), _ORDER])
  if not shuffle_buffer:
    return rng.permutation(n).astype(np.int64)
  keys = np.arange(n, dtype=np.float64) + float(shuffle_buffer) * rng.random(n)
  return np.argsort(keys, kind="stable").astype(np.int64)


def pass_coins(n: int, seed: int, p: int) -> np.ndarray:
  """bool [n]: which rows pass `p` reverse-complements (p = 0.5 each)."""
  return np.random.default_rng([int(seed), int(p), _COINS]).random(n) < 0.5


def pass_batches(n: int, batch_size: int, seed: int, p: int,
                 shuffle_buffer: int = 0, rc_augment: bool = False
                 ) -> np.ndarray:
  """int64 [batches_per_pass, batch_size]: the row indices of the batches of
  pass `p` (n + i: row i reverse-complemented)."""
  nb = check_batch(n, batch_size)
  order = pass_order(n, seed, p, shuffle_buffer)
  if rc_augment:
    order = order + pass_coins(n, seed, p)[order].astype(np.int64) * n
  return order[:nb * batch_size].reshape(nb, batch_size)


def batch_indices(n: int, batch_size: int, seed: int, start_step: int = 0,
                  shuffle_buffer: int = 0, rc_augment: bool = False):
  """Infinite iterator of int64 [batch_size] index batches from global step
  `start_step` on (one pass's order computed at a time)."""
  nb = check_batch(n, batch_size)
  p, offset = divmod(int(start_step), nb)
  while True:
    batches = pass_batches(n, batch_size, seed, p, shuffle_buffer, rc_augment)
    yield from batches[offset:]
    p, offset = p + 1, 0


def gather_rows(codes: np.ndarray, targets: np.ndarray,
                index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
  """(codes uint8 [b, L], targets float32 [b, 1] or [b, T]) of an index
  batch; index n + i is row i reverse-complemented."""
  n = len(codes)
  rows = index % n
  flipped = index >= n
  order = np.argsort(rows, kind="stable")  # memory-mapped reads in order
  batch = np.empty((len(index), codes.shape[1]), np.uint8)
  batch[order] = codes[rows[order]]
  if flipped.any():
    batch[flipped] = _COMPLEMENT[batch[flipped]][:, ::-1]
  y = np.asarray(targets[rows], np.float32)
  return batch, (y[:, None] if y.ndim == 1 else y)


#: A, C, G, T, N (codes 0-4) -> their complements' codes.
_COMPLEMENT = np.array([3, 2, 1, 0, 4], np.uint8)
