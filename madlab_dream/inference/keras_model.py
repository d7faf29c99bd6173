"""A trained model as a Keras model: a run directory's model.keras.

`load_model(path)` takes a training run directory (with model.keras) or a
`.keras` file and loads it with the package's layers, optimizers and
schedules registered (Keras's safe mode stays on). Unlike the SavedModel
(`Predictor`), the Keras model can be trained further, inspected layer by
layer and differentiated; it takes uint8 codes [batch, L] and returns the
standardised prediction [batch, 1].
"""

from __future__ import annotations

import os
import zipfile

import keras

# What a model.keras may name, registered with Keras on import: the layers
# (taking one imports and registers them all), and the optimizer, learning-
# rate schedule and metric a run compiled it with.
import madlab_dream.layers.batch_loss  # noqa: F401
import madlab_dream.layers.keras2_rmsprop  # noqa: F401
import madlab_dream.layers.schedules  # noqa: F401
from madlab_dream.config import CONFIG_FILE
from madlab_dream.config import RunConfig
from madlab_dream.errors import InputError
from madlab_dream.layers import OneHot  # noqa: F401

KERAS_FILE = "model.keras"


def keras_file(path: str | os.PathLike) -> str:
  """The .keras file of a run directory, or `path` itself."""
  path = os.fspath(path)
  if os.path.isdir(path):
    path = os.path.join(path, KERAS_FILE)
  if not os.path.isfile(path):
    raise InputError(f"not a run directory or .keras file (no {KERAS_FILE})",
                     os.fspath(path))
  return path


def load_model(path: str | os.PathLike, compile: bool = True):
  """The Keras model of a run directory or a .keras file.

  Args:
    path: a training run directory (its model.keras) or a .keras file.
    compile: also restore the optimizer and loss (as `keras.models
      .load_model` does), so that training can continue.

  Returns:
    The `keras.Model`: codes uint8 [batch, L] -> standardised predictions
    float [batch, 1] (`Cache.to_expression` gives the expression scale).

  Raises:
    InputError: no such file, or not a loadable .keras archive.
  """
  path = keras_file(path)
  try:
    model = keras.models.load_model(path, compile=compile, safe_mode=True)
  except (OSError, ValueError, KeyError, TypeError,
          zipfile.BadZipFile) as e:
    reason = (str(e).strip() or type(e).__name__).splitlines()[0]
    raise InputError(f"cannot load the Keras model ({reason})", path) from None
  check_against_run(model, path)
  return model


def check_against_run(model, path: str) -> None:
  """Refuses a model.keras whose L differs from its run's config.json (the
  files of two runs mixed in one directory)."""
  config_path = os.path.join(os.path.dirname(os.path.abspath(path)),
                             CONFIG_FILE)
  if not os.path.exists(config_path):
    return
  try:
    with open(config_path) as f:
      config = RunConfig.from_json(f.read())
  except (OSError, ValueError, KeyError, TypeError) as e:
    raise InputError(f"cannot read the run's settings: {e}",
                     config_path) from None
  length = model.inputs[0].shape[1] if model.inputs else None
  if length is not None and length != config.model.seq_len:
    raise InputError(f"takes L = {length} but the run's config.json says L "
                     f"= {config.model.seq_len}: model.keras and config.json "
                     "come from different runs", path)
