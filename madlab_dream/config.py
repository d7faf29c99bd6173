"""Typed, frozen settings: every default and every validation rule, once.

Each command builds its configs from the flags once, in its `main`
(`madlab_dream.flags`); library code takes these objects or plain
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
[0, 1)`.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any, Mapping, Sequence

from madlab_dream.errors import InputError

#: The challenge's sequence length (17 nt flank + 80 nt random + 13 nt flank).
SEQ_LEN = 110
#: The default seed of the row filter, the split, shuffling and initial weights.
SEED = 42
#: MadLab's relative-position basis functions (also Enformer's list).
RELATIVE_FUNCTIONS = ("positional_features_exponential",
                      "positional_features_central_mask",
                      "positional_features_gamma")
#: How the attention forms its relative-position logits (equal values):
#: "gather" the [2L-1] relative keys into the [L, L] layout and contract
#: (L x L products), or "shift" the [L, 2L-1] products (Transformer-XL).
RELATIVE_LOGITS = ("gather", "shift")
#: How the BiLSTM runs (the same function and weights): "hoisted"
#: (`layers.BiLSTM`: the input projection of all steps and both directions
#: as one product before the loop) or "keras" (`Bidirectional(NoCudnnLSTM)`).
LSTM_IMPLEMENTATIONS = ("hoisted", "keras")


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
         optional: bool = False) -> int | None:
  if value is None and optional:
    return None
  if isinstance(value, bool) or not _is_integral(value):
    raise ConfigError(name, value, "must be a whole number")
  value = int(value)
  if low is not None:
    _check(value >= low, name, value, f"must be at least {low}")
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
  from madlab_dream import compat  # Only a model needs Keras: import lazily.
  keras = compat.keras()
  try:
    keras.activations.get(value)
  except (ValueError, TypeError):
    raise ConfigError(name, value, "is not a Keras activation (e.g. swish, "
                      "relu, gelu, tanh)") from None
  return str(value)


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

  def _set(self, name: str, value: Any) -> None:
    object.__setattr__(self, name, value)


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

  def __post_init__(self):
    self._set("seq_len", _int("seq_len", self.seq_len, low=1))
    self._set("singleton_keep", _float("singleton_keep", self.singleton_keep,
                                       0.0, 1.0))
    self._set("split", _choice("split", self.split, SPLITS))
    self._set("val_fraction", _float("val_fraction", self.val_fraction, 0.0,
                                     1.0, high_open=True))
    self._set("val_rows", _int("val_rows", self.val_rows, low=0,
                               optional=True))
    self._set("min_val_rows", _int("min_val_rows", self.min_val_rows, low=0))
    self._set("shuffle_buffer", _int("shuffle_buffer", self.shuffle_buffer,
                                     low=0))
    self._set("seed", _int("seed", self.seed))

  @property
  def has_validation(self) -> bool:
    return bool(self.val_rows) if self.val_rows is not None else (
        self.val_fraction > 0)


@dataclasses.dataclass(frozen=True)
class ModelConfig(_Config):
  """The architecture; defaults are MadLab's (report Table 1, their code).

  codes [batch, L] -> one-hot -> len(conv_kernels) parallel branches
  Conv1D(conv_filters, k) -> BN -> activation -> Conv1D(conv_reduced, 1) ->
  BN -> activation, summed -> num_blocks pre-LayerNorm transformer blocks
  (Enformer relative attention: num_heads x key_size / value_size,
  num_relative_features from relative_functions; FFN ffn_multiplier x width)
  -> BiLSTM(lstm_units, lstm_activation) -> Dense(1). l2 on the conv kernels
  and the output kernel; seed fixes the initial weights.

  relative_logits, lstm_implementation: how the attention's relative
  logits and the BiLSTM are computed (`RELATIVE_LOGITS`,
  `LSTM_IMPLEMENTATIONS`); the model's function and weights are the same
  either way. The defaults are the faster ones on the CPUs measured
  (BENCHMARKS.md); the others are today's formulation before issue 16,
  kept for the benchmark's comparison.

  transformer_trainable: True (default) trains every weight, the model of
  MadLab's report; False freezes the attention and feed-forward weights of
  the transformer blocks at their initial values, the model MadLab's code
  actually trained (Keras 2 did not track its Sonnet variables: 150,313 of
  the 317,353 weights learned, and the zero-initialised attention output
  added exactly 0).
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
  num_relative_features: int | None = None
  relative_functions: tuple[str, ...] = RELATIVE_FUNCTIONS
  attention_dropout: float = 0.0
  positional_dropout: float = 0.0
  ffn_multiplier: int = 2
  lstm_units: int = 4
  lstm_activation: str = "swish"
  relative_logits: str = "gather"
  lstm_implementation: str = "hoisted"
  transformer_trainable: bool = True
  seed: int = SEED

  def __post_init__(self):
    s = self._set
    s("transformer_trainable", bool(self.transformer_trainable))
    s("seq_len", _int("seq_len", self.seq_len, low=1))
    s("conv_kernels", _int_list("conv_kernels", self.conv_kernels))
    s("conv_filters", _int("conv_filters", self.conv_filters, low=1))
    s("conv_reduced", _int("conv_reduced", self.conv_reduced, low=1))
    s("l2", _float("l2", self.l2, low=0.0))
    s("num_blocks", _int("num_blocks", self.num_blocks, low=0))
    s("num_heads", _int("num_heads", self.num_heads, low=1))
    s("key_size", _int("key_size", self.key_size, low=1))
    s("value_size", _int("value_size", self.value_size, low=1))
    s("num_relative_features", _int("num_relative_features",
                                    self.num_relative_features, low=1,
                                    optional=True))
    s("relative_functions", _str_list("relative_functions",
                                      self.relative_functions))
    s("attention_dropout", _float("attention_dropout", self.attention_dropout,
                                  0.0, 1.0, high_open=True))
    s("positional_dropout", _float("positional_dropout",
                                   self.positional_dropout, 0.0, 1.0,
                                   high_open=True))
    s("ffn_multiplier", _int("ffn_multiplier", self.ffn_multiplier, low=1))
    s("lstm_units", _int("lstm_units", self.lstm_units, low=1))
    s("relative_logits", _choice("relative_logits", self.relative_logits,
                                 RELATIVE_LOGITS))
    s("lstm_implementation", _choice("lstm_implementation",
                                     self.lstm_implementation,
                                     LSTM_IMPLEMENTATIONS))
    s("seed", _int("seed", self.seed))
    s("activation", _activation("activation", self.activation))
    s("lstm_activation", _activation("lstm_activation", self.lstm_activation))
    if self.num_blocks:
      width = self.num_heads * self.value_size
      _check(width == self.conv_reduced, "num_heads", self.num_heads,
             f"num_heads x value_size = {self.num_heads} x {self.value_size} "
             f"= {width} must equal --conv_reduced={self.conv_reduced} (the "
             "residual connections add the attention output to its input)")
      from madlab_dream.layers import positional
      try:
        positional.resolve_relative_features(
            self.value_size, self.num_relative_features,
            self.relative_functions, symmetric=False)
      except ValueError as e:
        name = ("num_relative_features" if self.num_relative_features
                else "relative_functions")
        raise ConfigError(name, getattr(self, name), str(e)) from None

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
PRECISIONS = ("none", "mixed_float16", "mixed_bfloat16", "auto")
#: --mixed_precision=auto (train/precision.py): mixed_bfloat16 only on a
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

  def __post_init__(self):
    s = self._set
    s("epochs", _int("epochs", self.epochs, low=1))
    s("steps_per_epoch", _int("steps_per_epoch", self.steps_per_epoch, low=1,
                              optional=True))
    s("max_steps", _int("max_steps", self.max_steps, low=1, optional=True))
    s("time_budget", duration_seconds("time_budget", self.time_budget))
    s("batch_size", _int("batch_size", self.batch_size, low=1))
    s("learning_rate", _float("learning_rate", self.learning_rate, low=0.0))
    s("lr_schedule", _choice("lr_schedule", self.lr_schedule, SCHEDULES))
    s("clipnorm", _float("clipnorm", self.clipnorm, low=0.0, optional=True))
    _check(self.clipnorm is None or self.clipnorm > 0, "clipnorm",
           self.clipnorm, "must be positive (omit it for no clipping)")
    s("warmup_fraction", _float("warmup_fraction", self.warmup_fraction, 0.0,
                                1.0, high_open=True, optional=True))
    s("early_stopping_patience", _int("early_stopping_patience",
                                      self.early_stopping_patience, low=0))
    s("optimizer", _choice("optimizer", self.optimizer, OPTIMIZERS))
    s("loss", _choice("loss", self.loss, LOSSES))
    s("jit_compile", _choice("jit_compile", self.jit_compile, JIT_MODES))
    s("mixed_precision", _choice("mixed_precision", self.mixed_precision,
                                 PRECISIONS))
    s("strategy", _choice("strategy", self.strategy, STRATEGIES))
    s("train_eval_rows", _int("train_eval_rows", self.train_eval_rows, low=0))
    s("eval_batch_size", _int("eval_batch_size", self.eval_batch_size, low=1))
    s("baseline_kmer", _int("baseline_kmer", self.baseline_kmer, low=0))
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
    _check(self.data.has_validation or not self.train.select_on_validation,
           "val_fraction", self.data.val_fraction, "leaves no validation set, "
           "but model selection on validation is on; pass "
           "--noselect_on_validation or a positive --val_fraction")
    _check(self.data.has_validation or not
           self.train.early_stopping_patience, "early_stopping_patience",
           self.train.early_stopping_patience, "needs a validation set "
           "(--val_fraction > 0)")

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
