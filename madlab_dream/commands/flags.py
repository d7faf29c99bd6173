"""Every command-line flag of the package, and the configs built from them.

Flags are grouped by command; each command's `define_*_flags` defines the
groups it needs (a flag shared by two groups is defined once). A flag of a
config setting has the setting's name and the config's default (each
default is written once, in `madlab_dream.config`, which also validates
the values): this module describes and converts. Only this module and the
commands' `main` functions read `FLAGS`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from typing import Any
from typing import Callable
from typing import Sequence

from absl import flags

from madlab_dream import config as cfg
from madlab_dream.errors import InputError

FLAGS = flags.FLAGS

#: Where the define_* functions put their flags: FLAGS, or the FlagValues of
#: the innermost `defining_flags_on` block.
_flag_values_stack = [FLAGS]


@contextlib.contextmanager
def defining_flags_on(flag_values: flags.FlagValues):
  """Makes the define_* functions put their flags on `flag_values`.

  `with defining_flags_on(fv): define_train_flags()` defines on `fv`.
  """
  _flag_values_stack.append(flag_values)
  try:
    yield flag_values
  finally:
    _flag_values_stack.pop()


def _define(define: Callable, name: str, default: Any, help_text: str,
            choices: Sequence[str] | None = None) -> None:
  """Defines `--name` with absl's `define` where the define_* functions
  put their flags, unless it is defined there already."""
  flag_values = _flag_values_stack[-1]
  if name in flag_values:
    return
  if choices is None:
    define(name, default, help_text, flag_values=flag_values)
  else:
    define(name, default, list(choices), help_text, flag_values=flag_values)


@dataclasses.dataclass(frozen=True)
class _Setting:
  """The flag of a config field: absl's DEFINE function, the field's name,
  the help text and, for an enum, its values."""
  define: Callable
  name: str
  help: str
  choices: Sequence[str] | None = None


def _define_settings(config_class, settings: Sequence[_Setting]) -> None:
  """Defines each setting's flag with its field's default."""
  for setting in settings:
    default = config_class.default(setting.name)
    if isinstance(default, tuple):
      default = [str(value) for value in default]
    if setting.define is flags.DEFINE_string and default is not None:
      default = str(default)  # --seq_len: a number or auto
    _define(setting.define, setting.name, default, setting.help,
            setting.choices)


# --- Settings of the configs --------------------------------------------------

_DATA_SETTINGS = (
    _Setting(flags.DEFINE_string, "seq_len",
             "Sequence length L. Longer sequences keep their last L nt (5' "
             "trimmed); shorter ones are padded with N on the left. auto "
             "(tables, training): the longest sequence of the data files."),
    _Setting(flags.DEFINE_string, "sequence_column",
             "A table with a header row (TSV, or CSV by a .csv name or "
             "--delimiter; .gz accepted): the column holding the sequences. "
             "Without it the training file is in the DREAM format."),
    _Setting(flags.DEFINE_list, "target_columns",
             "The table's target columns, one model output each."),
    _Setting(flags.DEFINE_string, "split_column",
             "The table's column that assigns rows to the splits (e.g. set "
             "or fold); rows with neither --val_values nor --test_values "
             "train."),
    _Setting(flags.DEFINE_list, "val_values",
             "Values of --split_column that mark validation rows."),
    _Setting(flags.DEFINE_list, "test_values",
             "Values of --split_column that mark test rows."),
    _Setting(flags.DEFINE_string, "delimiter",
             "The table's field separator (default: by the file name, "
             ".csv comma, else tab; \\t for a tab)."),
    _Setting(flags.DEFINE_boolean, "skip_bad_rows",
             "Skip a table's bad rows (a missing or non-numeric target, a "
             "bad sequence) and report each skipped line, instead of "
             "stopping at the first."),
    _Setting(flags.DEFINE_float, "singleton_keep",
             "Probability of keeping a row whose expression is a whole "
             "number (observed once). MadLab: 0.5. 1 keeps every row; 0 "
             "drops them all."),
    _Setting(flags.DEFINE_float, "val_fraction",
             "Fraction of kept rows in the fixed, disjoint validation set "
             "(MadLab: 2 %)."),
    _Setting(flags.DEFINE_enum, "split",
             "Validation rows: random (a seeded sample of the kept rows) or "
             "tail (the last kept rows of the file, as MadLab's take/skip "
             "made it).", cfg.SPLITS),
    _Setting(flags.DEFINE_integer, "shuffle_buffer",
             "0: each pass is a full seeded permutation of the training "
             "rows; N: a seeded local shuffle near file order (rows move "
             "about N positions), like MadLab's 1,024-element shuffle "
             "buffer."),
    _Setting(flags.DEFINE_integer, "val_rows",
             "An exact number of validation rows (instead of "
             "--val_fraction)."),
    _Setting(flags.DEFINE_integer, "min_val_rows",
             "Floor under the validation set taken by --val_fraction (at "
             "most half the kept rows), so a small file does not select its "
             "best epoch on a few dozen rows; 0: no floor."),
    _Setting(flags.DEFINE_integer, "seed",
             "Seed for row filtering, the split, shuffling and weight "
             "initialisation."),
)

_MODEL_SETTINGS = (
    _Setting(flags.DEFINE_list, "conv_kernels",
             "Kernel sizes of the parallel MultiScaleConv branches."),
    _Setting(flags.DEFINE_integer, "conv_filters",
             "Filters of each branch's first (wide) Conv1D."),
    _Setting(flags.DEFINE_integer, "conv_reduced",
             "Filters of each branch's kernel-1 Conv1D: the model width seen "
             "by the transformer."),
    _Setting(flags.DEFINE_string, "activation",
             "Activation of the conv branches and the feed-forward network."),
    _Setting(flags.DEFINE_float, "l2",
             "L2 weight on the conv kernels and the output Dense kernel."),
    _Setting(flags.DEFINE_integer, "num_blocks", "Transformer blocks."),
    _Setting(flags.DEFINE_integer, "num_heads", "Attention heads."),
    _Setting(flags.DEFINE_integer, "key_size",
             "Attention key size per head."),
    _Setting(flags.DEFINE_integer, "value_size",
             "Attention value size per head (num_heads x value_size must "
             "equal --conv_reduced)."),
    _Setting(flags.DEFINE_integer, "num_relative_position_features",
             "Relative-position features. Default (Enformer's): (value_size "
             "// (2 x #functions)) x 2 x #functions."),
    _Setting(flags.DEFINE_list, "relative_position_functions",
             "Enformer positional basis functions."),
    _Setting(flags.DEFINE_float, "attention_dropout_rate",
             "Dropout on attention weights."),
    _Setting(flags.DEFINE_float, "positional_dropout_rate",
             "Dropout on positional features."),
    _Setting(flags.DEFINE_integer, "ffn_multiplier",
             "Feed-forward hidden width = multiplier x model width."),
    _Setting(flags.DEFINE_integer, "lstm_units",
             "Units per direction of the bidirectional LSTM."),
    _Setting(flags.DEFINE_string, "lstm_activation",
             "LSTM cell activation (MadLab: swish, not tanh)."),
    _Setting(flags.DEFINE_boolean, "transformer_trainable",
             "Train the transformer's attention and feed-forward weights "
             "(the model MadLab's report describes). "
             "--notransformer_trainable keeps them at their initial values: "
             "the model MadLab's code actually ran (150,313 trained weights; "
             "the attention adds exactly 0)."),
    _Setting(flags.DEFINE_integer, "num_targets",
             "Outputs of the model's head, one per target (set from "
             "--target_columns)."),
)

_EVAL_BATCH_SETTING = _Setting(
    flags.DEFINE_integer, "eval_batch_size",
    "Sequences per model call for validation and prediction.")

_TRAIN_SETTINGS = (
    _Setting(flags.DEFINE_string, "train_data",
             "DREAM-format training file (`sequence<TAB>expression`, no "
             "header, .gz accepted), e.g. data/train_sequences.txt."),
    _Setting(flags.DEFINE_string, "model_dir", "Output directory of the run."),
    _Setting(flags.DEFINE_string, "cache_dir",
             "Where the preprocessed cache is written/reused (default "
             "<model_dir>/cache)."),
    _Setting(flags.DEFINE_integer, "epochs", "Epochs."),
    _Setting(flags.DEFINE_integer, "steps_per_epoch",
             "Batches per epoch. Default: one pass over the training rows "
             "(floor(n_train / batch_size)). MadLab's run used 36,743 (about "
             "8 passes)."),
    _Setting(flags.DEFINE_integer, "max_steps",
             "Stop after this many optimizer steps in all (the last epoch "
             "may be partial); the best epoch is still evaluated, kept and "
             "exported."),
    _Setting(flags.DEFINE_string, "time_budget",
             "Stop training when its wall-clock time reaches this (600, "
             "600s, 10m, 1.5h; summed over resumed sessions); the epoch in "
             "progress is evaluated and the best epoch exported."),
    _Setting(flags.DEFINE_integer, "batch_size",
             "Global training batch size (whatever the number of replicas)."),
    _Setting(flags.DEFINE_float, "learning_rate",
             "Learning rate (the peak of a warm-up or one-cycle schedule)."),
    _Setting(flags.DEFINE_enum, "lr_schedule",
             "constant (MadLab), cosine (linear warm-up, cosine decay to 0) "
             "or onecycle (the winning team's: cosine rise from lr/25, fall "
             "to lr/2.5e5) over the planned steps.", cfg.SCHEDULES),
    _Setting(flags.DEFINE_float, "warmup_fraction",
             "Warm-up as a fraction of the planned steps (default: constant "
             "0, cosine 0.05, onecycle 0.3)."),
    _Setting(flags.DEFINE_integer, "early_stopping_patience",
             "Stop after this many epochs without a better validation "
             "Pearson r (MadLab used 20; 0: off)."),
    _Setting(flags.DEFINE_enum, "optimizer",
             "Optimizer (MadLab: RMSprop with Keras defaults; rmsprop_keras2 "
             "has the epsilon placement of the Keras 2 they ran, sqrt(v) + "
             "eps).", cfg.OPTIMIZERS),
    _Setting(flags.DEFINE_float, "clipnorm",
             "Clip the global norm of each step's gradients to this "
             "(default: no clipping, as MadLab)."),
    _Setting(flags.DEFINE_enum, "loss", "Training loss.", cfg.LOSSES),
    _Setting(flags.DEFINE_enum, "jit_compile",
             "XLA compilation of the train step. auto: on when a GPU or TPU "
             "is present.", cfg.JIT_MODES),
    _Setting(flags.DEFINE_enum, "mixed_precision",
             "Keras mixed-precision policy; the output stays float32. auto: "
             "mixed_bfloat16 where the CPU has bfloat16 matrix units "
             "(AMX-BF16 or AVX512-BF16) or a GPU is present, only if a timed "
             "A/B at the start of the run finds it at least "
             f"{cfg.AUTO_BF16_MIN_SPEEDUP:.2f}x faster and, after "
             f"{cfg.AUTO_BF16_PROBE_STEPS} steps from the same weights, its "
             f"validation r within {cfg.AUTO_BF16_MAX_R_DROP} of float32's; "
             "else float32 (the decision is in report.json).",
             cfg.PRECISIONS),
    _Setting(flags.DEFINE_enum, "matmul_precision",
             "JAX's default matmul precision (Keras on JAX only): default "
             "(JAX's: TF32 for float32 matmuls on NVIDIA GPUs), high "
             "(bfloat16_3x), highest (true float32). The report says which "
             "ran.", cfg.MATMUL_PRECISIONS),
    _Setting(flags.DEFINE_enum, "strategy",
             "Devices: default (one device), mirrored (all local devices: "
             "tf.distribute's MirroredStrategy on TensorFlow, "
             "keras.distribution.DataParallel on JAX), multi_worker "
             "(TF_CONFIG; TensorFlow), tpu (TensorFlow).", cfg.STRATEGIES),
    _Setting(flags.DEFINE_string, "tpu", "TPU address for --strategy=tpu."),
    _Setting(flags.DEFINE_integer, "train_eval_rows",
             "Rows of a fixed, seeded sample of the training set on which "
             "the report's training metrics are computed (0: the whole "
             "training set)."),
    _Setting(flags.DEFINE_boolean, "select_on_validation",
             "Keep and export the epoch with the best validation Pearson r "
             "(needs --val_fraction > 0)."),
    _Setting(flags.DEFINE_integer, "baseline_kmer",
             "Also fit a ridge regression on k-mer counts (k = 1..K, K <= 6) "
             "of the same training rows and report it beside the model (0: "
             "off)."),
    _Setting(flags.DEFINE_boolean, "progress",
             "Keras progress bars (when stdout is a terminal)."),
    _Setting(flags.DEFINE_boolean, "resume",
             "Resume from the last completed epoch when --model_dir holds an "
             "interrupted run with the same settings."),
    _Setting(flags.DEFINE_string, "val_data",
             "A validation table (same columns as --train_data): the file "
             "is the split."),
    _Setting(flags.DEFINE_string, "test_data",
             "A test table, scored once with the best epoch (report.json "
             "\"test\")."),
    _Setting(flags.DEFINE_list, "target_weights",
             "Weights of the targets in the loss (default: equal; the MSE "
             "is their weighted mean)."),
    _Setting(flags.DEFINE_string, "select_target",
             "Select the best epoch on this target's validation Pearson r "
             "(default: the mean over targets)."),
    _Setting(flags.DEFINE_boolean, "rc_augment",
             "Reverse-complement each training sequence with probability "
             "0.5 (seeded per pass)."),
    _Setting(flags.DEFINE_string, "init_from",
             "Start from the weights of a trained run directory "
             "(model.keras); a head of another size is re-initialised, "
             "other shape mismatches are refused."),
    _Setting(flags.DEFINE_list, "freeze",
             "Blocks kept fixed while training: conv, transformer, lstm."),
)


def define_data_flags() -> None:
  """Preprocessing: DataConfig."""
  _define_settings(cfg.DataConfig, _DATA_SETTINGS)


def define_model_flags() -> None:
  """The architecture: ModelConfig (seq_len and seed come with the data)."""
  define_data_flags()
  _define_settings(cfg.ModelConfig, _MODEL_SETTINGS)


def define_eval_batch_flag() -> None:
  _define_settings(cfg.TrainConfig, [_EVAL_BATCH_SETTING])


def define_train_flags() -> None:
  """A training run: DataConfig, ModelConfig and TrainConfig."""
  define_model_flags()
  define_eval_batch_flag()
  _define_settings(cfg.TrainConfig, _TRAIN_SETTINGS)


def define_model_path_flag() -> None:
  _define(flags.DEFINE_string, "model", None,
          "A training run directory (with saved_model/) or a SavedModel "
          "directory.")


def define_model_paths_flag() -> None:
  _define(flags.DEFINE_multi_string, "model", [],
          "A training run directory (with saved_model/) or a SavedModel "
          "directory; repeat for an ensemble (the models' mean, sd and each "
          "model's column).")


def define_output_flag(help_text: str) -> None:
  _define(flags.DEFINE_string, "output", None, help_text)


def define_output_dir_flag(default: str | None = None) -> None:
  _define(flags.DEFINE_string, "output_dir", default, "Output directory.")


# --- Configs from flags -------------------------------------------------------

def _values(config_class, flag_values) -> dict[str, Any]:
  flag_values = FLAGS if flag_values is None else flag_values
  return {name: flag_values[name].value
          for name in config_class.field_names() if name in flag_values}


def _unescaped(values: dict[str, Any]) -> dict[str, Any]:
  if values.get("delimiter") in ("\\t", "tab"):
    values["delimiter"] = "\t"
  return values


def data_config(flag_values=None, seq_len: int | None = None
                ) -> cfg.DataConfig:
  values = _unescaped(_values(cfg.DataConfig, flag_values))
  if seq_len is not None:
    values["seq_len"] = seq_len
  return cfg.DataConfig(**values)


def model_config(flag_values=None, seq_len: int | None = None
                 ) -> cfg.ModelConfig:
  values = _values(cfg.ModelConfig, flag_values)
  if seq_len is not None:
    values["seq_len"] = seq_len
  flag_values = FLAGS if flag_values is None else flag_values
  if "target_columns" in flag_values and flag_values["target_columns"].value:
    values["num_targets"] = len(flag_values["target_columns"].value)
  return cfg.ModelConfig(**values)


def train_config(flag_values=None) -> cfg.TrainConfig:
  return cfg.TrainConfig(**_values(cfg.TrainConfig, flag_values))


def run_config(flag_values=None) -> cfg.RunConfig:
  """The training run's configs, validated (ConfigError on a bad value);
  --seq_len=auto becomes the longest sequence of the data files."""
  flag_values = FLAGS if flag_values is None else flag_values
  seq_len = None
  if str(flag_values["seq_len"].value).strip().lower() == "auto":
    seq_len = _longest_sequence(flag_values)
  return cfg.RunConfig(data_config(flag_values, seq_len),
                       model_config(flag_values, seq_len),
                       train_config(flag_values))


def _longest_sequence(flag_values) -> int:
  """--seq_len=auto: the longest sequence of the training, validation and
  test tables (said on stdout)."""
  from madlab_dream.io import tables
  data = cfg.DataConfig(**{**_unescaped(_values(cfg.DataConfig, flag_values)),
                           "seq_len": 1})
  if not data.is_table:
    raise InputError("--seq_len=auto needs --sequence_column (a table with "
                     "a header row)")
  paths = [flag_values[name].value for name in
           ("train_data", "val_data", "test_data") if flag_values[name].value]
  if not paths:
    raise InputError("--seq_len=auto needs --train_data")
  longest = max(tables.longest_sequence(path, data) for path in paths)
  print(f"--seq_len=auto: {longest} (the longest sequence of "
        f"{', '.join(paths)})", flush=True)
  return longest


def run_config_from_args(args: list[str]) -> cfg.RunConfig:
  """The RunConfig that `python -m madlab_dream.train ARGS` would build.

  Parses on a private FlagValues (the caller's FLAGS are untouched), e.g.
  `run_config_from_args(["--flagfile=experiments/demo.flags", "--epochs=2"])`.
  """
  flag_values = flags.FlagValues()
  with defining_flags_on(flag_values):
    define_train_flags()
  try:
    flag_values(["madlab_dream.train", *args])
  except flags.Error as e:
    raise InputError(str(e)) from None
  return run_config(flag_values)


# --- The other commands -------------------------------------------------------

def define_preprocess_flags() -> None:
  """The flags of `python -m madlab_dream.data`."""
  define_data_flags()
  define_output_dir_flag()
  _define(flags.DEFINE_string, "input", None,
          "DREAM-format file to preprocess (.gz accepted).")


def define_predict_flags() -> None:
  """The flags of `python -m madlab_dream.predict`."""
  define_target_flag()
  define_model_paths_flag()
  define_eval_batch_flag()
  _define(flags.DEFINE_string, "input", None,
          "Sequences: DREAM TSV (the test file), FASTA or one per line; .gz "
          "accepted.")
  define_output_flag("Output file: .json gives {\"<position>\": prediction} "
                     "(a challenge submission); anything else TSV "
                     "sequence<TAB>prediction.")
  _define(flags.DEFINE_enum, "format", "auto",
          "Output format (auto: by the output's extension).",
          ["auto", "tsv", "json"])
  _define(flags.DEFINE_boolean, "reverse_complement", False,
          "Average with the reverse-complement strand (MadLab did not).")


def define_target_flag() -> None:
  _define(flags.DEFINE_string, "target", None,
          "A model of several targets: use this target (default: predict "
          "writes every target, one column each; variants, explain and "
          "design use the first).")


def define_variants_flags() -> None:
  """The flags of `python -m madlab_dream.variants`."""
  define_target_flag()
  define_model_path_flag()
  define_eval_batch_flag()
  _define(flags.DEFINE_string, "pairs", None,
          "File of [name<TAB>]ref<TAB>alt pairs.")
  _define(flags.DEFINE_string, "sequence", None,
          "One sequence for saturation mutagenesis.")
  _define(flags.DEFINE_string, "ism_input", None,
          "Saturation mutagenesis of every sequence of this file (DREAM "
          "TSV, FASTA or one per line; .gz accepted), batched: one TSV with "
          "a sequence_id column (the sequence's number in the file), no "
          "heatmap.")
  define_output_flag("Output TSV.")
  _define(flags.DEFINE_string, "heatmap", None,
          "Mutagenesis heatmap PNG (default: the output's name with .png).")
  _define(flags.DEFINE_boolean, "allow_unequal_lengths", False,
          "Accept pairs whose ref and alt differ in length (the model then "
          "sees them shifted against each other).")
  _define(flags.DEFINE_boolean, "allow_long_sequence", False,
          "Mutagenesis of a sequence longer than the model's L: mutate only "
          "its last L positions (all the model sees) instead of refusing.")


def define_evaluate_flags() -> None:
  """The flags of `python -m madlab_dream.evaluate`."""
  # scoring imports pandas and scipy; only this command needs its names.
  from madlab_dream.scoring import names
  _define(flags.DEFINE_string, "predictions", None,
          "Predictions: TSV `sequence<TAB>prediction` in position order, or "
          "JSON {\"<position>\": prediction}; .gz accepted.")
  _define(flags.DEFINE_string, "ground_truth", None,
          f"The challenge's {names.TRUTH_FILE}.")
  _define(flags.DEFINE_string, "subsets_dir", None,
          f"The challenge's {names.SUBSET_DIR} folder (high_exp_seqs.csv, "
          "all_SNVs_seqs.csv, ...).")
  _define(flags.DEFINE_string, "public_dir", None,
          f"The challenge's {names.PUBLIC_DIR} folder (optional).")
  _define(flags.DEFINE_enum, "public", None,
          "Public-leaderboard positions: exclude (final leaderboard), only "
          "(public leaderboard) or ignore. Default: exclude with "
          "--public_dir, else ignore.", names.PUBLIC_MODES)
  define_output_flag("Result JSON (optional); a Markdown report is written "
                     "beside it with the .md suffix.")


def define_stability_flags() -> None:
  """The flags of `python -m madlab_dream.stability`."""
  _define(flags.DEFINE_list, "models", None,
          "Training run directories (with model.keras and saved_model/), "
          "each as NAME=DIR or DIR.")
  _define(flags.DEFINE_list, "sequence_files", [],
          "Sequence files (DREAM TSV, FASTA or one per line) whose long "
          "homopolymer runs are counted, each as NAME=FILE or FILE.")
  _define(flags.DEFINE_integer, "seed", 0, "Seed of the probe sequences.")
  _define(flags.DEFINE_integer, "backgrounds", 16,
          "Random backgrounds of each probe (unit and run length).")
  _define(flags.DEFINE_integer, "random_rows", 1000,
          "Random 80-nt regions (the reference).")
  define_output_flag("Markdown report; its figures go beside it (.json).")


def define_simulate_flags() -> None:
  """The flags of `python -m madlab_dream.simulate`."""
  define_output_dir_flag()
  _define(flags.DEFINE_integer, "train_rows", 6_739_258,
          "Simulated training rows (the real file's count).")
  _define(flags.DEFINE_integer, "test_rows", 71_103,
          "Simulated test rows (the real file's count).")
  _define(flags.DEFINE_integer, "seed", cfg.SEED, "Simulator seed.")
  _define(flags.DEFINE_integer, "grammar_seed", None,
          "A different grammar on the same motifs: every motif effect and "
          "interaction weight rescaled (and some signs flipped) from this "
          "seed. Default: the grammar's own.")


DEMO_FLAGFILE = "experiments/demo.flags"


def experiment_path(path: str) -> str:
  """`path` as given (relative to the current directory) if it exists,
  else the repository's file of that relative name (`experiments/...`
  when the command runs elsewhere); InputError if neither exists."""
  if os.path.exists(path) or os.path.isabs(path):
    return path
  repo = os.path.dirname(os.path.dirname(os.path.dirname(
      os.path.abspath(__file__))))
  candidate = os.path.join(repo, path)
  if os.path.exists(candidate):
    return candidate
  raise InputError("no such flagfile (here or in the repository)", path)


def define_demo_flags() -> None:
  """The flags of `python -m madlab_dream.demo`."""
  define_output_dir_flag("demo_output")
  _define(flags.DEFINE_integer, "train_rows", 150_000,
          "Simulated training rows.")
  _define(flags.DEFINE_integer, "test_rows", 20_000, "Simulated test rows.")
  _define(flags.DEFINE_integer, "sim_seed", 2022, "Simulator seed.")
  _define(flags.DEFINE_string, "flagfile_path", DEMO_FLAGFILE,
          "The training experiment (the default: the repository's, from "
          "any directory).")
  _define(flags.DEFINE_multi_string, "train_arg", [],
          "An extra training flag, e.g. --train_arg=--epochs=1 "
          "(repeatable).")
  _define(flags.DEFINE_string, "budget", "12m",
          "Wall-clock budget of the whole demo (600, 600s, 12m, 1h): the "
          "training run is sized to fit it on this machine.")
  _define(flags.DEFINE_boolean, "check_targets", False,
          "Exit with status 1 when a check of the demo fails (the checks "
          "are always printed and written to demo_report.json).")


def define_bench_flags() -> None:
  """The flags of `python -m madlab_dream.bench`."""
  define_output_flag("Markdown report; the raw figures go beside it (.json).")
  _flag_values_stack[-1].set_default("output", "BENCHMARKS.md")
  _define(flags.DEFINE_integer, "rows", None,
          "Rows of the generated DREAM file (default: the challenge's "
          "6,739,258; fewer with --quick).")
  _define(flags.DEFINE_boolean, "quick", False,
          "Tiny sizes and a tiny model (smoke test; figures not "
          "representative).")
  _define(flags.DEFINE_string, "bench_dir", "bench_output",
          "Generated data, caches and logs (reused between runs).")
  _define(flags.DEFINE_enum, "backend", "tensorflow",
          "tensorflow: every section on this machine's CPU (BENCHMARKS.md). "
          "jax: the model's training and inference throughput (float32 and "
          "mixed_bfloat16) and its comparisons on whatever accelerator JAX "
          "sees, through Keras on JAX with XLA, against the GPU target; needs "
          "no TensorFlow (--output defaults to BENCHMARKS_GPU.md; --rows and "
          "--bench_dir do not apply).", ["tensorflow", "jax"])


# --- Explaining a model ------------------------------------------------------

def define_gpu_check_flags() -> None:
  """The flags of `python -m madlab_dream.gpu_check`."""
  _define(flags.DEFINE_string, "output_dir", "gpu_check_output",
          "Directory for the simulated data and the training run.")
  _define(flags.DEFINE_string, "report", "BENCHMARKS_GPU.md",
          "The report (its figures also as .json beside it).")
  _define(flags.DEFINE_boolean, "smoke", False,
          "Tiny sizes: the quick-start model on a few thousand rows (CPU).")
  _define(flags.DEFINE_string, "budget", None,
          "Training time budget (default 4m; 20s with --smoke).")
  _define(flags.DEFINE_boolean, "bare_step_only", False,
          "Only time the bare training step and print it as one JSON line "
          "(the check runs itself so for Keras on PyTorch).")


def define_explain_flags() -> None:
  """The flags of `python -m madlab_dream.explain`."""
  from madlab_dream.explain import settings
  default = settings.ExplainConfig()
  define_model_path_flag()
  define_target_flag()
  define_eval_batch_flag()
  # A gradient holds the activations of its batch: smaller than prediction's.
  _flag_values_stack[-1].set_default("eval_batch_size", default.batch_size)
  _define(flags.DEFINE_string, "input", None,
          "Sequences: DREAM TSV, FASTA or one per line; .gz accepted.")
  define_output_flag("Output .npz: one_hot, hypothetical, contributions "
                     "[N, L, 4], prediction, baseline_prediction, sequence "
                     "[N] and the settings (TF-MoDISco's layout).")
  _define(flags.DEFINE_enum, "method", default.method,
          "Contribution scores: saliency, input_x_gradient, "
          "integrated_gradients, expected_gradients (integrated gradients "
          "averaged over dinucleotide-shuffled references) or ism (saturation "
          "mutagenesis).", settings.METHODS)
  _define(flags.DEFINE_integer, "references", default.references,
          "Dinucleotide-shuffled references per sequence (expected_gradients).")
  _define(flags.DEFINE_integer, "steps", default.steps,
          "Points on the path from a reference to the sequence "
          "(integrated_gradients, expected_gradients).")
  _define(flags.DEFINE_enum, "baseline", default.baseline,
          "integrated_gradients' baseline: zero (all-N, a zero one-hot) or "
          "shuffle (one dinucleotide shuffle of the sequence).",
          settings.BASELINES)
  _define(flags.DEFINE_boolean, "correct", default.correct,
          "Remove the per-position mean over the four bases from the "
          "gradients (Majdandzic et al. 2023); --nocorrect keeps integrated "
          "gradients' completeness exact for every baseline.")
  _define(flags.DEFINE_enum, "shuffle_region", default.shuffle_region,
          "What a shuffle changes: dream (only the variable region between "
          "the constant flanks of a DREAM construct, when it has them) or "
          "all (the whole sequence after its N padding).",
          settings.SHUFFLE_REGIONS)
  _define(flags.DEFINE_integer, "seed", default.seed,
          "Seed of the shuffled references (sequence i draws from [seed, i]).")
  _define(flags.DEFINE_integer, "logos", 0,
          "Draw the contribution logos of the first N sequences (PNG).")
  _define(flags.DEFINE_string, "logo_dir", None,
          "Directory of the logos (default: the output's name without .npz, "
          "plus _logos).")
  _define(flags.DEFINE_boolean, "allow_long_sequence", False,
          "Explain a sequence longer than the model's L: only its last L "
          "positions (all the model sees) instead of refusing.")


def explain_config(flag_values=None):
  """The ExplainConfig of the explain flags (ConfigError on a bad value)."""
  from madlab_dream.explain import settings
  flag_values = FLAGS if flag_values is None else flag_values
  names = ("method", "references", "steps", "baseline", "correct",
           "shuffle_region", "seed")
  return settings.ExplainConfig(
      batch_size=flag_values["eval_batch_size"].value,
      **{name: flag_values[name].value for name in names})


def define_motifs_flags() -> None:
  """The flags of `python -m madlab_dream.motifs`."""
  from madlab_dream.explain.motifs import MotifsConfig
  default = MotifsConfig()
  define_output_dir_flag()
  _define(flags.DEFINE_string, "contributions", None,
          "The .npz of python -m madlab_dream.explain (one_hot, hypothetical).")
  _define(flags.DEFINE_string, "motif_db", "jaspar_fungi",
          "Motifs to match: jaspar_fungi (JASPAR 2024 CORE fungi, from the "
          "pyjaspar package) or a MEME file.")
  _define(flags.DEFINE_integer, "sliding_window_size",
          default.sliding_window_size,
          "TF-MoDISco's seqlet core window (nt).")
  _define(flags.DEFINE_integer, "flank_size", default.flank_size,
          "TF-MoDISco's flank on each side of a seqlet core (nt).")
  _define(flags.DEFINE_float, "target_seqlet_fdr", default.target_seqlet_fdr,
          "TF-MoDISco's false discovery rate of seqlets.")
  _define(flags.DEFINE_integer, "max_seqlets_per_metacluster",
          default.max_seqlets_per_metacluster,
          "TF-MoDISco clusters at most this many seqlets of each sign.")
  _define(flags.DEFINE_integer, "n_leiden_runs", default.n_leiden_runs,
          "Leiden clusterings per round (seeded 0..N-1; the best is kept).")


def motifs_config(flag_values=None):
  """The MotifsConfig of the motifs flags (ConfigError on a bad value)."""
  from madlab_dream.explain.motifs import MotifsConfig
  flag_values = FLAGS if flag_values is None else flag_values
  names = ("sliding_window_size", "flank_size", "target_seqlet_fdr",
           "max_seqlets_per_metacluster", "n_leiden_runs")
  return MotifsConfig(**{name: flag_values[name].value for name in names})


def define_simulate_motif_flags() -> None:
  """The flags of `python -m madlab_dream.simulate --motifs_meme=FILE`."""
  _define(flags.DEFINE_string, "motifs_meme", None,
          "Write the grammar's eight motifs as a MEME file (letter "
          "probabilities named Reb1, Abf1, ...); with or without "
          "--output_dir.")


def define_explain_demo_flags() -> None:
  """The flags of `python -m madlab_dream.explain_demo`."""
  from madlab_dream.tools.explain_demo.proof import ProofConfig
  default = ProofConfig()
  define_eval_batch_flag()
  _flag_values_stack[-1].set_default("eval_batch_size", default.batch_size)
  _define(flags.DEFINE_string, "demo_dir", default.demo_dir,
          "The output directory of make demo (its run/ and data/).")
  _define(flags.DEFINE_string, "model", None,
          "Another run directory trained on the demo's data (default: the "
          "demo's run/).")
  define_output_dir_flag()
  _define(flags.DEFINE_integer, "sequences", default.sequences,
          "Held-out sequences with planted motifs, explained by every method "
          "but ISM.")
  _define(flags.DEFINE_integer, "ism_sequences", default.ism_sequences,
          "ISM on the first N of them.")
  _define(flags.DEFINE_integer, "references", default.references,
          "Expected gradients: dinucleotide-shuffled references.")
  _define(flags.DEFINE_integer, "steps", default.steps,
          "Expected and integrated gradients: points on each path.")
  _define(flags.DEFINE_string, "sweep",
          ",".join(f"{r}x{s}" for r, s in default.sweep),
          "Expected gradients at these REFERENCESxSTEPS on a subset.")
  _define(flags.DEFINE_integer, "sweep_sequences", default.sweep_sequences,
          "The subset of the sweep: the first N sequences.")
  _define(flags.DEFINE_integer, "seed", default.seed,
          "Seed of the shuffled references.")
  _define(flags.DEFINE_boolean, "check_targets", False,
          "Exit with status 1 when a target is missed (the targets are always "
          "in the report).")


def explain_demo_config(flag_values=None):
  """The ProofConfig of the explain_demo flags."""
  from madlab_dream.tools.explain_demo.proof import ProofConfig
  from madlab_dream.tools.explain_demo.proof import parse_sweep
  flag_values = FLAGS if flag_values is None else flag_values
  names = ("demo_dir", "sequences", "ism_sequences", "references", "steps",
           "sweep_sequences", "seed", "model")
  return ProofConfig(
      sweep=parse_sweep(flag_values["sweep"].value),
      batch_size=flag_values["eval_batch_size"].value,
      **{name: flag_values[name].value for name in names})


# --- Design -------------------------------------------------------------------

def define_design_flags() -> None:
  """The flags of `python -m madlab_dream.design`."""
  from madlab_dream.designing import options
  d = options.DesignOptions()
  define_model_paths_flag()
  define_target_flag()
  define_eval_batch_flag()
  _define(flags.DEFINE_enum, "objective", d.objective,
          "max or min the predicted expression, or reach --target_value.",
          options.OBJECTIVES)
  _define(flags.DEFINE_float, "target_value", None,
          "The expression to reach (expression scale) for --objective=target.")
  _define(flags.DEFINE_enum, "method", d.method,
          "greedy: each round the best single-nucleotide edit of every design "
          "(all variants scored); evolve: Vaishnav et al.'s genetic algorithm.",
          options.METHODS)
  _define(flags.DEFINE_integer, "num_designs", None,
          f"Designs to write (default {options.DEFAULT_DESIGNS} from random "
          "starts; with --start, one per start sequence).")
  _define(flags.DEFINE_string, "start", None,
          "Start sequences (DREAM TSV, FASTA or one per line; .gz accepted); "
          "default: random 80-nt regions between the DREAM flanks.")
  _define(flags.DEFINE_integer, "rounds", d.rounds,
          "Greedy rounds (at most one edit per design each).")
  _define(flags.DEFINE_integer, "beam", d.beam, "Greedy beam width.")
  _define(flags.DEFINE_integer, "max_edits", None,
          "Largest Hamming distance of a design from its start.")
  _define(flags.DEFINE_integer, "min_distance", d.min_distance,
          "Smallest Hamming distance between two designs (0: no floor).")
  _define(flags.DEFINE_float, "penalty_sd", d.penalty_sd,
          "With several --model: optimise mean - penalty_sd x sd (mean + "
          "penalty_sd x sd for min), so designs do not exploit one model's "
          "errors.")
  _define(flags.DEFINE_multi_string, "protect", [],
          "START:END (1-based, inclusive, in the start sequence) never "
          "changed; repeatable.")
  _define(flags.DEFINE_integer, "flank_5p", d.flank_5p,
          "Constant 5' flank length, never changed (DREAM: 17).")
  _define(flags.DEFINE_integer, "flank_3p", d.flank_3p,
          "Constant 3' flank length, never changed (DREAM: 13).")
  _define(flags.DEFINE_integer, "seed", d.seed,
          "Seed of the random starts and of the genetic algorithm.")
  _define_genetic_flags(d)
  _define(flags.DEFINE_list, "trained_range", None,
          "MIN,MAX,SD of the training targets (expression scale), for models "
          "whose metadata does not record them (applies to every model): the "
          "guard trusts predictions within [MIN - SD, MAX + SD].")
  define_output_flag("Designs TSV (design order).")
  _define(flags.DEFINE_string, "trajectory", None,
          "Per-round TSV (default: <output stem>.trajectory.tsv).")
  _define(flags.DEFINE_string, "plot", None,
          "PNG of prediction by round (default: <output stem>.png).")


def _define_genetic_flags(d) -> None:
  """The genetic algorithm's settings (defaults: `DesignOptions` `d`)."""
  _define(flags.DEFINE_integer, "population", d.population,
          "Genetic algorithm: population (Vaishnav et al.: 100,000).")
  _define(flags.DEFINE_integer, "generations", d.generations,
          "Genetic algorithm: generations.")
  _define(flags.DEFINE_float, "crossover", d.crossover,
          "Genetic algorithm: two-point crossover probability of a pair.")
  _define(flags.DEFINE_float, "mutation", d.mutation,
          "Genetic algorithm: probability that an individual mutates.")
  _define(flags.DEFINE_float, "mutation_rate", d.mutation_rate,
          "Genetic algorithm: per-position mutation probability.")
  _define(flags.DEFINE_integer, "tournament", d.tournament,
          "Genetic algorithm: tournament size of the selection.")


def design_options(flag_values=None):
  """The design command's DesignOptions from its flags (ConfigError on a
  bad value)."""
  from madlab_dream.config import ConfigError
  from madlab_dream.designing import options
  from madlab_dream.designing import starts
  flag_values = FLAGS if flag_values is None else flag_values
  names = [name for name in options.DesignOptions.__dataclass_fields__
           if name in flag_values]
  values = {name: flag_values[name].value for name in names}
  values["protect"] = tuple(starts.parse_protect(values.get("protect")))
  if values.get("trained_range") is not None:
    try:
      values["trained_range"] = tuple(float(v) for v in
                                      values["trained_range"])
    except ValueError:
      values["trained_range"] = None
    if values["trained_range"] is None or len(values["trained_range"]) != 3:
      raise ConfigError("trained_range", flag_values["trained_range"].value,
                        "expected MIN,MAX,SD (three numbers)")
  return options.DesignOptions(**values)


def define_design_demo_flags() -> None:
  """The flags of `python -m madlab_dream.design_demo`."""
  define_eval_batch_flag()
  _define(flags.DEFINE_string, "demo_dir", "demo_output",
          "A finished demo (python -m madlab_dream.demo): data/ and run/.")
  _define(flags.DEFINE_string, "ensemble_dir", None,
          "Where the ensemble's other members are trained or reused (seed_N/; "
          "default <demo_dir>/design_ensemble).")
  _define(flags.DEFINE_list, "ensemble_seeds", ["1", "2"],
          "Seeds of the ensemble's other members (the demo's model is the "
          "first).")
  define_output_dir_flag()
  _define(flags.DEFINE_string, "budget", "14m",
          "Wall-clock budget of the designs (after the members are ready): "
          "greedy rounds are sized to it.")
  _define(flags.DEFINE_integer, "rounds", None,
          "Greedy rounds (default: as many as fit --budget).")
  _define(flags.DEFINE_integer, "num_designs", 100, "Designs per case.")
  _define(flags.DEFINE_float, "penalty_sd", 1.0,
          "The ensemble's sd penalty (mean - penalty_sd x sd for max).")
