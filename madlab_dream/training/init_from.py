"""Starting a run from another run's weights (--init_from) and keeping
blocks fixed (--freeze).

`copy_weights(model, source_run)` loads `<source_run>/model.keras` and
copies the weights of every layer of the same name and shapes. The output
head (`expression`, Dense) of another size, e.g. two targets fine-tuned
from MadLab's one, keeps its fresh initial weights and is said to; any
other layer whose shapes differ, or that one model has and the other not,
is refused (InputError naming the layers) before anything is trained.
The sequence length may differ: no weight depends on it.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import keras

from madlab_dream.errors import InputError

HEAD = "expression"
#: --freeze's block names -> the prefix of the layers they name.
FREEZE_PREFIXES = {"conv": "multi_scale_conv",
                   "transformer": "transformer_block_", "lstm": "bilstm"}


def source_model_path(run: str) -> str:
  """<run>/model.keras (or `run` itself, a .keras file)."""
  path = run if run.endswith(".keras") else os.path.join(run, "model.keras")
  if not os.path.isfile(path):
    raise InputError("--init_from needs a finished training run (no "
                     "model.keras)", run)
  return path


def _shapes(layer) -> list[tuple]:
  return [tuple(int(d) for d in w.shape) for w in layer.weights]


def copy_weights(model: keras.Model, run: str,
                 log: Callable[[str], None] = print) -> dict:
  """Copies `run`'s weights into `model`; returns {"copied", "reinitialised"}
  layer names (see the module docstring)."""
  path = source_model_path(run)
  try:
    source = keras.models.load_model(path, compile=False)
  except (OSError, ValueError, TypeError) as e:
    raise InputError(f"--init_from: cannot load the model ({e})",
                     path) from None
  theirs = {layer.name: layer for layer in source.layers if layer.weights}
  ours = {layer.name: layer for layer in model.layers if layer.weights}
  refused = [f"{name} (only in {run})" for name in theirs if name not in ours]
  refused += [f"{name} (not in {run})" for name in ours if name not in theirs]
  copied, reinitialised = [], []
  for name, layer in ours.items():
    if name not in theirs:
      continue
    mine, other = _shapes(layer), _shapes(theirs[name])
    if mine == other:
      copied.append(name)
    elif name == HEAD:
      reinitialised.append(name)
    else:
      refused.append(f"{name} ({other} there, {mine} here)")
  if refused:
    raise InputError("--init_from: layers of other shapes: "
                     f"{'; '.join(refused)}", run)
  for name in copied:
    ours[name].set_weights(theirs[name].get_weights())
  log(f"--init_from={run}: copied the weights of {len(copied)} layers"
      + (f"; re-initialised {', '.join(reinitialised)} (the output head: "
         f"{_shapes(theirs[HEAD])[0][1]} output(s) there, "
         f"{_shapes(ours[HEAD])[0][1]} here)" if reinitialised else ""))
  return {"from": os.path.abspath(run), "copied": copied,
          "reinitialised": reinitialised}


def freeze(model: keras.Model, blocks) -> list[str]:
  """Sets the layers of `blocks` (conv, transformer, lstm) non-trainable;
  returns their names."""
  names = []
  for layer in model.layers:
    if any(layer.name.startswith(FREEZE_PREFIXES[b]) for b in blocks):
      layer.trainable = False
      names.append(layer.name)
  return names
