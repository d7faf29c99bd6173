"""Checkpoints and resume: what survives an interruption.

Files in <run_dir>/checkpoints/: state.json names the last completed epoch;
its weights file (epoch-numbered, written before state.json, so a kill at
any moment leaves a consistent pair) holds the model's and the optimizer's
variables, so the optimizer's step count and the learning-rate schedule
continue where they were; best.weights.h5 holds the best epoch so far.
state.json also holds the run's result settings (`RunConfig.result_dict`)
and the training file's SHA-256: a rerun resumes only with the same ones. A damaged checkpoint file is an InputError (one
line, exit 2) that says how to start over.
"""

from __future__ import annotations

import json
import math
import os
import shutil

import h5py
import numpy as np

from madlab_dream.config import ConfigError
from madlab_dream.config import DataConfig
from madlab_dream.config import ModelConfig
from madlab_dream.config import TrainConfig
from madlab_dream.errors import InputError
from madlab_dream.io import files

START_OVER = ("use a new --model_dir, delete this one, or pass --noresume to "
              "start over")


class RunState:
  """Epochs and steps done, the best epoch so far and the history of a run.

  stopped: why an earlier session stopped for good ("completed", "max_steps
  ...", "early stopping ...", "time budget ..."), or None while it may go on.
  """

  def __init__(self, run_dir: str, settings: dict):
    self.dir = os.path.join(run_dir, "checkpoints")
    self.path = os.path.join(self.dir, "state.json")
    self.settings = settings
    self.epochs_done = 0
    self.steps_done = 0
    self.best_epoch = 0
    self.best_value = -math.inf
    self.history: list[dict] = []
    self.train_seconds = 0.0   # optimizer steps only (throughput)
    self.fit_seconds = 0.0     # fit wall time, validation included (budget)
    self.examples = 0
    self.stopped: str | None = None

  @property
  def best_weights(self) -> str:
    return os.path.join(self.dir, "best.weights.h5")

  def weights_file(self, epoch: int) -> str:
    return os.path.join(self.dir, f"epoch-{epoch:04d}.weights.h5")

  def _damaged(self, path: str, error: Exception) -> InputError:
    problem = " ".join(str(error).split())[:160]
    return InputError(f"damaged checkpoint ({type(error).__name__}: "
                      f"{problem}); {START_OVER}", path)

  def load(self) -> bool:
    """Reads state.json; False if there is none.

    Raises InputError if it is damaged or records other settings or data.
    """
    if not os.path.exists(self.path):
      return False
    try:
      with open(self.path) as f:
        saved = json.load(f)
      settings = saved["settings"]
      values = (saved["epochs_done"], saved["steps_done"], saved["best_epoch"],
                saved["best_value"], saved["history"], saved["train_seconds"],
                saved["fit_seconds"], saved["examples"], saved["stopped"])
    except (OSError, ValueError, KeyError, TypeError) as e:
      raise self._damaged(self.path, e) from None
    settings = _with_current_names(settings)
    if settings.get("input") != self.settings.get("input"):
      raise InputError(
          "holds an interrupted run on other data: the training file's "
          f"contents changed (SHA-256 {str(settings.get('input'))[:12]}... "
          f"then, {str(self.settings.get('input'))[:12]}... now); "
          + START_OVER, self.dir)
    if settings != self.settings:
      changed = _changed(settings, self.settings)
      raise InputError(
          "holds an interrupted run with different settings "
          f"({', '.join(changed)}); " + START_OVER, self.dir)
    (self.epochs_done, self.steps_done, self.best_epoch, best, self.history,
     self.train_seconds, self.fit_seconds, self.examples,
     self.stopped) = values
    self.best_value = -math.inf if best is None else best
    self._check_weights_files()
    return True

  def _check_weights_files(self) -> None:
    """Opens the checkpoint's weight files now, so damage shows before work."""
    paths = [self.weights_file(self.epochs_done)] if self.epochs_done else []
    if self.best_epoch:
      paths.append(self.best_weights)
    for path in paths:
      try:
        with h5py.File(path, "r") as f:
          f.visit(lambda name: None)
      except (OSError, ValueError, KeyError, RuntimeError) as e:
        raise self._damaged(path, e) from None

  def save(self, model) -> None:
    """Saves the model and optimizer of the last completed epoch, then state."""
    os.makedirs(self.dir, exist_ok=True)
    e = self.epochs_done
    files.check_free_space(self.dir, weights_bytes(model, optimizer=True),
                           f"the checkpoint of epoch {e}")
    with files.atomic_path(self.weights_file(e)) as tmp:
      model.save_weights(tmp)  # the compiled model's optimizer too
    self.save_state()
    for name in os.listdir(self.dir):  # older epochs are no longer needed
      if name.startswith("epoch-") and not name.startswith(f"epoch-{e:04d}."):
        path = os.path.join(self.dir, name)
        shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)

  def save_state(self) -> None:
    state = {"epochs_done": self.epochs_done, "steps_done": self.steps_done,
             "best_epoch": self.best_epoch,
             "best_value": (None if self.best_value == -math.inf
                            else self.best_value),
             "history": self.history, "train_seconds": self.train_seconds,
             "fit_seconds": self.fit_seconds, "examples": self.examples,
             "stopped": self.stopped,
             "settings": self.settings}
    files.write_text(self.path, json.dumps(state, indent=1))

  def save_best(self, model) -> None:
    files.check_free_space(self.dir, weights_bytes(model, optimizer=True),
                           "the best epoch's weights")
    with files.atomic_path(self.best_weights) as tmp:
      model.save_weights(tmp)

  def load_best(self, model) -> None:
    model.optimizer.build(model.trainable_variables)
    self._load(model, self.best_weights)

  def restore(self, model) -> None:
    """Loads the last completed epoch's model and optimizer variables."""
    model.optimizer.build(model.trainable_variables)
    self._load(model, self.weights_file(self.epochs_done))
    steps = int(np.asarray(model.optimizer.iterations))
    if steps != self.steps_done:
      raise self._damaged(self.weights_file(self.epochs_done), ValueError(
          f"the optimizer has made {steps:,} steps, state.json says "
          f"{self.steps_done:,}"))

  def _load(self, model, path: str) -> None:
    try:
      model.load_weights(path)
    except (OSError, ValueError, KeyError) as e:
      raise self._damaged(path, e) from None


def _with_current_names(settings: dict) -> dict:
  """`settings` as the current configs write them: model settings under the
  names ModelConfig uses (a state.json of 0.2.0 has `num_relative_features`,
  ...), and settings added since, absent from an older state.json, at their
  defaults (which behave as the older code did)."""
  out = dict(settings)
  for section, config_class in (("data", DataConfig), ("model", ModelConfig),
                                ("train", TrainConfig)):
    values = settings.get(section)
    if not isinstance(values, dict):
      continue
    try:
      current = config_class.from_dict(values).to_dict()
    except (ConfigError, TypeError, ValueError):
      continue  # compared as saved: the difference is reported
    out[section] = {k: current[k] for k in current
                    if section != "train" or k in TrainConfig.result_fields()}
  return out


def _changed(old: dict, new: dict) -> list[str]:
  """Names of the settings that differ between two nested dicts."""
  out = []
  for key in sorted(set(old) | set(new)):
    a, b = old.get(key), new.get(key)
    if isinstance(a, dict) and isinstance(b, dict):
      out += _changed(a, b)
    elif a != b:
      out.append(key)
  return out


#: What an HDF5 weights file adds to the variables' bytes: per file and
#: per variable (names, layout), generously (measured: 92 KB for 40).
FILE_OVERHEAD_BYTES = 256 << 10
VARIABLE_OVERHEAD_BYTES = 4096
#: A SavedModel's graph (measured: 0.6 MB with one transformer block).
GRAPH_BYTES = 2 << 20


def weights_bytes(model, optimizer: bool = False) -> int:
  """About the bytes a file of `model`'s weights (and its optimizer's
  variables) takes: checked against the free space before writing, so a
  full disk is refused before a write can fail half-way."""
  variables = list(model.weights)
  if optimizer and getattr(model, "optimizer", None) is not None:
    variables += list(model.optimizer.variables)
  total = 0
  for v in variables:
    count = 1
    for dim in v.shape:
      count *= int(dim)
    total += count * _itemsize(v.dtype)
  return (int(total * 1.1) + VARIABLE_OVERHEAD_BYTES * len(variables) +
          FILE_OVERHEAD_BYTES)


def _itemsize(dtype) -> int:
  try:
    return np.dtype(str(dtype)).itemsize
  except TypeError:
    return 8
