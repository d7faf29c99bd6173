"""One training run, from a `RunConfig` to exported weights and a report.

Steps: check the paths -> lock the run directory -> `preparation.prepare`:
cache (`data.preprocess`), planned steps, checkpoint state -> start
Keras quietly with the run's devices (`devices.make`: a tf.distribute
strategy on TensorFlow, keras.distribution on JAX) ->
`training_run.TrainingRun`: model (`model.build_model`) -> fit with exact
validation Pearson at each epoch end, keeping the best epoch -> report,
plots, exports. `run(config)` returns a `RunResult` whose status is the
command's exit status:

  0 done; 3 training diverged (the best epoch so far is still exported);
  130/143 interrupted by SIGINT/SIGTERM (rerun the same command to resume).

Bad input raises `InputError` before any work is done. `madlab_dream.train`
is the same run from settings, for notebooks and scripts.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import time

from madlab_dream import compat
from madlab_dream.config import RunConfig
from madlab_dream.errors import InputError
from madlab_dream.io import files
from madlab_dream.training import devices
from madlab_dream.training import distribute
from madlab_dream.training.lock import LOCK_FILE
from madlab_dream.training.lock import RunLock
from madlab_dream.training.preparation import prepare

DATA_HELP = (
    "the challenge data are not downloaded at run time: get "
    "train_sequences.txt from Zenodo record 10633252 "
    "(https://zenodo.org/records/10633252; also GEO GSE254493) and put it at "
    "data/train_sequences.txt, or pass --train_data=PATH")


@dataclasses.dataclass(frozen=True)
class RunResult:
  """What a training run left.

  status: the exit status (see the module docstring).
  run_dir: the directory it wrote (a worker's own one for a non-chief).
  report: report.json's content, or None when nothing was exported.
  """
  status: int
  run_dir: str
  report: dict | None = None


def check_paths(config: RunConfig) -> None:
  """Missing data, an unusable run directory, a strategy without its
  environment: InputError before any work."""
  settings = config.train
  if not settings.train_data:
    raise InputError(f"--train_data is required; {DATA_HELP}")
  if not os.path.exists(settings.train_data):
    raise InputError(f"no such file; {DATA_HELP}", settings.train_data)
  files.check_readable(settings.train_data)
  if not settings.model_dir:
    raise InputError("--model_dir is required")
  distribute.check_environment(settings.strategy)
  devices.check_environment(settings.strategy)
  files.check_writable_dir(settings.model_dir)


def remove_if_empty(run_dir: str) -> None:
  """Removes `run_dir` if it holds nothing but the lock and empty folders
  (what this run made before it was refused; the lock is ours)."""
  for root, _, names in os.walk(run_dir):
    if any(name != LOCK_FILE or root != run_dir for name in names):
      return
  shutil.rmtree(run_dir, ignore_errors=True)


def run(config: RunConfig) -> RunResult:
  """Trains, selects, reports and exports (see the module docstring)."""
  wall0 = time.perf_counter()
  settings = config.train
  fresh = bool(settings.model_dir) and not os.path.exists(settings.model_dir)
  check_paths(config)
  is_chief, task_index = distribute.worker_role()
  run_dir = settings.model_dir
  if not is_chief:  # non-chief workers write only to their own scratch space
    run_dir = os.path.join(settings.model_dir, "workers",
                           f"worker-{task_index}")
    files.check_writable_dir(run_dir)
  with RunLock(run_dir):
    try:
      prepared = prepare(config, run_dir)
    except InputError:  # refused before training: no empty run dir left
      if fresh and run_dir == settings.model_dir:
        remove_if_empty(run_dir)
      raise
    strategy = devices.make(settings.strategy, settings.tpu)
    # Keras (and TensorFlow on its backend): imported once devices.make has
    # started them quietly (and after the steps above, which need neither).
    from madlab_dream.training.training_run import TrainingRun
    keras = compat.keras()
    policy = keras.mixed_precision.global_policy()
    try:
      with devices.active(strategy):
        outcome = TrainingRun(config, strategy, run_dir, is_chief, wall0,
                              prepared).execute()
    finally:  # a notebook's next model is built under the policy it had
      keras.mixed_precision.set_global_policy(policy)
  return RunResult(outcome.status, run_dir, outcome.report)

