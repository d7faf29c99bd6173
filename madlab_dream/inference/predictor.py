"""A trained model loaded for prediction, in either of its forms.

`Predictor(path)` takes a training run directory, a SavedModel directory
or a .keras file and predicts on the expression scale. It loads the model
through `loading.open_form`: on Keras's TensorFlow backend the run's
SavedModel (TensorFlow alone loads it), elsewhere its model.keras with
model.json (JAX, PyTorch; no TensorFlow needed).
"""

from __future__ import annotations

import os

import numpy as np

from madlab_dream.config import RunConfig
from madlab_dream.errors import InputError
from madlab_dream.inference import loading
from madlab_dream.inference.run_files import RunFiles
from madlab_dream.io import sequences


def saved_model_dir(path: str) -> str:
  """The SavedModel directory of a run directory or a SavedModel path."""
  files = RunFiles(path)
  if not files.has_saved_model:
    raise InputError("not a model directory or SavedModel (no "
                     "saved_model.pb)", path)
  return files.saved_model


def model_inputs(path: str) -> list[str]:
  """What a command reads of a model at `path`: the form it loads here
  (saved_model/ or model.keras) and the run's metadata and config.json
  beside it where they exist (outputs may be none of them)."""
  files = RunFiles(path)
  return files.inputs(loading.chosen_form(files))


class Predictor:
  """A loaded model: codes uint8 [N, L] -> expression float32 [N]
  ([N, T] for a model of T > 1 targets, unless one `target` is chosen).

  Attributes:
    path: the SavedModel directory or the .keras file loaded.
    form: "saved_model" or "keras".
    seq_len: L, from the model itself.
    targets: the targets' names, in the order of the output columns
      (["expression"] for a model of the DREAM data, or one exported
      without names).
    config: the run's RunConfig (config.json beside the model, or the
      copy in its metadata), or None for a model without one.
  """

  def __init__(self, path: str, batch_size: int = 4096):
    self._model = loading.open_form(path)
    self.files = self._model.files
    self.path = self._model.path
    self.form = self._model.form
    self.batch_size = int(batch_size)
    self.seq_len = self._model.seq_len
    self.targets = list(self._model.targets)
    self.target: str | None = None
    try:
      self.config = _read_config(self.files, self._model.metadata)
    except (InputError, OSError, ValueError, KeyError, TypeError) as e:
      raise InputError(f"cannot read the run's settings: {e}",
                       self.path) from None
    if self.config is not None and self.config.data.seq_len != self.seq_len:
      raise InputError(f"the run's settings say L = "
                       f"{self.config.data.seq_len} but the model takes "
                       f"L = {self.seq_len}: config.json and the model "
                       "come from different runs", self.path)
    self.trained_range = read_trained_range(self.files, self._model.metadata)

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
    codes = self.check_codes(codes)
    column = self.target_index(target or self.target)
    single = self.num_targets == 1
    shape = (len(codes),) if single else (len(codes), self.num_targets)
    out = np.empty(shape, np.float32)
    for start in range(0, len(codes), self.batch_size):
      batch = np.ascontiguousarray(codes[start:start + self.batch_size])
      values = self._model(batch)[output]
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


def _read_config(files: RunFiles, metadata: dict | None
                 ) -> RunConfig | None:
  """The run's config: config.json beside the model, else the model's
  metadata's copy."""
  if os.path.exists(files.config_file):
    with open(files.config_file) as f:
      return RunConfig.from_json(f.read())
  if metadata and "config" in metadata:
    return RunConfig.from_dict(metadata["config"])
  return None


# --- The range a model was trained on -------------------------------------------

TRAINED_RANGE_KEY = "trained_range"


def read_trained_range(run: str | RunFiles, metadata: dict | None = None
                       ) -> dict | None:
  """`"trained_range"` of the model's metadata (`metadata`, else model.json
  or the SavedModel's), else of the run's config.json; None when neither
  has one. `run`: a run directory, SavedModel, .keras file or RunFiles.

  The value is {"min", "max", "sd"} (the training targets' minimum,
  maximum and sd on the expression scale) or, for several targets,
  {target name: {"min", "max", "sd"}}.
  """
  files = run if isinstance(run, RunFiles) else RunFiles(run)
  sources = [(files.metadata_path(), metadata or files.metadata()),
             (files.config_file, files.config_json())]
  for path, info in sources:
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
