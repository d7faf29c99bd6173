"""One training run, from a `RunConfig` to exported weights and a report.

Steps: check the paths and settings (`run_checks`) -> lock the run directory -> `preparation.prepare`:
cache (`data.preprocess`), planned steps, checkpoint state -> start
Keras quietly with the run's devices (`devices.make`: a tf.distribute
strategy on TensorFlow, keras.distribution on JAX) ->
`training_run.TrainingRun`: model (`model.build_model`) -> fit with exact
validation Pearson at each epoch end, keeping the best epoch -> report,
plots, exports. `run(config)` returns a `RunResult` whose status is the
command's exit status:

  0 done; 3 training diverged (the best epoch so far is still exported);
  130/143 interrupted by SIGINT/SIGTERM (rerun the same command to resume).

Bad input raises `InputError` before any work is done. `train(...)`
(`madlab_dream.train`) is the same run from settings, for notebooks and
scripts: the configs are built with `dataclasses.replace`
(`RunConfig.with_settings`), not through the command line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import os
import shutil
import time
from typing import Any

from madlab_dream import compat
from madlab_dream.config import RunConfig
from madlab_dream.config import setting_names
from madlab_dream.data import table_cache
from madlab_dream.errors import InputError
from madlab_dream.io import files
from madlab_dream.io import output_dirs
from madlab_dream.training import devices
from madlab_dream.training import distribute
from madlab_dream.training.flagfile import read_flagfile
from madlab_dream.training.lock import LOCK_FILE
from madlab_dream.training.lock import RunLock
from madlab_dream.training.preparation import prepare
from madlab_dream.training.run_checks import check_paths


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


def undo_refused(run_dir: str, fresh: bool, made: list[str]) -> None:
  """What a run refused before training leaves: nothing it made. A new
  run directory is removed whole (all in it is the run's); in an existing
  one, the files in `made` (its lock, its manifest) if this run made them."""
  if fresh:
    shutil.rmtree(run_dir, ignore_errors=True)
    return
  for path in made:
    with contextlib.suppress(OSError):
      os.remove(path)


def run(config: RunConfig) -> RunResult:
  """Trains, selects, reports and exports (see the module docstring)."""
  wall0 = time.perf_counter()
  settings = config.train
  fresh = check_paths(config)
  files.check_writable_dir(settings.model_dir)
  made = [os.path.join(settings.model_dir, name)
          for name in (LOCK_FILE, output_dirs.MANIFEST)
          if not os.path.lexists(os.path.join(settings.model_dir, name))]
  output_dirs.mark_run_dir(settings.model_dir)
  is_chief, task_index = distribute.worker_role()
  run_dir = settings.model_dir
  if not is_chief:  # non-chief workers write only to their own scratch space
    run_dir = os.path.join(settings.model_dir, "workers",
                           f"worker-{task_index}")
    files.check_writable_dir(run_dir)
  with RunLock(run_dir):
    try:
      prepared = prepare(config, run_dir)
    except InputError:  # refused before training: nothing of it is left
      if run_dir == settings.model_dir:
        undo_refused(run_dir, fresh, made)
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


def train(config: RunConfig | None = None, /, *, flagfile: str | None = None,
          **settings: Any) -> RunResult:
  """A training run from settings, as `python -m madlab_dream.train` runs it.

  Args:
    config: a `RunConfig` to start from (default: MadLab's preset).
    flagfile: an experiment's flagfile (`experiments/small_data.flags`),
      whose settings apply first.
    **settings: any setting of the run by its flag's name (`epochs=2`,
      `conv_kernels=[15, 20]`, `resume=False`, `seq_len="auto"`), applied
      last; the signature lists them all with their defaults.

  Returns:
    The `RunResult`: exit status, run directory and report.

  Raises:
    InputError: a bad setting, or input that the command would refuse.
    TypeError: a name that is no setting.

  Example:
    result = madlab_dream.train(flagfile="experiments/small_data.flags",
                                train_data="data/train_sequences.txt",
                                model_dir="runs/notebook", epochs=2)
    result.report["validation"]["pearson"]
  """
  return run(run_config_of(config, flagfile=flagfile, **settings))


def run_config_of(config: RunConfig | None = None, /, *,
                  flagfile: str | None = None, **settings: Any) -> RunConfig:
  """The RunConfig of `train`'s arguments: `config` with the flagfile's
  settings, then `settings` (`RunConfig.with_settings`)."""
  values = {**(read_flagfile(flagfile) if flagfile else {}), **settings}
  config = config if config is not None else RunConfig()
  if str(values.get("seq_len", "")).strip().lower() == "auto":
    data = config.with_settings(**{**values, "seq_len": 1}).data
    paths = [values[name] for name in ("train_data", "val_data", "test_data")
             if values.get(name)]
    values["seq_len"] = table_cache.auto_seq_len(data, paths)
  return config.with_settings(**values)


def _signature() -> inspect.Signature:
  """`train`'s signature, with every setting a keyword and its default."""
  defaults: dict[str, dataclasses.Field] = {}
  for config_class in RunConfig.parts().values():
    for field in dataclasses.fields(config_class):
      defaults.setdefault(field.name, field)
  keyword = inspect.Parameter.KEYWORD_ONLY
  return inspect.Signature(
      [inspect.Parameter("config", inspect.Parameter.POSITIONAL_ONLY,
                         default=None, annotation="RunConfig | None"),
       inspect.Parameter("flagfile", keyword, default=None,
                         annotation="str | None"),
       *[inspect.Parameter(name, keyword, default=defaults[name].default,
                           annotation=defaults[name].type)
         for name in setting_names()]],
      return_annotation="RunResult")


train.__signature__ = _signature()
