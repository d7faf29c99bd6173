"""Typed, frozen settings: every default and every validation rule, once.

Each command builds its configs from the flags once, in its `main`
(`madlab_dream.commands.flags`); library code takes these objects or plain
arguments. A training run writes its resolved `RunConfig` to
`<model_dir>/config.json`; resume, predict and export read it back.

  DataConfig    preprocessing: length policy, row filter, split, seed
  ModelConfig   the architecture (defaults: MadLab's preset, 319,657
                parameters at L = 110)
  TrainConfig   the run: data path, optimiser, schedule, precision, outputs
  RunConfig     the three together, as written to config.json

Every field is validated in `__post_init__`; a bad value raises
`ConfigError` (an `InputError`: one line, exit status 2 on the command
line) naming the setting as its flag, e.g. `--val_fraction=1.5: must be in
[0, 1)`. The rules the model shares with its layers (feature counts, basis
function and activation names) come from `madlab_dream.layers.arguments`,
so importing and validating configs needs no framework.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any
from typing import Mapping
from typing import Sequence

from madlab_dream.errors import InputError
from madlab_dream.layers import arguments as layer_arguments

#: The challenge's sequence length (17 nt flank + 80 nt random + 13 nt flank).
SEQ_LEN = 110
#: The longest L a run may use: the attention holds [L, L] logits per head
#: and sequence (16 MB in float32 at 2,048, times the batch and the heads),
#: and the cache L bytes per row; longer promoters than any MPRA library's.
MAX_SEQ_LEN = 2048
#: The default seed of the row filter, the split, shuffling and initial weights.
SEED = 42


class ConfigError(InputError):
  """A setting with a value that cannot work; names the setting as a flag."""

  def __init__(self, name: str, value: Any, problem: str):
    super().__init__(f"--{name}={_show(value)}: {problem}")
    self.setting = name


def _show(value: Any) -> str:
  if isinstance(value, (list, tuple)):
    return ",".join(str(v) for v in value)
  return str(value)


def _check(condition: bool, name: str, value: Any, problem: str) -> None:
  if not condition:
    raise ConfigError(name, value, problem)


def _int(name: str, value: Any, low: int | None = None,
         optional: bool = False, high: int | None = None,
         why_high: str = "") -> int | None:
  if value is None and optional:
    return None
  if isinstance(value, bool) or not _is_integral(value):
    raise ConfigError(name, value, "must be a whole number")
  value = int(value)
  if low is not None:
    _check(value >= low, name, value, f"must be at least {low}")
  if high is not None:
    _check(value <= high, name, value, f"must be at most {high:,}{why_high}")
  return value


def _is_integral(value: Any) -> bool:
  try:
    return float(value) == int(float(value))
  except (TypeError, ValueError, OverflowError):
    return False


def _float(name: str, value: Any, low: float | None = None,
           high: float | None = None, high_open: bool = False,
           optional: bool = False) -> float | None:
  if value is None and optional:
    return None
  try:
    value = float(value)
  except (TypeError, ValueError):
    raise ConfigError(name, value, "must be a number") from None
  _check(math.isfinite(value), name, value, "must be finite")
  if low is not None:
    _check(value >= low, name, value, f"must be at least {low:g}")
  if high is not None:
    ok = value < high if high_open else value <= high
    _check(ok, name, value, f"must be {'below' if high_open else 'at most'} "
           f"{high:g}")
  return value


def _choice(name: str, value: Any, choices: Sequence[str]) -> str:
  _check(value in choices, name, value, f"must be one of {', '.join(choices)}")
  return value


def _int_list(name: str, value: Any, low: int = 1) -> tuple[int, ...]:
  items = value.split(",") if isinstance(value, str) else list(value)
  out = []
  for item in items:
    if isinstance(item, str):
      item = item.strip()
    if isinstance(item, bool) or not _is_integral(item):
      raise ConfigError(name, value, f"{item!r} is not a whole number")
    out.append(int(float(item)))
  _check(bool(out), name, value, "needs at least one value")
  _check(min(out) >= low, name, value, f"every value must be at least {low}")
  return tuple(out)


def _float_list(name: str, value: Any) -> tuple[float, ...]:
  items = value.split(",") if isinstance(value, str) else list(value)
  out = tuple(_float(name, item, low=0.0) for item in items)
  _check(bool(out) and sum(out) > 0, name, value,
         "needs non-negative values, not all zero")
  return out


def _str_list(name: str, value: Any) -> tuple[str, ...]:
  items = value.split(",") if isinstance(value, str) else list(value)
  out = tuple(str(v).strip() for v in items if str(v).strip())
  _check(bool(out), name, value, "needs at least one value")
  return out


_UNITS = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def duration_seconds(name: str, value: Any) -> float | None:
  """Seconds from 600, "600", "600s", "10m", "1.5h"; None stays None."""
  if value is None or value == "":
    return None
  text = str(value).strip().lower()
  unit = next((u for u in sorted(_UNITS, key=len, reverse=True)
               if text.endswith(u)), "s")
  number = text[:-len(unit)] if text.endswith(unit) else text
  try:
    seconds = float(number) * _UNITS[unit]
  except ValueError:
    raise ConfigError(name, value, "is not a duration (e.g. 600, 600s, 10m, "
                      "1.5h)") from None
  _check(math.isfinite(seconds) and seconds > 0, name, value,
         "must be a positive duration")
  return seconds


def _activation(name: str, value: Any) -> str:
  _check(value in layer_arguments.KERAS_ACTIVATIONS, name, value,
         "is not a Keras activation (e.g. swish, relu, gelu, tanh)")
  return value


class _Config:
  """Shared behaviour of the frozen config dataclasses."""

  def replace(self, **changes: Any):
    """A copy with `changes`, validated again."""
    return dataclasses.replace(self, **changes)

  def to_dict(self) -> dict[str, Any]:
    """JSON-ready values (tuples as lists)."""
    return {f.name: _jsonable(getattr(self, f.name))
            for f in dataclasses.fields(self)}

  @classmethod
  def from_dict(cls, values: Mapping[str, Any]):
    """Builds the config; an unknown key is a TypeError naming the known."""
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = set(values) - known
    if unknown:
      raise TypeError(f"unknown {cls.__name__} settings: {sorted(unknown)}; "
                      f"known: {sorted(known)}")
    return cls(**values)

  @classmethod
  def field_names(cls) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))

  @classmethod
  def default(cls, name: str) -> Any:
    """The default of field `name` (the one place it is written)."""
    return {f.name: f.default for f in dataclasses.fields(cls)}[name]

  def _validate_field(self, name: str, rule, *args, **kwargs) -> None:
    """Replaces field `name` by `rule(name, value, *args, **kwargs)`: its
    value checked (ConfigError) and normalised."""
    object.__setattr__(self, name, rule(name, getattr(self, name), *args,
                                        **kwargs))


def _jsonable(value: Any) -> Any:
  return list(value) if isinstance(value, tuple) else value


SPLITS = ("random", "tail")


@dataclasses.dataclass(frozen=True)
class DataConfig(_Config):
  """How a DREAM training file becomes the cached train/validation arrays.

  seq_len: L. Longer sequences keep their last L nt (5' trimmed); shorter
    ones are padded with N on the left (MadLab's policy).
  singleton_keep: probability of keeping a row whose expression is a whole
    number (a read observed once). MadLab: 0.5; 1 keeps every row.
  val_fraction: fraction of kept rows in the fixed, disjoint validation set
    (MadLab: 2 %).
  split: "random" (a seeded sample of the kept rows; the default) or
    "tail" (the last rows of the file after the filter, as MadLab's
    take/skip in effect made it).
  val_rows: an exact number of validation rows, instead of val_fraction.
  min_val_rows: a floor under the validation set taken by val_fraction
    (capped at half the kept rows), so that a small file does not select
    its best epoch on a few dozen rows; 0 turns it off. It never changes
    the full challenge file (2 % of it is 95,982 rows).
  shuffle_buffer: 0 (the default): each pass over the training rows is a
    full seeded permutation; N > 0: a seeded local shuffle that keeps each
    pass near file order (a row moves about N positions), like MadLab's
    1,024-element tf.data shuffle buffer.
  seed: seeds the row filter's coin flips, the split and the shuffling.
  """
  seq_len: int = SEQ_LEN
  singleton_keep: float = 0.5
  split: str = "random"
  val_fraction: float = 0.02
  val_rows: int | None = None
  min_val_rows: int = 1000
  shuffle_buffer: int = 0
  seed: int = SEED
  sequence_column: str | None = None
  target_columns: tuple[str, ...] | None = None
  split_column: str | None = None
  val_values: tuple[str, ...] | None = None
  test_values: tuple[str, ...] | None = None
  delimiter: str | None = None
  skip_bad_rows: bool = False

  def __post_init__(self):
    self._validate_field("seq_len", _int, low=1, high=MAX_SEQ_LEN,
                         why_high=" (the attention's [L, L] logits grow as "
                         "L squared)")
    self._check_table_settings()
    self._validate_field("singleton_keep", _float, 0.0, 1.0)
    self._validate_field("split", _choice, SPLITS)
    self._validate_field("val_fraction", _float, 0.0, 1.0, high_open=True)
    self._validate_field("val_rows", _int, low=0, optional=True)
    _check(self.val_rows != 1, "val_rows", 1, "Pearson r, which selects "
           "the best epoch, needs at least 2 validation rows (0: none)")
    self._validate_field("min_val_rows", _int, low=0)
    self._validate_field("shuffle_buffer", _int, low=0)
    self._validate_field("seed", _int)

  def _check_table_settings(self) -> None:
    """The table's columns: all or none (ConfigError)."""
    object.__setattr__(self, "skip_bad_rows", bool(self.skip_bad_rows))
    for name in ("target_columns", "val_values", "test_values"):
      if getattr(self, name) is not None:
        self._validate_field(name, _str_list)
    if self.sequence_column is None:
      for name in ("target_columns", "split_column", "delimiter"):
        _check(getattr(self, name) is None, name, getattr(self, name),
               "needs --sequence_column (a table with a header row)")
    else:
      _check(self.target_columns is not None, "sequence_column",
             self.sequence_column, "needs --target_columns")
      _check(len(set(self.target_columns)) == len(self.target_columns),
             "target_columns", self.target_columns, "names a column twice")
    if self.split_column is None:
      for name in ("val_values", "test_values"):
        _check(getattr(self, name) is None, name, getattr(self, name),
               "needs --split_column")
    else:
      _check(self.val_values is not None or self.test_values is not None,
             "split_column", self.split_column,
             "needs --val_values and/or --test_values")
      _check(not set(self.val_values or ()) & set(self.test_values or ()),
             "test_values", self.test_values, "shares values with "
             "--val_values")
    if self.delimiter is not None:
      _check(len(self.delimiter) == 1, "delimiter", self.delimiter,
             "must be one character (\\t for a tab)")

  @property
  def is_table(self) -> bool:
    """A table with a header row (named columns), not the DREAM format."""
    return self.sequence_column is not None

  @property
  def num_targets(self) -> int:
    return len(self.target_columns) if self.target_columns else 1

  @property
  def has_validation(self) -> bool:
    if self.split_column is not None:
      return bool(self.val_values)
    return bool(self.val_rows) if self.val_rows is not None else (
        self.val_fraction > 0)


#: ModelConfig settings under other keys, as config.json files written by
#: madlab-dream 0.2.0 hold them: key -> the setting's name.
RENAMED_MODEL_SETTINGS = {
    "num_relative_features": "num_relative_position_features",
    "relative_functions": "relative_position_functions",
    "attention_dropout": "attention_dropout_rate",
    "positional_dropout": "positional_dropout_rate",
}
#: Keys of those files that chose between two formulations of the same
#: function (the attention's relative logits, the BiLSTM's loop), with the
#: values that name one: read and dropped (the model has one formulation).
DROPPED_MODEL_SETTINGS = {
    "relative_logits": ("gather", "shift"),
    "lstm_implementation": ("hoisted", "keras"),
}


def _current_model_keys(values: Mapping[str, Any]) -> dict[str, Any]:
  """`values` with RENAMED keys under their setting's name and DROPPED keys
  removed (ConfigError for a value that names no formulation)."""
  out = {}
  for key, value in values.items():
    if key in DROPPED_MODEL_SETTINGS:
      _check(value in DROPPED_MODEL_SETTINGS[key], key, value,
             "names no formulation of the model (accepted and ignored: "
             f"{', '.join(DROPPED_MODEL_SETTINGS[key])})")
      continue
    name = RENAMED_MODEL_SETTINGS.get(key, key)
    _check(name not in out, name, value, f"given twice (also as {key})")
    out[name] = value
  return out


@dataclasses.dataclass(frozen=True)
class ModelConfig(_Config):
  """The architecture; defaults are MadLab's (report Table 1, their code).

  codes [batch, L] -> one-hot -> len(conv_kernels) parallel branches
  Conv1D(conv_filters, k) -> BN -> activation -> Conv1D(conv_reduced, 1) ->
  BN -> activation, summed -> num_blocks pre-LayerNorm transformer blocks
  (Enformer relative attention: num_heads x key_size / value_size,
  num_relative_position_features from relative_position_functions; FFN
  ffn_multiplier x width) -> BiLSTM(lstm_units, lstm_activation) ->
  Dense(1). l2 on the conv kernels and the output kernel; seed fixes the
  initial weights. The attention's settings have the names of
  `layers.RelativeMultiHeadAttention`'s arguments.

  transformer_trainable: True (default) trains every weight, the model of
  MadLab's report; False freezes the attention and feed-forward weights of
  the transformer blocks at their initial values, the model MadLab's code
  actually trained (Keras 2 did not track its Sonnet variables: 150,313 of
  the 317,353 weights learned, and the zero-initialised attention output
  added exactly 0).

  `from_dict` also reads the keys of `RENAMED_MODEL_SETTINGS` and
  `DROPPED_MODEL_SETTINGS` (config.json files of madlab-dream 0.2.0).
  """
  seq_len: int = SEQ_LEN
  conv_kernels: tuple[int, ...] = (15, 20, 25, 30)
  conv_filters: int = 192
  conv_reduced: int = 96
  activation: str = "swish"
  l2: float = 1e-3
  num_blocks: int = 2
  num_heads: int = 1
  key_size: int = 96
  value_size: int = 96
  num_relative_position_features: int | None = None
  relative_position_functions: tuple[str, ...] = (
      layer_arguments.DEFAULT_RELATIVE_POSITION_FUNCTIONS)
  attention_dropout_rate: float = 0.0
  positional_dropout_rate: float = 0.0
  ffn_multiplier: int = 2
  lstm_units: int = 4
  lstm_activation: str = "swish"
  transformer_trainable: bool = True
  seed: int = SEED
  num_targets: int = 1

  def __post_init__(self):
    object.__setattr__(self, "transformer_trainable",
                       bool(self.transformer_trainable))
    self._validate_field("seq_len", _int, low=1, high=MAX_SEQ_LEN,
                         why_high=" (the attention's [L, L] logits grow as "
                         "L squared)")
    self._validate_field("num_targets", _int, low=1)
    self._validate_field("conv_kernels", _int_list)
    self._validate_field("conv_filters", _int, low=1)
    self._validate_field("conv_reduced", _int, low=1)
    self._validate_field("l2", _float, low=0.0)
    self._validate_field("num_blocks", _int, low=0)
    self._validate_field("num_heads", _int, low=1)
    self._validate_field("key_size", _int, low=1)
    self._validate_field("value_size", _int, low=1)
    self._validate_field("num_relative_position_features", _int, low=1,
                         optional=True)
    self._validate_field("relative_position_functions", _str_list)
    self._validate_field("attention_dropout_rate", _float, 0.0, 1.0,
                         high_open=True)
    self._validate_field("positional_dropout_rate", _float, 0.0, 1.0,
                         high_open=True)
    self._validate_field("ffn_multiplier", _int, low=1)
    self._validate_field("lstm_units", _int, low=1)
    self._validate_field("seed", _int)
    self._validate_field("activation", _activation)
    self._validate_field("lstm_activation", _activation)
    if self.num_blocks:
      self._check_attention()

  def _check_attention(self) -> None:
    """The transformer's width and feature count (ConfigError)."""
    width = self.num_heads * self.value_size
    _check(width == self.conv_reduced, "num_heads", self.num_heads,
           f"num_heads x value_size = {self.num_heads} x {self.value_size} "
           f"= {width} must equal --conv_reduced={self.conv_reduced} (the "
           "residual connections add the attention output to its input)")
    try:
      layer_arguments.relative_position_feature_count(
          self.value_size, self.num_relative_position_features,
          self.relative_position_functions, symmetric=False)
    except ValueError as e:
      name = ("num_relative_position_features"
              if self.num_relative_position_features
              else "relative_position_functions")
      raise ConfigError(name, getattr(self, name), str(e)) from None

  @classmethod
  def from_dict(cls, values: Mapping[str, Any]) -> "ModelConfig":
    """Builds the config (keys as `_Config.from_dict`, plus those of files
    written by madlab-dream 0.2.0: see the class docstring)."""
    return super().from_dict(_current_model_keys(values))

  @property
  def width(self) -> int:
    """Channels between the conv stack and the LSTM."""
    return self.conv_reduced


#: A tiny model with every layer kind, for smoke tests and `bench --quick`.
TINY_MODEL = {"conv_kernels": (3, 5), "conv_filters": 8, "conv_reduced": 8,
              "key_size": 8, "value_size": 8, "num_blocks": 1,
              "lstm_units": 2}

OPTIMIZERS = ("rmsprop", "rmsprop_keras2", "adam", "adamw", "sgd")
LOSSES = ("mse", "huber", "mae")
SCHEDULES = ("constant", "cosine", "onecycle")
JIT_MODES = ("auto", "true", "false")
#: JAX's default matmul precision (--matmul_precision; float32 matmuls on
#: NVIDIA GPUs are TF32 under "default").
MATMUL_PRECISIONS = ("default", "high", "highest")
#: Blocks that --freeze keeps at their initial (or --init_from) weights.
FREEZABLE = ("conv", "transformer", "lstm")
PRECISIONS = ("none", "mixed_float16", "mixed_bfloat16", "auto")
#: --mixed_precision=auto (training/precision.py): mixed_bfloat16 only on a
#: machine with bfloat16 matrix units where it trains at least this much
#: faster than float32 (a timed A/B at the start of the run) ...
AUTO_BF16_MIN_SPEEDUP = 1.10
#: ... and where, after the same budget of steps from the same weights,
#: its validation Pearson r is at most this much below float32's.
AUTO_BF16_MAX_R_DROP = 0.005
#: The accuracy probe trains both precisions for this many steps of this
#: batch at this (constant) learning rate, whatever the run's: a probe in
#: which neither learns cannot show a drop (MadLab's 1e-4 at batch 256 left
#: validation r at 0.03 after 100 steps in `make bench`; the demo's recipe,
#: batch 32 at 3e-4, reached 0.35 after ~700 steps of the demo).
AUTO_BF16_PROBE_STEPS = 1000
AUTO_BF16_PROBE_BATCH = 32
AUTO_BF16_PROBE_LEARNING_RATE = 3e-4
AUTO_BF16_PROBE_VAL_ROWS = 10_000
STRATEGIES = ("default", "mirrored", "multi_worker", "tpu")


@dataclasses.dataclass(frozen=True)
class TrainConfig(_Config):
  """One training run.

  Fields whose `metadata["result"]` is False do not change the trained
  weights or the reported metrics (where files are, progress display, the
  XLA and distribution mechanics); resume accepts a change of those only.
  The training data are compared by content (their SHA-256), not by path.
  """
  train_data: str | None = dataclasses.field(default=None,
                                             metadata={"result": False})
  model_dir: str | None = dataclasses.field(default=None,
                                            metadata={"result": False})
  cache_dir: str | None = dataclasses.field(default=None,
                                            metadata={"result": False})
  epochs: int = 10
  steps_per_epoch: int | None = None
  max_steps: int | None = None
  time_budget: float | None = dataclasses.field(default=None,
                                                metadata={"result": False})
  batch_size: int = 1024
  learning_rate: float = 1e-4
  lr_schedule: str = "constant"
  warmup_fraction: float | None = None
  optimizer: str = "rmsprop"
  clipnorm: float | None = None
  loss: str = "mse"
  early_stopping_patience: int = 0
  jit_compile: str = dataclasses.field(default="auto",
                                       metadata={"result": False})
  mixed_precision: str = "none"
  matmul_precision: str = dataclasses.field(default="default",
                                            metadata={"result": False})
  strategy: str = dataclasses.field(default="default",
                                    metadata={"result": False})
  tpu: str | None = dataclasses.field(default=None, metadata={"result": False})
  train_eval_rows: int = 100_000
  eval_batch_size: int = dataclasses.field(default=4096,
                                           metadata={"result": False})
  select_on_validation: bool = True
  baseline_kmer: int = dataclasses.field(default=0, metadata={"result": False})
  progress: bool = dataclasses.field(default=True, metadata={"result": False})
  resume: bool = dataclasses.field(default=True, metadata={"result": False})
  val_data: str | None = dataclasses.field(default=None,
                                           metadata={"result": False})
  test_data: str | None = dataclasses.field(default=None,
                                            metadata={"result": False})
  target_weights: tuple[float, ...] | None = None
  select_target: str | None = None
  rc_augment: bool = False
  init_from: str | None = dataclasses.field(default=None,
                                            metadata={"result": False})
  freeze: tuple[str, ...] | None = None

  def __post_init__(self):
    object.__setattr__(self, "rc_augment", bool(self.rc_augment))
    if self.target_weights is not None:
      self._validate_field("target_weights", _float_list)
    if self.freeze is not None:
      self._validate_field("freeze", _str_list)
      for block in self.freeze:
        _check(block in FREEZABLE, "freeze", self.freeze,
               f"{block!r} is not one of {', '.join(FREEZABLE)}")
    self._validate_field("epochs", _int, low=1)
    self._validate_field("steps_per_epoch", _int, low=1, optional=True)
    self._validate_field("max_steps", _int, low=1, optional=True)
    self._validate_field("time_budget", duration_seconds)
    self._validate_field("batch_size", _int, low=1)
    self._validate_field("learning_rate", _float, low=0.0)
    self._validate_field("lr_schedule", _choice, SCHEDULES)
    self._validate_field("clipnorm", _float, low=0.0, optional=True)
    _check(self.clipnorm is None or self.clipnorm > 0, "clipnorm",
           self.clipnorm, "must be positive (omit it for no clipping)")
    self._validate_field("warmup_fraction", _float, 0.0, 1.0, high_open=True,
                         optional=True)
    self._validate_field("early_stopping_patience", _int, low=0)
    self._validate_field("optimizer", _choice, OPTIMIZERS)
    self._validate_field("loss", _choice, LOSSES)
    self._validate_field("jit_compile", _choice, JIT_MODES)
    self._validate_field("mixed_precision", _choice, PRECISIONS)
    self._validate_field("matmul_precision", _choice, MATMUL_PRECISIONS)
    self._validate_field("strategy", _choice, STRATEGIES)
    self._validate_field("train_eval_rows", _int, low=0)
    self._validate_field("eval_batch_size", _int, low=1)
    self._validate_field("baseline_kmer", _int, low=0)
    _check(self.baseline_kmer <= 6, "baseline_kmer", self.baseline_kmer,
           "must be at most 6 (4^6 = 4,096 features per k)")
    _check(not (self.strategy == "tpu" and
                self.mixed_precision == "mixed_float16"), "mixed_precision",
           self.mixed_precision, "is not supported on TPU; use "
           "mixed_bfloat16")

  @classmethod
  def result_fields(cls) -> tuple[str, ...]:
    """Fields that change the trained weights or the reported metrics."""
    return tuple(f.name for f in dataclasses.fields(cls)
                 if f.metadata.get("result", True))


@dataclasses.dataclass(frozen=True)
class RunConfig:
  """Everything a training run was given, as written to config.json."""
  data: DataConfig = dataclasses.field(default_factory=DataConfig)
  model: ModelConfig = dataclasses.field(default_factory=ModelConfig)
  train: TrainConfig = dataclasses.field(default_factory=TrainConfig)

  def __post_init__(self):
    _check(self.data.seq_len == self.model.seq_len, "seq_len",
           self.model.seq_len, f"the data's L ({self.data.seq_len}) and the "
           f"model's ({self.model.seq_len}) differ")
    _check(self.has_validation or not self.train.select_on_validation,
           "val_fraction", self.data.val_fraction, "leaves no validation set, "
           "but model selection on validation is on; pass "
           "--noselect_on_validation or a positive --val_fraction")
    _check(self.has_validation or not
           self.train.early_stopping_patience, "early_stopping_patience",
           self.train.early_stopping_patience, "needs a validation set "
           "(--val_fraction > 0)")
    self._check_targets()

  def _check_targets(self) -> None:
    """Table files, targets, weights and the selected target (ConfigError)."""
    data, train = self.data, self.train
    _check(data.num_targets == self.model.num_targets, "num_targets",
           self.model.num_targets, f"the data have {data.num_targets} "
           "target(s) (--target_columns)")
    for name in ("val_data", "test_data"):
      _check(getattr(train, name) is None or data.is_table, name,
             getattr(train, name), "needs --sequence_column (tables with a "
             "header row)")
    _check(not (train.val_data and data.split_column and data.val_values),
           "val_data", train.val_data, "and --val_values both give a "
           "validation set; pass one")
    _check(not (train.test_data and data.split_column and data.test_values),
           "test_data", train.test_data, "and --test_values both give a "
           "test set; pass one")
    _check(not (train.baseline_kmer and data.num_targets > 1),
           "baseline_kmer", train.baseline_kmer, "fits one target; pass it "
           "with one --target_columns name")
    if train.target_weights is not None:
      _check(len(train.target_weights) == data.num_targets, "target_weights",
             train.target_weights, f"needs one weight per target "
             f"({data.num_targets})")
    if train.select_target is not None:
      _check(train.select_target in self.target_names, "select_target",
             train.select_target, "is not one of --target_columns "
             f"({', '.join(self.target_names)})")

  @property
  def target_names(self) -> tuple[str, ...]:
    """The targets' names ("expression" for the DREAM format)."""
    return tuple(self.data.target_columns or ("expression",))

  @property
  def has_validation(self) -> bool:
    return self.data.has_validation or bool(self.train.val_data)

  def to_dict(self) -> dict[str, Any]:
    return {"data": self.data.to_dict(), "model": self.model.to_dict(),
            "train": self.train.to_dict()}

  @classmethod
  def from_dict(cls, values: Mapping[str, Any]) -> "RunConfig":
    return cls(DataConfig.from_dict(values.get("data", {})),
               ModelConfig.from_dict(values.get("model", {})),
               TrainConfig.from_dict(values.get("train", {})))

  def to_json(self) -> str:
    return json.dumps(self.to_dict(), indent=1) + "\n"

  @classmethod
  def from_json(cls, text: str) -> "RunConfig":
    return cls.from_dict(json.loads(text))

  def result_dict(self) -> dict[str, Any]:
    """The settings a resumed run must share with the interrupted one."""
    train = self.train.to_dict()
    return {"data": self.data.to_dict(), "model": self.model.to_dict(),
            "train": {k: train[k] for k in TrainConfig.result_fields()}}


CONFIG_FILE = "config.json"
