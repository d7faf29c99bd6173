"""A training run's Keras model and the scale of its predictions.

Gradients need the Keras model (`<run>/model.keras`), not the SavedModel;
the target scaling (mean, sd) comes from the SavedModel's metadata beside
it (`saved_model/assets/madlab_dream.json`), so contributions are on the
expression scale, as `Predictor` predicts. The `.keras` file is loaded by
`inference.keras_model.load_model` (the package's objects registered,
Keras's safe mode on).
"""

from __future__ import annotations

import dataclasses
import json
import os

from madlab_dream.errors import InputError

MODEL_FILE = "model.keras"
METADATA = os.path.join("saved_model", "assets", "madlab_dream.json")


@dataclasses.dataclass
class RunModel:
  """model: the Keras model (codes uint8 [batch, L] -> [batch, 1]);
  mean, sd: prediction = output x sd + mean; seq_len: L; path: the run
  directory (or the .keras file); scale: "expression" or "model output"
  (no metadata found: mean 0, sd 1)."""
  model: object
  mean: float
  sd: float
  seq_len: int
  path: str
  scale: str


def model_file(path: str) -> str:
  """The `.keras` file of a run directory (or `path` itself)."""
  candidate = path
  if os.path.isdir(path):
    candidate = os.path.join(path, MODEL_FILE)
    if not os.path.exists(candidate):
      raise InputError(f"no {MODEL_FILE} in the run directory (gradients "
                       "need the Keras model; a SavedModel alone is not "
                       "enough)", path)
  elif not os.path.exists(path):
    raise InputError("no such run directory or .keras file", path)
  elif not path.endswith(".keras"):
    raise InputError("expected a run directory or a .keras file", path)
  return candidate


def _scale(directory: str) -> tuple[float, float, str]:
  meta = os.path.join(directory, METADATA)
  if not os.path.exists(meta):
    return 0.0, 1.0, "model output"
  try:
    with open(meta) as f:
      info = json.load(f)
    return float(info["mean"]), float(info["sd"]), "expression"
  except (OSError, ValueError, KeyError, TypeError) as e:
    raise InputError(f"cannot read the target scaling: {e}", meta) from None


def load(path: str) -> RunModel:
  """Loads `<run>/model.keras` (or a .keras file) and its scaling."""
  keras_file = model_file(path)
  from madlab_dream.inference import keras_model
  model = keras_model.load_model(keras_file, compile=False)
  mean, sd, scale = _scale(os.path.dirname(os.path.abspath(keras_file)))
  return RunModel(model, mean, sd, int(model.input_shape[1]), path, scale)
