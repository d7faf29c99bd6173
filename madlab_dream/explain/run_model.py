"""A training run's Keras model and the scale of its predictions.

Gradients need the Keras model (`<run>/model.keras`), not the SavedModel;
the target scaling (mean, sd) comes from the model's metadata beside it
(model.json, else the SavedModel's), so contributions are on the
expression scale, as `Predictor` predicts. The `.keras` file is loaded by
the package's one loader (`inference.loading.load_keras`: the package's
objects registered, Keras's safe mode on, damaged files refused).
"""

from __future__ import annotations

import dataclasses
import os

from madlab_dream.errors import InputError
from madlab_dream.inference import loading
from madlab_dream.inference import predictor
from madlab_dream.inference import run_files

MODEL_FILE = run_files.KERAS_FILE


@dataclasses.dataclass
class RunModel:
  """model: the Keras model (codes uint8 [batch, L] -> [batch, 1]);
  mean, sd: prediction = output x sd + mean; seq_len: L; path: the run
  directory (or the .keras file); scale: "expression" or "model output"
  (no metadata found: mean 0, sd 1); trusted_range: the explained
  target's trained range widened by one sd (None: not recorded); target:
  the explained target's name; targets: all the model's targets."""
  model: object
  mean: float
  sd: float
  seq_len: int
  path: str
  scale: str
  trusted_range: tuple[float, float] | None = None
  target: str = "expression"
  targets: tuple[str, ...] = ("expression",)


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


def _target_names(info: dict | None, outputs: int) -> list[str]:
  """The model's targets (the metadata's "targets"; ["expression"] for
  one)."""
  return list((info or {}).get("targets") or []) or (
      ["expression"] if outputs == 1 else [f"target_{i}"
                                           for i in range(outputs)])


def _target_column(names: list[str], target: str | None, path: str) -> int:
  """The output column of `target` (default the first) among `names`."""
  if target is None:
    return 0
  if target not in names:
    raise InputError(f"--target={target}: the model's targets are "
                     f"{', '.join(map(str, names))}", path)
  return names.index(target)


def _scale(info: dict | None, column: int, path: str):
  """(mean, sd, scale name) of output `column`."""
  if info is None:
    return 0.0, 1.0, "model output"
  try:
    mean, sd = info["mean"], info["sd"]
    if isinstance(mean, list):
      mean, sd = mean[column], sd[column]
    return float(mean), float(sd), "expression"
  except (KeyError, TypeError, ValueError, IndexError) as e:
    raise InputError(f"cannot read the target scaling: {e}", path) from None


def load(path: str, target: str | None = None) -> RunModel:
  """Loads `<run>/model.keras` (or a .keras file) and its scaling; for a
  model of several targets, the model of one output column (`target`, by
  name; default the first)."""
  keras_file = model_file(path)
  model = loading.load_keras(keras_file, compile=False)
  files = run_files.RunFiles(keras_file)
  info = files.metadata()
  names = _target_names(info, int(model.output_shape[-1]))
  column = _target_column(names, target, path)
  outputs = int(model.output_shape[-1])
  if outputs > 1:
    # Keras imported when used: importing it starts a framework.
    import keras
    selected = model.outputs[0][:, column:column + 1]  # [batch, 1]
    model = keras.Model(model.inputs[0], selected,
                        name=f"{model.name}_target_{column}")
  mean, sd, scale = _scale(info, column, path)
  return RunModel(model, mean, sd, int(model.input_shape[1]), path, scale,
                  _trusted(files, info, column), str(names[column]),
                  tuple(map(str, names)))


def _trusted(files: run_files.RunFiles, info: dict | None, column: int):
  """The trusted range of output `column` (`Predictor.trusted_range`'s
  rule), from the model's metadata or config.json beside the file."""
  trusted = predictor.trusted_range(predictor.read_trained_range(files, info))
  if isinstance(trusted, dict):
    names = list((info or {}).get("targets") or trusted)
    trusted = trusted.get(names[column]) if column < len(names) else None
  return trusted
