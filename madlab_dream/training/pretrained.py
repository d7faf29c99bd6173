"""The pretrained starting point shipped with the package (--init_from=simulator).

`madlab_dream/pretrained/simulator.npz` holds the weights of MadLab's model
(the preset as described: 319,657 values, float32) trained only on rows of
the package's simulator (its default yeast grammar); `simulator.json`
beside it records the command, seed, rows, steps, time, CPU and the
simulated validation r that made it. `python -m madlab_dream.pretrain`
regenerates both.

It is a prior learned from a synthetic grammar (eight yeast binding sites
with position and orientation effects), not from measured data: it knows
what the grammar knows and nothing else.

The file maps layer names to their weights (`<layer>/<index>` keys, in the
order of `layer.weights`), so `init_from.copy_weights` treats it as it
treats a run's model.keras: every layer of the same name and shapes is
copied, an output head of another size is re-initialised.
"""

from __future__ import annotations

import json
import os

import numpy as np

from madlab_dream.errors import InputError

#: The --init_from value that names the shipped prior.
NAME = "simulator"
#: Where the shipped prior lives (package data, see setup.cfg).
DIRECTORY = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "pretrained")
WEIGHTS_FILE = "simulator.npz"
RECORD_FILE = "simulator.json"


def weights_path(directory: str | None = None) -> str:
  """<directory>/simulator.npz (default: the package's copy)."""
  return os.path.join(directory or DIRECTORY, WEIGHTS_FILE)


def record_path(directory: str | None = None) -> str:
  """<directory>/simulator.json (default: the package's copy)."""
  return os.path.join(directory or DIRECTORY, RECORD_FILE)


def layer_weights(model) -> dict[str, list[np.ndarray]]:
  """{layer name: its weights as NumPy arrays} for every layer with weights."""
  return {layer.name: [np.asarray(w) for w in layer.get_weights()]
          for layer in model.layers if layer.weights}


def save(model, record: dict, directory: str | None = None) -> tuple[str, str]:
  """Writes `model`'s weights (float32) and `record` (JSON) into
  `directory`; returns both paths. Each file is written to a temporary name
  first, then renamed into place."""
  os.makedirs(directory or DIRECTORY, exist_ok=True)
  arrays = {f"{name}/{i}": w.astype(np.float32)
            for name, weights in layer_weights(model).items()
            for i, w in enumerate(weights)}
  weights, rec = weights_path(directory), record_path(directory)
  with open(weights + ".part", "wb") as f:
    np.savez(f, **arrays)
  with open(rec + ".part", "w") as f:
    json.dump(record, f, indent=2, sort_keys=True)
    f.write("\n")
  os.replace(weights + ".part", weights)
  os.replace(rec + ".part", rec)
  return weights, rec


def load(directory: str | None = None) -> dict[str, list[np.ndarray]]:
  """{layer name: weights} of the prior in `directory`."""
  path = weights_path(directory)
  if not os.path.isfile(path):
    raise InputError("--init_from=simulator: the package has no pretrained "
                     "weights (python -m madlab_dream.pretrain writes them)",
                     path)
  try:
    with np.load(path) as data:
      flat = {key: data[key] for key in data.files}
  except (OSError, ValueError) as e:
    raise InputError(f"--init_from=simulator: cannot read the weights ({e})",
                     path) from None
  layers: dict[str, list[np.ndarray]] = {}
  for key in sorted(flat, key=lambda k: (k.rsplit("/", 1)[0],
                                         int(k.rsplit("/", 1)[1]))):
    layers.setdefault(key.rsplit("/", 1)[0], []).append(flat[key])
  return layers


def record(directory: str | None = None) -> dict:
  """The JSON record of how the prior in `directory` was made."""
  with open(record_path(directory)) as f:
    return json.load(f)
