"""A trained model loaded from its SavedModel, for prediction.

`Predictor(path)` takes a training run directory (with saved_model/) or a
SavedModel directory and predicts on the expression scale. Only TensorFlow
is needed to load it; this package adds encoding of text and batching.
"""

from __future__ import annotations

import json
import os

import numpy as np

from madlab_dream import compat
from madlab_dream.config import CONFIG_FILE
from madlab_dream.config import RunConfig
from madlab_dream.errors import InputError
from madlab_dream.inference import export
from madlab_dream.io import sequences


def saved_model_dir(path: str) -> str:
  """The SavedModel directory of a run directory or a SavedModel path."""
  saved = path
  if os.path.isdir(os.path.join(path, "saved_model")):
    saved = os.path.join(path, "saved_model")
  if not os.path.exists(os.path.join(saved, "saved_model.pb")):
    raise InputError("not a model directory or SavedModel (no "
                     "saved_model.pb)", path)
  return saved


def model_inputs(path: str) -> list[str]:
  """What a command reads of a model at `path`: its SavedModel directory
  and, beside it, the run's config.json and model.keras where they exist
  (outputs may be none of them nor lie inside the SavedModel; elsewhere in
  a run directory they may go)."""
  saved = saved_model_dir(path)
  run = os.path.dirname(os.path.abspath(saved))
  beside = [os.path.join(run, name) for name in (CONFIG_FILE, "model.keras")]
  return [saved, *[p for p in beside if os.path.exists(p)]]


class Predictor:
  """A loaded SavedModel: codes uint8 [N, L] -> expression float32 [N]
  ([N, T] for a model of T > 1 targets, unless one `target` is chosen).

  Attributes:
    path: the SavedModel directory.
    seq_len: L, from the codes signature.
    targets: the targets' names, in the order of the output columns
      (["expression"] for a model of the DREAM data, or one exported
      without names).
    config: the run's RunConfig (config.json beside the SavedModel, or the
      copy in its assets), or None for a SavedModel without one.
  """

  def __init__(self, path: str, batch_size: int = 4096):
    self.path = saved_model_dir(path)
    self.batch_size = int(batch_size)
    self._loaded, self._fn = _load(self.path)
    self.seq_len = codes_length(self._fn, self.path)
    self.targets = _target_names(self.path)
    self.target: str | None = None
    try:
      self.config = _read_config(self.path)
    except (InputError, OSError, ValueError, KeyError, TypeError) as e:
      raise InputError(f"cannot read the run's settings: {e}",
                       self.path) from None
    _check_metadata(self.path, self.seq_len)
    if self.config is not None and self.config.data.seq_len != self.seq_len:
      raise InputError(f"the run's settings say L = "
                       f"{self.config.data.seq_len} but the SavedModel takes "
                       f"L = {self.seq_len}: config.json and saved_model/ "
                       "come from different runs", self.path)
    self.trained_range = read_trained_range(self.path)

  @property
  def trusted_range(self):
    """(min - sd, max + sd) of the training targets (expression scale), a
    {target name: (low, high)} dict for a model of several targets, or
    None when the model's metadata does not say what it was trained on."""
    return trusted_range(self.trained_range)

  def describe(self) -> str:
    """One line: which model this is."""
    if self.config is None:
      return f"{self.path} (L = {self.seq_len})"
    model = self.config.model
    return (f"{self.path}: {model.num_blocks} transformer block(s), "
            f"{len(model.conv_kernels)} conv branches, L = {self.seq_len}")

  @property
  def num_targets(self) -> int:
    return len(self.targets)

  @property
  def output_targets(self) -> list[str]:
    """The targets `predict_*` return: the selected one, else all."""
    return [self.target] if self.target else list(self.targets)

  def select_target(self, target: str | None = None) -> "Predictor":
    """Makes `predict_*` return one target's [N] predictions: `target`
    (InputError for a name the model lacks), default the first; returns
    self. This is what `variants --target=NAME` does."""
    self.target = self.targets[self.target_index(target or self.targets[0])]
    return self

  def target_index(self, target: str | None) -> int | None:
    """The output column of `target` (None: None; InputError naming the
    model's targets for an unknown name)."""
    if target is None:
      return None
    if target not in self.targets:
      raise InputError(f"--target={target}: the model's targets are "
                       f"{', '.join(self.targets)}", self.path)
    return self.targets.index(target)

  def predict_codes(self, codes: np.ndarray, output: str = "prediction",
                    target: str | None = None) -> np.ndarray:
    """Predictions for codes [N, L] ("prediction": each target's scale;
    "standardised": the model's own output): [N], or [N, T] for several
    targets unless `target` names one.

    `codes`: integers 0-4 (A, C, G, T, N; `sequences.encode`) of any
    integer dtype; another length than the model's L, a non-integer array
    or a value outside 0-4 is an InputError before the model runs.
    """
    import tensorflow as tf  # started quietly by `_load`: imported by now
    codes = self.check_codes(codes)
    column = self.target_index(target or self.target)
    single = self.num_targets == 1
    shape = (len(codes),) if single else (len(codes), self.num_targets)
    out = np.empty(shape, np.float32)
    for start in range(0, len(codes), self.batch_size):
      batch = tf.constant(np.ascontiguousarray(
          codes[start:start + self.batch_size]))
      values = self._fn(codes=batch)[output].numpy()
      out[start:start + len(batch)] = values.reshape((len(batch),) +
                                                     shape[1:])
    if column is not None and not single:
      return out[:, column]
    return out

  def check_codes(self, codes) -> np.ndarray:
    """`codes` as uint8 [N, L] (see `predict_codes`); InputError if not."""
    codes = np.asarray(codes)
    if codes.ndim != 2 or codes.shape[1] != self.seq_len:
      raise InputError(f"codes of shape {codes.shape}: this model takes "
                       f"[N, {self.seq_len}] (L = {self.seq_len})")
    if not np.issubdtype(codes.dtype, np.integer):
      raise InputError(f"codes of dtype {codes.dtype}: expected integers "
                       "0-4 (A, C, G, T, N), e.g. sequences.encode(...)")
    bad = np.flatnonzero((codes < 0) | (codes > sequences.N_CODE))
    if len(bad):
      row, col = divmod(int(bad[0]), codes.shape[1])
      raise InputError(f"code {codes[row, col]} at row {row + 1}, position "
                       f"{col + 1}: codes are 0-4 (A, C, G, T, N); "
                       f"{len(bad):,} such value{'s' * (len(bad) > 1)}")
    return codes.astype(np.uint8, copy=False)

  def predict_strands(self, codes: np.ndarray,
                      other: np.ndarray | None = None,
                      target: str | None = None) -> np.ndarray:
    """Expression for codes [N, L], averaged with `other` (the reverse
    complements' codes, `sequences.other_strand`) when given."""
    pred = self.predict_codes(codes, target=target)
    if other is not None:
      pred = (pred + self.predict_codes(other, target=target)) / 2
    return pred

  def predict_text(self, seqs: list[str], reverse_complement: bool = False,
                   source: str = "<sequences>", first_line: int = 1,
                   target: str | None = None) -> np.ndarray:
    """Expression for DNA strings; optionally averaged with the other strand."""
    codes = sequences.encode(seqs, self.seq_len, source, first_line)
    other = None
    if reverse_complement:
      other = sequences.other_strand(seqs, self.seq_len)
    return self.predict_strands(codes, other, target=target)


def _load(saved: str):
  """(the loaded SavedModel, its codes signature); a damaged or foreign
  SavedModel is an InputError naming it."""
  tf = compat.tensorflow()
  from google.protobuf.message import DecodeError  # comes with TensorFlow
  try:
    loaded = tf.saved_model.load(saved)
  except (OSError, ValueError, KeyError, DecodeError, tf.errors.OpError) as e:
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


def _target_names(saved: str) -> list[str]:
  """The metadata's "targets" (["expression"] without one)."""
  meta = os.path.join(saved, "assets", export.METADATA_FILE)
  try:
    with open(meta) as f:
      names = json.load(f).get("targets")
  except (OSError, ValueError, AttributeError):
    names = None
  return [str(n) for n in names] if names else ["expression"]


def _read_config(saved: str) -> RunConfig | None:
  """The run's config: <run>/config.json, else the SavedModel's metadata."""
  candidates = [os.path.join(os.path.dirname(os.path.abspath(saved)),
                             CONFIG_FILE)]
  for path in candidates:
    if os.path.exists(path):
      with open(path) as f:
        return RunConfig.from_json(f.read())
  meta = os.path.join(saved, "assets", export.METADATA_FILE)
  if os.path.exists(meta):
    with open(meta) as f:
      info = json.load(f)
    if "config" in info:
      return RunConfig.from_dict(info["config"])
  return None


# --- The range a model was trained on -------------------------------------------

TRAINED_RANGE_KEY = "trained_range"


def read_trained_range(saved: str) -> dict | None:
  """`"trained_range"` of the SavedModel's assets metadata JSON, else of the
  run's config.json beside it; None when neither has one.

  The value is {"min", "max", "sd"} (the training targets' minimum,
  maximum and sd on the expression scale) or, for several targets,
  {target name: {"min", "max", "sd"}}.
  """
  paths = [os.path.join(saved, "assets", export.METADATA_FILE),
           os.path.join(os.path.dirname(os.path.abspath(saved)), CONFIG_FILE)]
  for path in paths:
    if not os.path.exists(path):
      continue
    try:
      with open(path) as f:
        info = json.load(f)
    except (OSError, ValueError) as e:
      raise InputError(f"cannot read the model's metadata: {e}",
                       path) from None
    value = info.get(TRAINED_RANGE_KEY) if isinstance(info, dict) else None
    if value is not None:
      _check_trained_range(value, path)
      return value
  return None


def _check_trained_range(value, path: str) -> None:
  ranges = [value] if not isinstance(value, dict) or "min" in value else (
      value.values())
  for r in ranges:
    if not (isinstance(r, dict) and all(
        isinstance(r.get(k), (int, float)) for k in ("min", "max", "sd"))):
      raise InputError(f"{TRAINED_RANGE_KEY} must hold numbers min, max, "
                       f"sd (per target for several targets), got {value!r}",
                       path)


def trusted_range(trained: dict | None):
  """(min - sd, max + sd) of a `trained_range` value (see
  `read_trained_range`); per target for several targets; None for None."""
  if trained is None:
    return None
  if "min" in trained:
    sd = float(trained["sd"])
    return (float(trained["min"]) - sd, float(trained["max"]) + sd)
  return {name: trusted_range(r) for name, r in trained.items()}
