"""A training run's directory: the names of its files and the model forms
it holds.

A run directory holds the model in up to two forms:

  model.keras     the Keras model (any Keras 3 backend; gradients, further
                  training), with model.json beside it: the metadata the
                  SavedModel carries (sequence length, targets, target
                  scaling, trained range, best epoch, the run's config)
  saved_model/    the TensorFlow SavedModel (needs TensorFlow to load; its
                  metadata in saved_model/assets/madlab_dream.json)

and config.json (the run's settings and trained range), report.json,
flags.txt. A run trained without TensorFlow has model.keras and model.json
only. `RunFiles(path)` takes a run directory, its saved_model/ directory or
a .keras file; every command finds a run's files through it (and loads the
model through `inference.loading`).
"""

from __future__ import annotations

import json
import os

from madlab_dream.config import CONFIG_FILE
from madlab_dream.errors import InputError

KERAS_FILE = "model.keras"
#: The model's metadata beside model.keras.
METADATA_FILE = "model.json"
SAVED_MODEL_DIR = "saved_model"
#: The same metadata inside the SavedModel.
SAVED_MODEL_METADATA = os.path.join("assets", "madlab_dream.json")
REPORT_FILE = "report.json"
FLAGS_FILE = "flags.txt"


class RunFiles:
  """The files of one run (see the module docstring).

  Attributes:
    path: what the caller named.
    run_dir: the directory the files are in.
    keras_file, metadata_file, saved_model, config_file: their paths
      (whether they exist or not).
  """

  def __init__(self, path: "str | os.PathLike | RunFiles"):
    if isinstance(path, RunFiles):
      path = path.path
    path = os.fspath(path)
    self.path = path
    if not os.path.exists(path):
      raise InputError("no such run directory, SavedModel or .keras file",
                       path)
    if os.path.isfile(path):
      if not path.endswith(".keras"):
        raise InputError("expected a run directory, a SavedModel directory "
                         "or a .keras file", path)
      self.run_dir = os.path.dirname(os.path.abspath(path))
      self.keras_file = path
      self.saved_model = os.path.join(self.run_dir, SAVED_MODEL_DIR)
    elif ((os.path.exists(os.path.join(path, "saved_model.pb")) or
           os.path.basename(os.path.normpath(path)) == SAVED_MODEL_DIR) and
          not os.path.isdir(os.path.join(path, SAVED_MODEL_DIR))):
      # A SavedModel, or a run's saved_model/ folder (even one without its
      # graph): its run is the folder above.
      self.saved_model = path
      self.run_dir = os.path.dirname(os.path.abspath(path))
      self.keras_file = os.path.join(self.run_dir, KERAS_FILE)
    else:
      self.run_dir = path
      self.keras_file = os.path.join(path, KERAS_FILE)
      self.saved_model = os.path.join(path, SAVED_MODEL_DIR)
    self.metadata_file = os.path.join(os.path.dirname(
        os.path.abspath(self.keras_file)), METADATA_FILE)
    self.config_file = os.path.join(self.run_dir, CONFIG_FILE)

  @property
  def has_keras(self) -> bool:
    return os.path.isfile(self.keras_file)

  @property
  def has_saved_model(self) -> bool:
    return os.path.isfile(os.path.join(self.saved_model, "saved_model.pb"))

  @property
  def saved_model_metadata(self) -> str:
    return os.path.join(self.saved_model, SAVED_MODEL_METADATA)

  def forms(self) -> list[str]:
    """The model forms present: "keras" and/or "saved_model"."""
    return [name for name, there in (("keras", self.has_keras),
                                     ("saved_model", self.has_saved_model))
            if there]

  def require_any(self) -> None:
    """InputError when the path holds no model in either form."""
    if not self.forms():
      raise InputError(f"not a model: no {KERAS_FILE} and no "
                       f"{SAVED_MODEL_DIR}/saved_model.pb", self.path)

  def metadata_path(self, prefer_saved_model: bool = False) -> str | None:
    """The metadata file to read: model.json beside model.keras, else the
    SavedModel's (the other order with `prefer_saved_model`); None if
    neither exists."""
    paths = [self.metadata_file, self.saved_model_metadata]
    if prefer_saved_model:
      paths.reverse()
    return next((p for p in paths if os.path.isfile(p)), None)

  def metadata(self, prefer_saved_model: bool = False) -> dict | None:
    """The model's metadata (see `metadata_path`); InputError naming the
    file when it is not a JSON object."""
    path = self.metadata_path(prefer_saved_model)
    return None if path is None else read_json(path, "the model's metadata")

  def config_json(self) -> dict | None:
    """config.json's content, or None without one."""
    if not os.path.isfile(self.config_file):
      return None
    return read_json(self.config_file, "the run's settings")

  def check_model(self, seq_len: int | None, outputs: int,
                  prefer_saved_model: bool = False) -> None:
    """Refuses metadata (model.json, the SavedModel's, config.json) whose L
    or number of targets differs from the model's own (`seq_len`,
    `outputs`): the files of two runs mixed by hand."""
    _check_model(self, seq_len, outputs, prefer_saved_model)

  def inputs(self, form: str) -> list[str]:
    """The files a command reads to use the model in `form` (outputs may be
    none of them)."""
    main = self.keras_file if form == "keras" else self.saved_model
    beside = [self.metadata_file, self.config_file]
    return [main, *[p for p in beside if os.path.exists(p)]]


def read_json(path: str, what: str) -> dict:
  """A JSON object from `path`; InputError naming the file otherwise."""
  try:
    with open(path) as f:
      value = json.load(f)
  except (OSError, ValueError) as e:
    raise InputError(f"cannot read {what}: {e}", path) from None
  if not isinstance(value, dict):
    raise InputError(f"cannot read {what}: not a JSON object", path)
  return value


def _said(info: dict | None) -> tuple:
  """(L, number of targets) a metadata or config.json dict says."""
  if not info:
    return None, None
  seq_len = info.get("seq_len")
  if seq_len is None and isinstance(info.get("model"), dict):
    seq_len = info["model"].get("seq_len")
  targets = info.get("targets")
  return seq_len, (len(targets) if isinstance(targets, list) else None)


def _check_model(files: "RunFiles", seq_len: int | None, outputs: int,
                 prefer_saved_model: bool = False) -> None:
  """Refuses metadata (model.json, the SavedModel's, config.json) whose L
  or number of targets differs from the model's own."""
  sources = [files.metadata_path(prefer_saved_model), files.config_file]
  for path in sources:
    if path is None or not os.path.isfile(path):
      continue
    info = (files.config_json() if path == files.config_file else
            files.metadata(prefer_saved_model))
    said_len, said_targets = _said(info)
    if seq_len is not None and said_len is not None and said_len != seq_len:
      raise InputError(f"says L = {said_len} but the model takes L = "
                       f"{seq_len}: files of different runs mixed", path)
    if said_targets is not None and said_targets != outputs and not (
        said_targets == 1 and outputs == 1):
      raise InputError(f"names {said_targets} target(s) but the model has "
                       f"{outputs} output(s): files of different runs mixed",
                       path)
