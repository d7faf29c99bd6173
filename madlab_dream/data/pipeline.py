"""The tf.data pipeline: cached uint8 codes -> shuffled training batches.

The order of the rows (pass permutation, resume, rc-augmentation coins) is
`order.pass_batches`, the NumPy function the backend-neutral stream
(`numpy_batches`) uses too: a seed gives the same batches on every backend.

Batches carry uint8 codes; one-hot encoding happens inside the model, so
the host never holds float one-hot arrays. Each pass is a fresh seeded
permutation, so a resumed run sees exactly the batches an uninterrupted run
would, and the global batch is the same whatever the number of replicas.
"""

from __future__ import annotations

import numpy as np

from madlab_dream.data import order
from madlab_dream.data.order import batches_per_pass  # noqa: F401  (API)
from madlab_dream.errors import InputError


def pass_order(n: int, seed: int, p, shuffle_buffer: int = 0):
  """int64 [n] tensor: `order.pass_order` of pass `p` (a tf scalar or int)."""
  # TensorFlow when called: `madlab_dream.data` (preprocessing) needs none.
  import tensorflow as tf
  out = tf.numpy_function(
      lambda q: order.pass_order(n, seed, int(q), shuffle_buffer),
      [tf.cast(p, tf.int64)], tf.int64, stateful=False)
  return tf.ensure_shape(out, [n])


def _replica_layout(batch_size: int, input_context):
  """(pipelines, this pipeline's id, replicas per pipeline, rows per
  replica) of a global batch; InputError when it does not divide."""
  pipelines, pipeline_id, replicas = 1, 0, 1
  if input_context is not None:
    pipelines = input_context.num_input_pipelines
    pipeline_id = input_context.input_pipeline_id
    replicas = input_context.num_replicas_in_sync // pipelines
  per_replica = batch_size // (pipelines * replicas)
  if per_replica * pipelines * replicas != batch_size:
    raise InputError(f"batch size {batch_size} is not divisible by the "
                     f"{pipelines * replicas} replicas")
  return pipelines, pipeline_id, replicas, per_replica


def _row_gatherer(codes: np.ndarray, targets: np.ndarray, rc_augment: bool):
  """index int64 [b] -> (codes uint8 [b, L], targets float32 [b, T]); with
  `rc_augment`, index n + i is row i reverse-complemented."""
  # TensorFlow imported when used: importing it starts its runtime (seconds).
  import tensorflow as tf
  n = len(codes)
  codes_t = tf.constant(np.asarray(codes))
  targets = np.asarray(targets, np.float32)
  targets_t = tf.constant(targets[:, None] if targets.ndim == 1 else targets)
  complement = tf.constant([3, 2, 1, 0, 4], tf.uint8)

  def gather(index):
    rows = index % n if rc_augment else index
    batch = tf.gather(codes_t, rows)
    if rc_augment:
      flipped = tf.reverse(tf.gather(complement, tf.cast(batch, tf.int32)),
                           [1])
      batch = tf.where((index >= n)[:, None], flipped, batch)
    return batch, tf.gather(targets_t, rows)

  return gather


def train_dataset(codes: np.ndarray, targets: np.ndarray, batch_size: int,
                  seed: int, start_step: int = 0, input_context=None,
                  shuffle_buffer: int = 0, rc_augment: bool = False):
  """Infinite stream of shuffled training batches (codes uint8, targets).

  Each pass over the data is a fresh order drawn from (seed, pass)
  (`pass_order`: a full permutation, or near file order with
  `shuffle_buffer`), cut into floor(n / batch_size) full batches (the
  n mod batch_size rows left over differ from pass to pass). The stream starts at global step `start_step`,
  so a resumed run sees exactly the batches an uninterrupted run would.

  With a `tf.distribute.InputContext`, each input pipeline yields its own
  slice of every global batch, split into per-replica batches, so the global
  batch is the same whatever the number of workers and replicas.

  rc_augment: each row of each pass is reverse-complemented with
  probability 0.5, a coin drawn from (seed, pass) per row, so resumed and
  distributed runs see the same sequences.

  Yields (codes uint8 [b, L], targets float32 [b, 1]; [b, T] for targets
  [n, T]).
  """
  # TensorFlow when called: `madlab_dream.data` (preprocessing) needs none.
  import tensorflow as tf

  n = len(codes)
  nb = order.check_batch(n, batch_size)
  pipelines, pipeline_id, replicas, per_replica = _replica_layout(
      batch_size, input_context)

  def one_pass(p):
    batches = tf.numpy_function(
        lambda q: order.pass_batches(n, batch_size, seed, int(q),
                                     shuffle_buffer, rc_augment),
        [p], tf.int64, stateful=False)
    return tf.data.Dataset.from_tensor_slices(
        tf.ensure_shape(batches, [nb, batch_size]))

  def local(index):  # this pipeline's replica batches of one global batch
    mine = tf.reshape(index, [pipelines, replicas, per_replica])[pipeline_id]
    return tf.data.Dataset.from_tensor_slices(mine)

  gather = _row_gatherer(codes, targets, rc_augment)
  start_pass, offset = divmod(int(start_step), nb)
  ds = tf.data.Dataset.counter(start_pass).flat_map(one_pass).skip(offset)
  if pipelines * replicas > 1:
    ds = ds.flat_map(local)
  ds = ds.map(gather, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
  options = tf.data.Options()
  options.experimental_distribute.auto_shard_policy = (
      tf.data.experimental.AutoShardPolicy.OFF)
  options.deterministic = True
  return ds.with_options(options).prefetch(tf.data.AUTOTUNE)
