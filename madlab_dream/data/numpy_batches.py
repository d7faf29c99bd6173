"""Training batches without TensorFlow: NumPy, gathered in a prefetch thread.

`train_batches` yields what `pipeline.train_dataset` yields (the same
batches for the same seed: both take their indices from
`order.pass_batches`), as a Python generator of NumPy arrays, which Keras's
`fit` reads on every backend (JAX, PyTorch; TensorFlow too). A thread
gathers the next batches from the (memory-mapped) uint8 cache while the
model trains on the current one: NumPy's fancy indexing releases the GIL.
Under `keras.distribution.DataParallel` Keras splits each global batch over
the devices itself.
"""

from __future__ import annotations

import queue
import threading

import numpy as np

from madlab_dream.data import order

#: Batches gathered ahead of the one the model is training on.
PREFETCH = 4
_DONE = object()


def _produce(batches, out: queue.Queue, stop: threading.Event) -> None:
  """Puts batches into `out` until `stop` (an exception is passed on)."""
  try:
    for batch in batches:
      while not stop.is_set():
        try:
          out.put(batch, timeout=0.1)
          break
        except queue.Full:
          continue
      if stop.is_set():
        return
  except BaseException as e:  # pylint: disable=broad-except
    out.put((_DONE, e))


def prefetched(batches, depth: int = PREFETCH):
  """The items of the iterator `batches`, produced `depth` ahead in a
  daemon thread; closing the generator stops the thread."""
  out: queue.Queue = queue.Queue(maxsize=depth)
  stop = threading.Event()
  thread = threading.Thread(target=_produce, args=(batches, out, stop),
                            daemon=True, name="madlab-batches")
  thread.start()
  try:
    while True:
      item = out.get()
      if isinstance(item, tuple) and len(item) == 2 and item[0] is _DONE:
        raise item[1]
      yield item
  finally:
    stop.set()


def index_batches(n: int, batch_size: int, seed: int, start_step: int = 0,
                  shuffle_buffer: int = 0, rc_augment: bool = False):
  """The row indices of every batch from `start_step` on (`order`)."""
  return order.batch_indices(n, batch_size, seed, start_step, shuffle_buffer,
                             rc_augment)


def train_batches(codes: np.ndarray, targets: np.ndarray, batch_size: int,
                  seed: int, start_step: int = 0, shuffle_buffer: int = 0,
                  rc_augment: bool = False, depth: int = PREFETCH):
  """Infinite generator of shuffled training batches, as
  `pipeline.train_dataset` (same arguments but the input context).

  Yields (codes uint8 [b, L], targets float32 [b, 1]; [b, T] for targets
  [n, T]).
  """
  targets = np.asarray(targets, np.float32)
  indices = index_batches(len(codes), batch_size, seed, start_step,
                          shuffle_buffer, rc_augment)
  batches = (order.gather_rows(codes, targets, index) for index in indices)
  return prefetched(batches, depth)
