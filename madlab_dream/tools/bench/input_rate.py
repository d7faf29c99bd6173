"""Sequences/s the two input paths deliver from the same rows.

  python -m madlab_dream.tools.bench.input_rate [rows] [batches]

Random uint8 rows (L = 110) with rc augmentation at batch 1,024: the NumPy
stream (`data.numpy_batches`, the path without TensorFlow) and, where
TensorFlow is installed, tf.data (`data.pipeline`), both in the order of
`data.order`. One line each.
"""

from __future__ import annotations

import importlib.util
import sys
import time

import numpy as np

from madlab_dream.data import numpy_batches

BATCH = 1024


def rate(batches, count: int) -> float:
  """Sequences/s over `count` batches after the first."""
  next(batches)
  t = time.perf_counter()
  for _ in range(count):
    next(batches)
  return count * BATCH / (time.perf_counter() - t)


def main(argv) -> None:
  rows = int(argv[0]) if argv else 400_000
  count = int(argv[1]) if len(argv) > 1 else 300
  rng = np.random.default_rng(0)
  codes = rng.integers(0, 5, (rows, 110)).astype(np.uint8)
  targets = rng.normal(size=rows).astype(np.float32)
  stream = numpy_batches.train_batches(codes, targets, BATCH, 1,
                                       rc_augment=True)
  print(f"NumPy stream (prefetch thread): {rate(stream, count):,.0f} seq/s")
  stream.close()
  if importlib.util.find_spec("tensorflow") is not None:
    # Imported when used: tf.data needs TensorFlow, which may be absent.
    from madlab_dream.data import pipeline
    ds = pipeline.train_dataset(codes, targets, BATCH, 1, rc_augment=True)
    print(f"tf.data: {rate(iter(ds), count):,.0f} seq/s")


if __name__ == "__main__":
  main(sys.argv[1:])
