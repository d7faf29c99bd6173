"""A run's TensorFlow SavedModel as a loaded model form (TensorFlow only).

`SavedModelForm(files)` loads saved_model/ with `tf.saved_model.load` and
predicts through its `predict_codes` signature; `loading.open_form` picks
it on Keras's TensorFlow backend. A damaged SavedModel (a truncated
variables file, a foreign graph) is one InputError naming it.
"""

from __future__ import annotations

import json
import os

import numpy as np

from madlab_dream import compat
from madlab_dream.errors import InputError
from madlab_dream.inference import export
from madlab_dream.inference.run_files import RunFiles


class SavedModelForm:
  """saved_model/: codes uint8 [b, L] -> {"standardised", "prediction"}
  float32 [b] ([b, T] for T targets)."""

  form = "saved_model"

  def __init__(self, files: RunFiles):
    self.files = files
    self.path = files.saved_model
    self._loaded, self._fn = _load(self.path)
    self.seq_len = codes_length(self._fn, self.path)
    _check_metadata(self.path, self.seq_len)
    self.metadata = files.metadata(prefer_saved_model=True)
    names = (self.metadata or {}).get("targets")
    self.targets = [str(n) for n in names] if names else ["expression"]
    files.check_model(self.seq_len, len(self.targets),
                      prefer_saved_model=True)

  def __call__(self, codes: np.ndarray) -> dict:
    import tensorflow as tf  # started quietly by `_load`: imported by now
    out = self._fn(codes=tf.constant(np.ascontiguousarray(codes)))
    return {k: v.numpy() for k, v in out.items()}


def _load(saved: str):
  """(the loaded SavedModel, its codes signature); a damaged or foreign
  SavedModel is an InputError naming it."""
  tf = compat.tensorflow()
  from google.protobuf.message import DecodeError  # comes with TensorFlow
  try:
    loaded = tf.saved_model.load(saved)
  except (OSError, ValueError, KeyError, IndexError, DecodeError,
          tf.errors.OpError) as e:
    reason = (str(e).strip() or type(e).__name__).splitlines()[0]
    raise InputError(f"cannot load the SavedModel (damaged or incomplete: "
                     f"{reason})", saved) from None
  if export.CODES_SIGNATURE not in loaded.signatures:
    raise InputError(f"cannot load the SavedModel: it has no "
                     f"{export.CODES_SIGNATURE!r} signature (not exported "
                     "by madlab_dream)", saved)
  return loaded, loaded.signatures[export.CODES_SIGNATURE]


def codes_length(fn, saved: str) -> int:
  """L of a `predict_codes` signature taking codes uint8 [batch, L] and
  giving "prediction" and "standardised"; InputError naming what was
  expected otherwise (a SavedModel not exported by this package)."""
  import tensorflow as tf  # started quietly by `_load`: imported by now
  args, kwargs = fn.structured_input_signature
  spec = kwargs.get("codes") if not args and len(kwargs) == 1 else None
  shape = getattr(spec, "shape", None)
  outputs = set(getattr(fn, "structured_outputs", {}) or {})
  if (spec is None or spec.dtype != tf.uint8 or shape.rank != 2 or
      shape[1] is None or not {"prediction", "standardised"} <= outputs):
    found = ", ".join(f"{k}: {_spec_text(v)}" for k, v in kwargs.items())
    found = found or f"{len(args)} positional argument(s)"
    raise InputError(f"the SavedModel's {export.CODES_SIGNATURE!r} signature "
                     f"takes ({found}) and gives {sorted(outputs)}; expected "
                     "codes: uint8 [batch, L] giving 'prediction' and "
                     "'standardised' (a SavedModel exported by madlab_dream)",
                     saved)
  return int(shape[1])


def _check_metadata(saved: str, seq_len: int) -> None:
  """Refuses a SavedModel whose metadata's L differs from its signature's."""
  meta = os.path.join(saved, "assets", export.METADATA_FILE)
  if not os.path.exists(meta):
    return
  try:
    with open(meta) as f:
      recorded = json.load(f).get("seq_len", seq_len)
  except (OSError, ValueError, AttributeError) as e:
    raise InputError(f"cannot read the SavedModel's metadata: {e}",
                     meta) from None
  if recorded != seq_len:
    raise InputError(f"says L = {recorded} but the SavedModel's signature "
                     f"takes L = {seq_len}: files of different models mixed",
                     meta)


def _spec_text(spec) -> str:
  """`uint8 [None, 110]` for a TensorSpec."""
  dtype = getattr(spec, "dtype", None)
  shape = getattr(spec, "shape", None)
  return (f"{dtype.name if dtype is not None else '?'} "
          f"{shape if shape is not None else '?'}")
