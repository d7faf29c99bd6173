"""The tf.data pipeline (data.pipeline): order, reshuffling, resume, replicas."""

import numpy as np
import pytest

from madlab_dream import data


def _take(ds, n):
  return [(x.numpy(), y.numpy()) for x, y in ds.take(n)]


def test_train_dataset_batches_and_reshuffles():
  codes = np.arange(100, dtype=np.uint8)[:, None].repeat(3, axis=1)
  targets = np.arange(100, dtype=np.float32)
  batches = _take(data.train_dataset(codes, targets, 32, seed=5), 6)
  assert all(c.dtype == np.uint8 and c.shape == (32, 3) for c, _ in batches)
  assert all(y.shape == (32, 1) for _, y in batches)
  for c, y in batches:  # codes and targets stay paired
    np.testing.assert_array_equal(c[:, 0].astype(np.float32), y[:, 0])
  pass1 = np.concatenate([y[:, 0] for _, y in batches[:3]])
  pass2 = np.concatenate([y[:, 0] for _, y in batches[3:]])
  assert len(set(pass1)) == 96 and len(set(pass2)) == 96  # no repeats per pass
  assert not np.array_equal(pass1, pass2)  # reshuffled each pass
  again = _take(data.train_dataset(codes, targets, 32, seed=5), 6)
  np.testing.assert_array_equal(np.concatenate([y for _, y in again]),
                                np.concatenate([y for _, y in batches]))
  other = _take(data.train_dataset(codes, targets, 32, seed=6), 3)
  assert not np.array_equal(other[0][1], batches[0][1])


def test_train_dataset_resumes_at_any_step():
  codes = np.zeros((50, 2), np.uint8)
  targets = np.arange(50, dtype=np.float32)
  full = [y for _, y in _take(data.train_dataset(codes, targets, 8, 3), 15)]
  resumed = [y for _, y in _take(
      data.train_dataset(codes, targets, 8, 3, start_step=8), 7)]
  np.testing.assert_array_equal(np.concatenate(full[8:]),
                                np.concatenate(resumed))


def test_distributed_slices_recompose_the_global_batch():
  import tensorflow as tf
  codes = np.zeros((64, 2), np.uint8)
  targets = np.arange(64, dtype=np.float32)
  whole = [y for _, y in _take(data.train_dataset(codes, targets, 16, 1), 4)]
  parts = []
  for pid in range(2):  # 2 workers x 2 replicas each
    ctx = tf.distribute.InputContext(num_input_pipelines=2,
                                     input_pipeline_id=pid,
                                     num_replicas_in_sync=4)
    parts.append([y for _, y in _take(
        data.train_dataset(codes, targets, 16, 1, input_context=ctx), 8)])
  for step in range(4):
    recomposed = np.concatenate([parts[0][2 * step], parts[0][2 * step + 1],
                                 parts[1][2 * step], parts[1][2 * step + 1]])
    np.testing.assert_array_equal(recomposed, whole[step])


@pytest.mark.parametrize("buffer", [1, 7, 64])
def test_shuffle_buffer_keeps_each_pass_near_file_order(buffer):
  n = 500
  for p in range(3):
    order = data.pass_order(n, seed=4, p=p, shuffle_buffer=buffer).numpy()
    assert sorted(order) == list(range(n))  # every row once per pass
    position = np.empty(n, int)
    position[order] = np.arange(n)
    assert np.abs(position - np.arange(n)).max() <= buffer
  if buffer == 1:
    np.testing.assert_array_equal(order, np.arange(n))  # file order
  else:
    a = data.pass_order(n, 4, 0, buffer).numpy()
    np.testing.assert_array_equal(a, data.pass_order(n, 4, 0, buffer).numpy())
    assert not np.array_equal(a, data.pass_order(n, 4, 1, buffer).numpy())


def test_training_batches_follow_the_shuffle_buffer():
  codes = np.zeros((40, 2), np.uint8)
  targets = np.arange(40, dtype=np.float32)
  batches = _take(data.train_dataset(codes, targets, 10, 3,
                                     shuffle_buffer=1), 4)
  np.testing.assert_array_equal(np.concatenate([y[:, 0] for _, y in batches]),
                                np.arange(40))


def test_rc_augment_flips_half_the_rows_seeded_and_keeps_targets():
  from madlab_dream.io import sequences
  rng = np.random.default_rng(0)
  codes = rng.integers(0, 5, size=(64, 12)).astype(np.uint8)
  targets = rng.normal(size=(64, 2)).astype(np.float32)
  take = lambda ds: [(c.numpy(), t.numpy()) for c, t in ds.take(4)]
  plain = take(data.train_dataset(codes, targets, 32, seed=3))
  flipped = take(data.train_dataset(codes, targets, 32, seed=3,
                                    rc_augment=True))
  again = take(data.train_dataset(codes, targets, 32, seed=3, start_step=2,
                                  rc_augment=True))
  np.testing.assert_array_equal(flipped[2][0], again[0][0])
  by_target = {tuple(t): i for i, t in enumerate(map(tuple, targets))}
  n_flipped = 0
  for (_, t0), (c1, t1) in zip(plain, flipped):
    np.testing.assert_array_equal(t0, t1)  # the same rows, in order
    assert t1.shape == (32, 2)
    for row, target in zip(c1, t1):
      original = codes[by_target[tuple(target)]]
      rc = sequences.reverse_complement(original[None])[0]
      assert (row == original).all() or (row == rc).all()
      n_flipped += bool((row != original).any())
  assert 40 < n_flipped < 88  # of 128 rows, p = 0.5


@pytest.mark.parametrize("buffer,rc", [(0, False), (7, True)])
def test_numpy_batches_are_the_tf_data_batches(buffer, rc):
  """One order for every backend: the row ids (and flips) of the first
  passes, and of a resumed stream, are the same on both input paths."""
  rng = np.random.default_rng(1)
  codes = rng.integers(0, 5, size=(45, 6)).astype(np.uint8)
  targets = np.arange(45, dtype=np.float32)  # the target is the row id
  for start in (0, 5):
    tf_batches = _take(data.train_dataset(
        codes, targets, 8, seed=2, start_step=start, shuffle_buffer=buffer,
        rc_augment=rc), 13)
    stream = data.train_batches(codes, targets, 8, seed=2, start_step=start,
                                shuffle_buffer=buffer, rc_augment=rc)
    np_batches = [next(stream) for _ in range(13)]
    stream.close()
    for (c0, y0), (c1, y1) in zip(tf_batches, np_batches):
      assert c1.dtype == np.uint8 and y1.dtype == np.float32
      np.testing.assert_array_equal(y0, y1)
      np.testing.assert_array_equal(c0, c1)
