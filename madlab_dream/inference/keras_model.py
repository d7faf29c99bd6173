"""A trained model as a Keras model: a run directory's model.keras.

`load_model(path)` takes a training run directory (with model.keras) or a
`.keras` file and loads it with the package's layers, optimizers and
schedules registered (Keras's safe mode stays on), through the package's
one loader (`loading.load_keras`: damaged files and mixed metadata refused). Unlike the SavedModel
(`Predictor`), the Keras model can be trained further, inspected layer by
layer and differentiated; it takes uint8 codes [batch, L] and returns the
standardised prediction [batch, 1].
"""

from __future__ import annotations

import os

# What a model.keras may name, registered with Keras on import: the layers
# (taking one imports and registers them all), and the optimizer, learning-
# rate schedule and metric a run compiled it with.
import madlab_dream.layers.batch_loss  # noqa: F401
import madlab_dream.layers.keras2_rmsprop  # noqa: F401
import madlab_dream.layers.schedules  # noqa: F401
from madlab_dream.errors import InputError
from madlab_dream.inference import loading
from madlab_dream.inference import run_files
from madlab_dream.layers import OneHot  # noqa: F401

KERAS_FILE = run_files.KERAS_FILE


def keras_file(path: str | os.PathLike) -> str:
  """The .keras file of a run directory, or `path` itself."""
  files = run_files.RunFiles(path)
  if not files.has_keras:
    raise InputError(f"not a run directory or .keras file (no {KERAS_FILE})",
                     os.fspath(path))
  return files.keras_file


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
    InputError: no such file, not a loadable .keras archive (truncated,
      damaged), or metadata beside it that disagrees with it.
  """
  return loading.load_keras(path, compile=compile)
