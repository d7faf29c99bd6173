"""The one way a command loads a trained model, in either form.

`open_form(path)` gives a loaded model that predicts standardised outputs
on codes: `KerasForm` (model.keras + model.json, any Keras backend) or
`SavedModelForm` (saved_model/, TensorFlow). On Keras's TensorFlow backend
a run's SavedModel is used when it has one; elsewhere its model.keras.
What is missing for what is one InputError line (a SavedModel alone needs
TensorFlow), and so is a damaged file (truncated archive or weights), each
naming the file. The metadata is checked against the weights: the sequence
length and the number of outputs come from the model itself, and a
model.json, config.json or SavedModel metadata saying otherwise (files of
two runs mixed by hand) is refused.

`load_keras(path)` is the Keras model itself (gradients, further
training), for `inference.keras_model.load_model` and explanations.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import zipfile

import numpy as np

from madlab_dream import compat
from madlab_dream.errors import InputError
from madlab_dream.inference.run_files import RunFiles
from madlab_dream.inference.saved_model_form import SavedModelForm


def tensorflow_usable() -> bool:
  """Whether this process can load a SavedModel (TensorFlow importable and
  Keras, if started, on any backend)."""
  if "tensorflow" in sys.modules:
    return sys.modules["tensorflow"] is not None
  return importlib.util.find_spec("tensorflow") is not None


def _keras_backend() -> str:
  return compat.keras().backend.backend()


def chosen_form(files: RunFiles) -> str:
  """"saved_model" or "keras": what `open_form` loads for these files;
  InputError when neither form can be loaded here."""
  files.require_any()
  on_tensorflow = _keras_backend() == "tensorflow"
  if files.has_saved_model and (on_tensorflow or not files.has_keras):
    if not tensorflow_usable():
      raise InputError(
          f"{files.saved_model} is a TensorFlow SavedModel and TensorFlow is "
          "not installed here (Keras runs on "
          f"{_keras_backend()}); the run has no model.keras to load instead "
          "(install TensorFlow, or train the run where model.keras is "
          "written: every backend writes it)", files.path)
    return "saved_model"
  return "keras"


def open_form(path: str | os.PathLike):
  """The loaded model of a run directory, SavedModel or .keras file."""
  files = RunFiles(path)
  if chosen_form(files) == "saved_model":
    return SavedModelForm(files)
  return KerasForm(files)


def _register_objects() -> None:
  """Registers what a model.keras may name with Keras: the layers, the
  optimizer and learning-rate schedule a run compiled it with, the
  batch-loss metric (each module registers its objects when imported;
  here, once Keras has been imported quietly)."""
  import madlab_dream.layers.batch_loss  # noqa: F401
  import madlab_dream.layers.keras2_rmsprop  # noqa: F401
  import madlab_dream.layers.schedules  # noqa: F401
  from madlab_dream.layers import OneHot  # noqa: F401  (imports all layers)


def _reason(e: BaseException) -> str:
  return (str(e).strip() or type(e).__name__).splitlines()[0]


def load_keras(path: str | os.PathLike, compile: bool = False):
  """The Keras model of model.keras (a run directory or a .keras file),
  the package's objects registered and Keras's safe mode on; InputError
  naming the file when it is missing, truncated or not a Keras archive,
  or when the run's metadata disagrees with it."""
  files = RunFiles(path)
  if not files.has_keras:
    raise InputError(f"not a run directory or .keras file (no "
                     f"{os.path.basename(files.keras_file)})", files.path)
  keras = compat.keras()
  _register_objects()
  try:
    with zipfile.ZipFile(files.keras_file) as archive:
      damaged = archive.testzip()
    if damaged is not None:
      raise ValueError(f"{damaged} in the archive is damaged")
    model = keras.models.load_model(files.keras_file, compile=compile,
                                    safe_mode=True)
  except (OSError, ValueError, KeyError, TypeError, IndexError, EOFError,
          zipfile.BadZipFile) as e:
    raise InputError(f"cannot load the Keras model (damaged or incomplete: "
                     f"{_reason(e)})", files.keras_file) from None
  files.check_model(seq_len_of(model), int(model.output_shape[-1]))
  return model


def seq_len_of(model) -> int | None:
  shape = model.inputs[0].shape if model.inputs else None
  return None if shape is None or shape[1] is None else int(shape[1])


class KerasForm:
  """model.keras (inference form) and its metadata: codes uint8 [b, L] ->
  {"standardised", "prediction"} float32 [b] ([b, T] for T targets).

  Attributes:
    files: the `RunFiles`; path: the .keras file; seq_len: L (the model's
    input); targets: the target names; mean, sd: the scaling (float or
    float64 [T]); metadata: model.json's content (None: output scale).
  """

  form = "keras"

  def __init__(self, files: RunFiles):
    # Imported when used: it imports Keras, which starts a framework.
    from madlab_dream.model import inference_model
    self.files = files
    self.path = files.keras_file
    self._model = inference_model(load_keras(files))
    outputs = int(self._model.output_shape[-1])
    self.seq_len = seq_len_of(self._model)
    self.metadata = files.metadata()
    info = self.metadata or {}
    self.targets = [str(t) for t in info.get("targets") or []] or (
        ["expression"] if outputs == 1 else [f"target_{i}"
                                             for i in range(outputs)])
    try:
      self.mean = np.asarray(info.get("mean", 0.0), np.float64)
      self.sd = np.asarray(info.get("sd", 1.0), np.float64)
    except (TypeError, ValueError) as e:
      raise InputError(f"cannot read the target scaling: {e}",
                       files.metadata_path()) from None

  def __call__(self, codes: np.ndarray) -> dict:
    z = np.asarray(self._model.predict_on_batch(codes), np.float32)
    z = z[:, 0] if len(self.targets) == 1 else z
    prediction = (z * self.sd + self.mean).astype(np.float32)
    return {"standardised": z, "prediction": prediction}
