"""What a training run needs before a framework starts.

`prepare(config, run_dir)` builds or reuses the cache (`data.preprocess`),
plans the steps (`step_plan.make_plan`) and reads the checkpoint state
(`state.RunState`), so that bad data, a run directory holding another run,
or a damaged checkpoint is an InputError before TensorFlow starts.
"""

from __future__ import annotations

import dataclasses
import os

from madlab_dream import data
from madlab_dream.config import RunConfig
from madlab_dream.training.state import RunState
from madlab_dream.training.step_plan import Plan
from madlab_dream.training.step_plan import make_plan


@dataclasses.dataclass(frozen=True)
class PreparedRun:
  """The cache, the planned steps and the checkpoint state of a run
  (`resumed`: an earlier session's state was loaded)."""
  cache: data.Cache
  plan: Plan
  state: RunState
  resumed: bool


def build_cache(config: RunConfig, cache_dir: str) -> data.Cache:
  """The run's rows, split and standardised as training reads them (a
  table or a DREAM file), cached in cache_dir."""
  settings = config.train
  if config.data.is_table:
    return data.preprocess_table(settings.train_data, cache_dir, config.data,
                                 val_path=settings.val_data,
                                 test_path=settings.test_data)
  return data.preprocess(settings.train_data, cache_dir, config.data)


def prepare(config: RunConfig, run_dir: str) -> PreparedRun:
  """The run's cache, plan and state (see the module docstring)."""
  settings = config.train
  cache = build_cache(config,
                      settings.cache_dir or os.path.join(run_dir, "cache"))
  plan = make_plan(config, len(cache.train_codes))
  state = RunState(run_dir, {**config.result_dict(),
                             "input": cache.meta["input"]["sha256"]})
  return PreparedRun(cache, plan, state, settings.resume and state.load())
