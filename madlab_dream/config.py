"""Typed, frozen settings: every default and every validation rule, once.

Each command builds its configs from the flags once, in its `run`
(`madlab_dream.commands.flags`); library code takes these objects or plain
arguments. A training run writes its resolved `RunConfig` to
`<model_dir>/config.json`; resume, predict and export read it back.

  DataConfig    preprocessing: length policy, row filter, split, seed
  ModelConfig   the architecture (defaults: MadLab's preset, 319,657
                parameters at L = 110)
  TrainConfig   the run: data path, optimiser, schedule, precision, outputs
                (`madlab_dream.train_config`)
  RunConfig     the three together, as written to config.json

Each field holds its default and its help text (`settings.setting`): the
flags, their --help and docs/settings.md are generated from them. Every
field is validated in `__post_init__`; a bad value raises
`ConfigError` (an `InputError`: one line, exit status 2 on the command
line) naming the setting as its flag, e.g. `--val_fraction=1.5: must be in
[0, 1)`: the validators are `madlab_dream.settings`'. The rules the model
shares with its layers (feature counts, basis function names) come from
`madlab_dream.layers.arguments`, so importing and validating configs needs
no framework, except that an activation name is looked up in Keras's own
registry (which imports Keras).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any
from typing import Mapping

from madlab_dream.layers import arguments as layer_arguments
from madlab_dream.settings import ConfigError  # noqa: F401 (its old home)
from madlab_dream.settings import Settings
from madlab_dream.settings import check
from madlab_dream.settings import choice
from madlab_dream.settings import keras_activation
from madlab_dream.settings import names
from madlab_dream.settings import number
from madlab_dream.settings import setting
from madlab_dream.settings import whole_number
from madlab_dream.settings import whole_numbers
from madlab_dream.train_config import AUTO_BF16_MAX_R_DROP  # noqa: F401
from madlab_dream.train_config import AUTO_BF16_MIN_SPEEDUP  # noqa: F401
from madlab_dream.train_config import AUTO_BF16_PROBE_BATCH  # noqa: F401
from madlab_dream.train_config import AUTO_BF16_PROBE_LEARNING_RATE  # noqa: F401
from madlab_dream.train_config import AUTO_BF16_PROBE_STEPS  # noqa: F401
from madlab_dream.train_config import AUTO_BF16_PROBE_VAL_ROWS  # noqa: F401
from madlab_dream.train_config import FREEZABLE  # noqa: F401
from madlab_dream.train_config import JIT_MODES  # noqa: F401
from madlab_dream.train_config import LOSSES  # noqa: F401
from madlab_dream.train_config import MATMUL_PRECISIONS  # noqa: F401
from madlab_dream.train_config import OPTIMIZERS  # noqa: F401
from madlab_dream.train_config import PRECISIONS  # noqa: F401
from madlab_dream.train_config import SCHEDULES  # noqa: F401
from madlab_dream.train_config import STRATEGIES  # noqa: F401
from madlab_dream.train_config import TrainConfig

#: The challenge's sequence length (17 nt flank + 80 nt random + 13 nt flank).
SEQ_LEN = 110
#: The longest L a run may use: the attention holds [L, L] logits per head
#: and sequence (16 MB in float32 at 2,048, times the batch and the heads),
#: and the cache L bytes per row; longer promoters than any MPRA library's.
MAX_SEQ_LEN = 2048
#: The default seed of the row filter, the split, shuffling and initial weights.
SEED = 42


SPLITS = ("random", "tail")


@dataclasses.dataclass(frozen=True)
class DataConfig(Settings):
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
  seq_len: int = setting(
      SEQ_LEN,
      "Sequence length L. Longer sequences keep their last L nt (5' "
      "trimmed); shorter ones are padded with N on the left. auto "
      "(tables, training): the longest sequence of the data files.",
      flag_type="string")
  singleton_keep: float = setting(
      0.5,
      "Probability of keeping a row whose expression is a whole "
      "number (observed once). MadLab: 0.5. 1 keeps every row; 0 "
      "drops them all.")
  split: str = setting(
      "random",
      "Validation rows: random (a seeded sample of the kept rows) or "
      "tail (the last kept rows of the file, as MadLab's take/skip "
      "made it).",
      choices=SPLITS)
  val_fraction: float = setting(
      0.02,
      "Fraction of kept rows in the fixed, disjoint validation set "
      "(MadLab: 2 %).")
  val_rows: int | None = setting(
      None,
      "An exact number of validation rows (instead of "
      "--val_fraction).")
  min_val_rows: int = setting(
      1000,
      "Floor under the validation set taken by --val_fraction (at "
      "most half the kept rows), so a small file does not select its "
      "best epoch on a few dozen rows; 0: no floor.")
  shuffle_buffer: int = setting(
      0,
      "0: each pass is a full seeded permutation of the training "
      "rows; N: a seeded local shuffle near file order (rows move "
      "about N positions), like MadLab's 1,024-element shuffle "
      "buffer.")
  seed: int = setting(
      SEED,
      "Seed for row filtering, the split, shuffling and weight "
      "initialisation.")
  sequence_column: str | None = setting(
      None,
      "A table with a header row (TSV, or CSV by a .csv name or "
      "--delimiter; .gz accepted): the column holding the sequences. "
      "Without it the training file is in the DREAM format.")
  target_columns: tuple[str, ...] | None = setting(
      None,
      "The table's target columns, one model output each.")
  split_column: str | None = setting(
      None,
      "The table's column that assigns rows to the splits (e.g. set "
      "or fold); rows with neither --val_values nor --test_values "
      "train.")
  val_values: tuple[str, ...] | None = setting(
      None,
      "Values of --split_column that mark validation rows.")
  test_values: tuple[str, ...] | None = setting(
      None,
      "Values of --split_column that mark test rows.")
  delimiter: str | None = setting(
      None,
      "The table's field separator (default: by the file name, "
      ".csv comma, else tab; \\t for a tab).")
  skip_bad_rows: bool = setting(
      False,
      "Skip a table's bad rows (a missing or non-numeric target, a "
      "bad sequence) and report each skipped line, instead of "
      "stopping at the first.")

  def __post_init__(self):
    self.validate_field("seq_len", whole_number, low=1, high=MAX_SEQ_LEN,
                         why_high=" (the attention's [L, L] logits grow as "
                         "L squared)")
    self._check_table_settings()
    self.validate_field("singleton_keep", number, 0.0, 1.0)
    self.validate_field("split", choice, SPLITS)
    self.validate_field("val_fraction", number, 0.0, 1.0, high_open=True)
    self.validate_field("val_rows", whole_number, low=0, optional=True)
    check(self.val_rows != 1, "val_rows", 1, "Pearson r, which selects "
           "the best epoch, needs at least 2 validation rows (0: none)")
    self.validate_field("min_val_rows", whole_number, low=0)
    self.validate_field("shuffle_buffer", whole_number, low=0)
    self.validate_field("seed", whole_number)

  def _check_table_settings(self) -> None:
    """The table's columns: all or none (ConfigError)."""
    object.__setattr__(self, "skip_bad_rows", bool(self.skip_bad_rows))
    for name in ("target_columns", "val_values", "test_values"):
      if getattr(self, name) is not None:
        self.validate_field(name, names)
    if self.sequence_column is None:
      for name in ("target_columns", "split_column", "delimiter"):
        check(getattr(self, name) is None, name, getattr(self, name),
               "needs --sequence_column (a table with a header row)")
    else:
      check(self.target_columns is not None, "sequence_column",
             self.sequence_column, "needs --target_columns")
      check(len(set(self.target_columns)) == len(self.target_columns),
             "target_columns", self.target_columns, "names a column twice")
    if self.split_column is None:
      for name in ("val_values", "test_values"):
        check(getattr(self, name) is None, name, getattr(self, name),
               "needs --split_column")
    else:
      check(self.val_values is not None or self.test_values is not None,
             "split_column", self.split_column,
             "needs --val_values and/or --test_values")
      check(not set(self.val_values or ()) & set(self.test_values or ()),
             "test_values", self.test_values, "shares values with "
             "--val_values")
    if self.delimiter is not None:
      check(len(self.delimiter) == 1, "delimiter", self.delimiter,
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
      check(value in DROPPED_MODEL_SETTINGS[key], key, value,
             "names no formulation of the model (accepted and ignored: "
             f"{', '.join(DROPPED_MODEL_SETTINGS[key])})")
      continue
    name = RENAMED_MODEL_SETTINGS.get(key, key)
    check(name not in out, name, value, f"given twice (also as {key})")
    out[name] = value
  return out


@dataclasses.dataclass(frozen=True)
class ModelConfig(Settings):
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
  seq_len: int = setting(
      SEQ_LEN)
  conv_kernels: tuple[int, ...] = setting(
      (15, 20, 25, 30),
      "Kernel sizes of the parallel MultiScaleConv branches.")
  conv_filters: int = setting(
      192,
      "Filters of each branch's first (wide) Conv1D.")
  conv_reduced: int = setting(
      96,
      "Filters of each branch's kernel-1 Conv1D: the model width seen "
      "by the transformer.")
  activation: str = setting(
      "swish",
      "Activation of the conv branches and the feed-forward network.")
  l2: float = setting(
      1e-3,
      "L2 weight on the conv kernels and the output Dense kernel.")
  num_blocks: int = setting(
      2,
      "Transformer blocks.")
  num_heads: int = setting(
      1,
      "Attention heads.")
  key_size: int = setting(
      96,
      "Attention key size per head.")
  value_size: int = setting(
      96,
      "Attention value size per head (num_heads x value_size must "
      "equal --conv_reduced).")
  num_relative_position_features: int | None = setting(
      None,
      "Relative-position features. Default (Enformer's): (value_size "
      "// (2 x #functions)) x 2 x #functions.")
  relative_position_functions: tuple[str, ...] = setting(
      layer_arguments.DEFAULT_RELATIVE_POSITION_FUNCTIONS,
      "Enformer positional basis functions.")
  attention_dropout_rate: float = setting(
      0.0,
      "Dropout on attention weights.")
  positional_dropout_rate: float = setting(
      0.0,
      "Dropout on positional features.")
  ffn_multiplier: int = setting(
      2,
      "Feed-forward hidden width = multiplier x model width.")
  lstm_units: int = setting(
      4,
      "Units per direction of the bidirectional LSTM.")
  lstm_activation: str = setting(
      "swish",
      "LSTM cell activation (MadLab: swish, not tanh).")
  transformer_trainable: bool = setting(
      True,
      "Train the transformer's attention and feed-forward weights "
      "(the model MadLab's report describes). "
      "--notransformer_trainable keeps them at their initial values: "
      "the model MadLab's code actually ran (150,313 trained weights; "
      "the attention adds exactly 0).")
  seed: int = setting(
      SEED)
  num_targets: int = setting(
      1,
      "Outputs of the model's head, one per target (set from "
      "--target_columns).")

  def __post_init__(self):
    object.__setattr__(self, "transformer_trainable",
                       bool(self.transformer_trainable))
    self.validate_field("seq_len", whole_number, low=1, high=MAX_SEQ_LEN,
                         why_high=" (the attention's [L, L] logits grow as "
                         "L squared)")
    self.validate_field("num_targets", whole_number, low=1)
    self.validate_field("conv_kernels", whole_numbers)
    self.validate_field("conv_filters", whole_number, low=1)
    self.validate_field("conv_reduced", whole_number, low=1)
    self.validate_field("l2", number, low=0.0)
    self.validate_field("num_blocks", whole_number, low=0)
    self.validate_field("num_heads", whole_number, low=1)
    self.validate_field("key_size", whole_number, low=1)
    self.validate_field("value_size", whole_number, low=1)
    self.validate_field("num_relative_position_features", whole_number, low=1,
                         optional=True)
    self.validate_field("relative_position_functions", names)
    self.validate_field("attention_dropout_rate", number, 0.0, 1.0,
                         high_open=True)
    self.validate_field("positional_dropout_rate", number, 0.0, 1.0,
                         high_open=True)
    self.validate_field("ffn_multiplier", whole_number, low=1)
    self.validate_field("lstm_units", whole_number, low=1)
    self.validate_field("seed", whole_number)
    self.validate_field("activation", keras_activation)
    self.validate_field("lstm_activation", keras_activation)
    if self.num_blocks:
      self._check_attention()

  def _check_attention(self) -> None:
    """The transformer's width and feature count (ConfigError)."""
    width = self.num_heads * self.value_size
    check(width == self.conv_reduced, "num_heads", self.num_heads,
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
    """Builds the config (keys as `Settings.from_dict`, plus those of files
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

@dataclasses.dataclass(frozen=True)
class RunConfig:
  """Everything a training run was given, as written to config.json."""
  data: DataConfig = dataclasses.field(default_factory=DataConfig)
  model: ModelConfig = dataclasses.field(default_factory=ModelConfig)
  train: TrainConfig = dataclasses.field(default_factory=TrainConfig)

  def __post_init__(self):
    check(self.data.seq_len == self.model.seq_len, "seq_len",
           self.model.seq_len, f"the data's L ({self.data.seq_len}) and the "
           f"model's ({self.model.seq_len}) differ")
    check(self.has_validation or not self.train.select_on_validation,
           "val_fraction", self.data.val_fraction, "leaves no validation set, "
           "but model selection on validation is on; pass "
           "--noselect_on_validation or a positive --val_fraction")
    check(self.has_validation or not
           self.train.early_stopping_patience, "early_stopping_patience",
           self.train.early_stopping_patience, "needs a validation set "
           "(--val_fraction > 0)")
    self._check_targets()

  def _check_targets(self) -> None:
    """Table files, targets, weights and the selected target (ConfigError)."""
    data, train = self.data, self.train
    check(data.num_targets == self.model.num_targets, "num_targets",
           self.model.num_targets, f"the data have {data.num_targets} "
           "target(s) (--target_columns)")
    for name in ("val_data", "test_data"):
      check(getattr(train, name) is None or data.is_table, name,
             getattr(train, name), "needs --sequence_column (tables with a "
             "header row)")
    check(not (train.val_data and data.split_column and data.val_values),
           "val_data", train.val_data, "and --val_values both give a "
           "validation set; pass one")
    check(not (train.test_data and data.split_column and data.test_values),
           "test_data", train.test_data, "and --test_values both give a "
           "test set; pass one")
    check(not (train.baseline_kmer and data.num_targets > 1),
           "baseline_kmer", train.baseline_kmer, "fits one target; pass it "
           "with one --target_columns name")
    if train.target_weights is not None:
      check(len(train.target_weights) == data.num_targets, "target_weights",
             train.target_weights, f"needs one weight per target "
             f"({data.num_targets})")
    if train.select_target is not None:
      check(train.select_target in self.target_names, "select_target",
             train.select_target, "is not one of --target_columns "
             f"({', '.join(self.target_names)})")

  def with_settings(self, **settings: Any) -> "RunConfig":
    """A copy with `settings` by name (the training command's flags without
    their dashes), each part rebuilt with `dataclasses.replace` and
    validated: seq_len and seed set both the data's and the model's, and
    target_columns also the model's output count. TypeError for a name of
    no setting."""
    parts: dict[str, dict[str, Any]] = {"data": {}, "model": {}, "train": {}}
    for name, value in settings.items():
      owners = [part for part, config in self.parts().items()
                if name in config.field_names()]
      if not owners or name == "num_targets":
        raise TypeError(f"unknown setting {name!r}; the settings: "
                        f"{', '.join(setting_names())}")
      for part in owners:
        parts[part][name] = value
    data = dataclasses.replace(self.data, **parts["data"])
    if "target_columns" in settings:
      parts["model"]["num_targets"] = data.num_targets
    return RunConfig(data, dataclasses.replace(self.model, **parts["model"]),
                     dataclasses.replace(self.train, **parts["train"]))

  @staticmethod
  def parts() -> dict[str, type]:
    """The part of a run each config class holds."""
    return {"data": DataConfig, "model": ModelConfig, "train": TrainConfig}

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


def setting_names() -> tuple[str, ...]:
  """Every setting of a training run, by name, once (data, model, train)."""
  names_: dict[str, None] = {}
  for config_class in RunConfig.parts().values():
    names_.update(dict.fromkeys(name for name in config_class.field_names()
                                if name != "num_targets"))
  return tuple(names_)


CONFIG_FILE = "config.json"
