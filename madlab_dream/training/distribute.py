"""tf.distribute for Keras 3 training: strategies and worker roles.

Strategies: default (one device), mirrored (all local GPUs), multi_worker
(MultiWorkerMirroredStrategy from TF_CONFIG), tpu. The global batch size is
the configured one whatever the number of replicas (`data.train_dataset`
splits it). The Keras workarounds these need live in `madlab_dream.compat`.
"""

from __future__ import annotations

import json
import os

from madlab_dream import compat
from madlab_dream.errors import InputError


def check_environment(name: str) -> None:
  """InputError when the strategy's environment is missing (before work)."""
  if name == "multi_worker" and "TF_CONFIG" not in os.environ:
    raise InputError("--strategy=multi_worker needs the TF_CONFIG environment "
                     "variable (cluster and task)")


def make_strategy(name: str, tpu: str | None = None):
  """The tf.distribute strategy `name` (called by `compat.tensorflow`'s
  `before_init`, before the runtime starts)."""
  import tensorflow as tf  # imported quietly by compat.tensorflow by now
  if name == "default":
    return tf.distribute.get_strategy()
  if name == "mirrored":
    return tf.distribute.MirroredStrategy()
  if name == "multi_worker":
    compat.patch_keras_log_reduction()
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
