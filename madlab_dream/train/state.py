"""Checkpoints and resume: what survives an interruption.

Files in <run_dir>/checkpoints/: state.json names the last completed epoch
and its weights/optimizer files (epoch-numbered, written before state.json,
so a kill at any moment leaves a consistent pair); best.weights.h5 holds the
best epoch so far. state.json also holds the run's result settings
(`RunConfig.result_dict`): a rerun resumes only with the same ones.
"""

from __future__ import annotations

import json
import math
import os
import shutil

import numpy as np

from madlab_dream.errors import InputError
from madlab_dream.io import files


class RunState:
  """Epochs done, the best epoch so far and the history of a run."""

  def __init__(self, run_dir: str, settings: dict):
    self.dir = os.path.join(run_dir, "checkpoints")
    self.path = os.path.join(self.dir, "state.json")
    self.settings = settings
    self.epochs_done = 0
    self.best_epoch = 0
    self.best_value = -math.inf
    self.history: list[dict] = []
    self.train_seconds = 0.0
    self.examples = 0

  @property
  def best_weights(self) -> str:
    return os.path.join(self.dir, "best.weights.h5")

  def weights_file(self, epoch: int) -> str:
    return os.path.join(self.dir, f"epoch-{epoch:04d}.weights.h5")

  def optimizer_file(self, epoch: int) -> str:
    return os.path.join(self.dir, f"epoch-{epoch:04d}.optimizer.npz")

  def load(self) -> bool:
    """Reads state.json; False if there is none. InputError if it differs."""
    if not os.path.exists(self.path):
      return False
    with open(self.path) as f:
      saved = json.load(f)
    if saved.get("settings") != self.settings:
      changed = _changed(saved.get("settings") or {}, self.settings)
      raise InputError(
          "holds an interrupted run with different settings "
          f"({', '.join(changed)}); use a new --model_dir, delete this one, "
          "or pass --noresume to start over", self.dir)
    self.epochs_done = saved["epochs_done"]
    self.best_epoch = saved["best_epoch"]
    self.best_value = saved["best_value"]
    if self.best_value is None:
      self.best_value = -math.inf
    self.history = saved["history"]
    self.train_seconds = saved["train_seconds"]
    self.examples = saved["examples"]
    return True

  def save(self, model) -> None:
    """Saves weights + optimizer of the last completed epoch, then state."""
    os.makedirs(self.dir, exist_ok=True)
    e = self.epochs_done
    with files.atomic_path(self.weights_file(e)) as tmp:
      model.save_weights(tmp)
    with files.atomic_path(self.optimizer_file(e)) as tmp:
      np.savez(tmp, *[np.asarray(v) for v in model.optimizer.variables])
    state = {"epochs_done": e, "best_epoch": self.best_epoch,
             "best_value": (None if self.best_value == -math.inf
                            else self.best_value),
             "history": self.history, "train_seconds": self.train_seconds,
             "examples": self.examples, "settings": self.settings}
    files.write_text(self.path, json.dumps(state, indent=1))
    for name in os.listdir(self.dir):  # older epochs are no longer needed
      if name.startswith("epoch-") and not name.startswith(f"epoch-{e:04d}."):
        path = os.path.join(self.dir, name)
        shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)

  def save_best(self, model) -> None:
    with files.atomic_path(self.best_weights) as tmp:
      model.save_weights(tmp)

  def restore(self, model) -> None:
    """Loads the last completed epoch's weights and optimizer state."""
    e = self.epochs_done
    model.load_weights(self.weights_file(e))
    model.optimizer.build(model.trainable_variables)
    with np.load(self.optimizer_file(e)) as saved:
      values = [saved[f"arr_{i}"] for i in range(len(saved.files))]
    variables = model.optimizer.variables
    if len(values) != len(variables):
      raise InputError("optimizer checkpoint does not match the model",
                       self.optimizer_file(e))
    for variable, value in zip(variables, values):
      variable.assign(value)


def _changed(old: dict, new: dict, prefix: str = "") -> list[str]:
  """Names of the settings that differ between two nested dicts."""
  out = []
  for key in sorted(set(old) | set(new)):
    a, b = old.get(key), new.get(key)
    if isinstance(a, dict) and isinstance(b, dict):
      out += _changed(a, b, f"{prefix}{key}.")
    elif a != b:
      out.append(f"{prefix}{key}" if not prefix else key)
  return out
