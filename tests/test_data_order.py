"""The order of the training rows (data.order) and the NumPy input path
(data.numpy_batches), without TensorFlow."""

import numpy as np
import pytest

from madlab_dream.data import numpy_batches
from madlab_dream.data import order
from madlab_dream.errors import InputError
from madlab_dream.io import sequences


def test_each_pass_is_a_fresh_seeded_permutation():
  a = order.pass_batches(100, 32, seed=5, p=0)
  assert a.shape == (3, 32) and len(set(a.ravel())) == 96
  b = order.pass_batches(100, 32, seed=5, p=1)
  assert not np.array_equal(a, b)
  np.testing.assert_array_equal(a, order.pass_batches(100, 32, 5, 0))
  assert not np.array_equal(a, order.pass_batches(100, 32, 6, 0))


@pytest.mark.parametrize("buffer", [1, 7, 64])
def test_shuffle_buffer_keeps_rows_near_file_order(buffer):
  for p in range(3):
    rows = order.pass_order(500, seed=4, p=p, shuffle_buffer=buffer)
    assert sorted(rows) == list(range(500))
    position = np.empty(500, int)
    position[rows] = np.arange(500)
    assert np.abs(position - np.arange(500)).max() <= buffer
  if buffer == 1:
    np.testing.assert_array_equal(rows, np.arange(500))


def test_a_stream_resumed_at_any_step_continues_the_uninterrupted_one():
  full = list(zip(range(20), order.batch_indices(50, 8, 3, rc_augment=True)))
  for start in (1, 6, 13):
    resumed = order.batch_indices(50, 8, 3, start_step=start, rc_augment=True)
    for step in range(start, 20):
      np.testing.assert_array_equal(next(resumed), full[step][1])


def test_rc_coins_flip_about_half_the_rows_and_gather_flips_them():
  rng = np.random.default_rng(0)
  codes = rng.integers(0, 5, size=(64, 12)).astype(np.uint8)
  targets = rng.normal(size=(64, 2)).astype(np.float32)
  index = order.pass_batches(64, 32, 3, 0, rc_augment=True).ravel()
  assert 16 < (index >= 64).sum() < 48
  batch, y = order.gather_rows(codes, targets, index)
  rows = index % 64
  np.testing.assert_array_equal(y, targets[rows])
  flipped = index >= 64
  np.testing.assert_array_equal(batch[~flipped], codes[rows[~flipped]])
  np.testing.assert_array_equal(
      batch[flipped], sequences.reverse_complement(codes[rows[flipped]]))


def test_numpy_stream_yields_batches_and_stops_its_thread():
  codes = np.arange(40, dtype=np.uint8)[:, None].repeat(3, axis=1)
  stream = numpy_batches.train_batches(codes, np.arange(40), 10, seed=1)
  batches = [next(stream) for _ in range(8)]
  assert all(c.shape == (10, 3) and y.shape == (10, 1) for c, y in batches)
  for c, y in batches:
    np.testing.assert_array_equal(c[:, 0], y[:, 0])
  assert sorted(np.concatenate([y[:, 0] for _, y in batches[:4]])) == list(
      range(40))
  stream.close()


def test_a_batch_larger_than_the_rows_is_refused():
  with pytest.raises(InputError, match="larger than the training set"):
    next(numpy_batches.train_batches(np.zeros((5, 2), np.uint8),
                                     np.zeros(5), 8, seed=1))
