"""tf.distribute for Keras 3 training: strategies, worker roles, workarounds.

Strategies: default (one device), mirrored (all local GPUs), multi_worker
(MultiWorkerMirroredStrategy from TF_CONFIG), tpu. The global batch size is
the flag's value whatever the number of replicas (see data.train_dataset).

Two Keras 3 (3.13) problems under a multi-replica strategy are worked around
here, both covered by the two-process test in tests/test_train.py:
  * fit() builds its loss/metric state by pulling one real batch from the
    training iterator (never trained on, so the data stream shifts) and
    averaging it across replicas (fails for uint8 codes):
    `build_for_strategy` builds that state from shapes beforehand.
  * Under MultiWorkerMirroredStrategy, fit() reduces the scalar step logs
    with strategy.reduce("MEAN", v, axis=0), which fails for scalars:
    `patch_keras_log_reduction` reduces rank-0 values with axis=None.
"""

from __future__ import annotations

import json
import os

import numpy as np


def make_strategy(name: str, tpu: str | None = None):
  import tensorflow as tf
  if name == "default":
    return tf.distribute.get_strategy()
  if name == "mirrored":
    return tf.distribute.MirroredStrategy()
  if name == "multi_worker":
    patch_keras_log_reduction()
    return tf.distribute.MultiWorkerMirroredStrategy()
  if name == "tpu":
    resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=tpu)
    tf.config.experimental_connect_to_cluster(resolver)
    tf.tpu.experimental.initialize_tpu_system(resolver)
    return tf.distribute.TPUStrategy(resolver)
  raise ValueError(f"unknown strategy {name!r}")


def worker_role() -> tuple[bool, int]:
  """(is_chief, task index) from TF_CONFIG; (True, 0) without one."""
  config = json.loads(os.environ.get("TF_CONFIG", "{}") or "{}")
  task = config.get("task", {})
  kind, index = task.get("type", "chief"), int(task.get("index", 0))
  has_chief = "chief" in config.get("cluster", {})
  is_chief = kind == "chief" or (kind == "worker" and index == 0 and
                                 not has_chief)
  return is_chief, index


def build_for_strategy(model, strategy, seq_len: int) -> None:
  """Builds loss/metric/optimizer state before `fit` under a strategy."""
  sample = (np.zeros((2, seq_len), np.uint8), np.zeros((2, 1), np.float32))
  with strategy.scope():
    model._symbolic_build(data_batch=sample)
  model._maybe_symbolic_build = lambda iterator=None, data_batch=None: None


def patch_keras_log_reduction() -> None:
  """Makes Keras reduce scalar per-replica logs across workers correctly."""
  import tensorflow as tf
  from keras.src.backend.tensorflow import trainer
  if getattr(trainer.reduce_per_replica, "_madlab_patched", False):
    return
  original = trainer.reduce_per_replica

  def reduce_per_replica(values, strategy, reduction):
    if (reduction in ("auto", "mean") and
        trainer._collective_all_reduce_multi_worker(strategy)):
      def reduce(v):
        rank0 = all(t.shape.rank == 0
                    for t in strategy.experimental_local_results(v))
        return strategy.reduce("MEAN", v, axis=None if rank0 else 0)
      return tf.nest.map_structure(reduce, values)
    return original(values, strategy, reduction)

  reduce_per_replica._madlab_patched = True
  trainer.reduce_per_replica = reduce_per_replica
