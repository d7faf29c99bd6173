"""Every command-line flag of the package, and the configs built from them.

Flags are grouped by command; each command's `define_*_flags` defines the
groups it needs (a flag shared by two groups is defined once). A flag of a
config setting has the setting's name and the config's default (each
default is written once, in `madlab_dream.config`, which also validates
the values): this module describes and converts. Only this module and the
commands' `run` functions read `FLAGS`.
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
from madlab_dream.data import table_cache
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


def set_default(name: str, value: Any) -> None:
  """Changes the default of `--name` where the define_* functions put
  their flags (a command whose default differs from the others')."""
  _flag_values_stack[-1].set_default(name, value)


#: absl's DEFINE function of a field's type (a field's metadata "flag_type"
#: names another: --seq_len and --time_budget take text such as auto, 10m;
#: its metadata "flag" names a flag of another name).
_DEFINE = {"int": flags.DEFINE_integer, "int | None": flags.DEFINE_integer,
           "float": flags.DEFINE_float, "float | None": flags.DEFINE_float,
           "bool": flags.DEFINE_boolean, "str": flags.DEFINE_string,
           "str | None": flags.DEFINE_string}


def define_settings(config_class, names: Sequence[str]) -> None:
  """Defines the flag of each setting `names` of `config_class`: its
  default and help text from the field (written once, there)."""
  fields = {field.name: field for field in dataclasses.fields(config_class)}
  for name in names:
    field = fields[name]
    default = field.default
    choices = field.metadata.get("choices")
    kind = field.metadata.get("flag_type")
    if kind is not None:
      define = getattr(flags, f"DEFINE_{kind}")
    elif choices is not None:
      define = flags.DEFINE_enum
    elif field.type.startswith("tuple"):
      define = flags.DEFINE_list
    else:
      define = _DEFINE[field.type]
    if isinstance(default, tuple):
      default = [str(value) for value in default]
    if define is flags.DEFINE_string and default is not None:
      default = str(default)  # --seq_len: a number or auto
    _define(define, name, default, field.metadata["help"], choices)


def settings_from_flags(config_class, names: Sequence[str], flag_values=None,
                        **values: Any):
  """`config_class` built from the flags `names` (its fields of the same
  names, or of the flag a field's metadata names) and `values`."""
  flag_values = FLAGS if flag_values is None else flag_values
  fields = {field.name: field for field in dataclasses.fields(config_class)}
  for name in names:
    flag = fields[name].metadata.get("flag", name)
    values.setdefault(name, flag_values[flag].value)
  return config_class(**values)


# --- Settings of the configs --------------------------------------------------

#: The flags of each config, in its fields' order: the model's L and seed
#: are the data's flags.
_DATA_SETTINGS = cfg.DataConfig.field_names()
_MODEL_SETTINGS = tuple(name for name in cfg.ModelConfig.field_names()
                        if name not in ("seq_len", "seed"))
_EVAL_BATCH_SETTING = "eval_batch_size"
_TRAIN_SETTINGS = tuple(name for name in cfg.TrainConfig.field_names()
                        if name != _EVAL_BATCH_SETTING)


def define_data_flags() -> None:
  """Preprocessing: DataConfig."""
  define_settings(cfg.DataConfig, _DATA_SETTINGS)


def define_model_flags() -> None:
  """The architecture: ModelConfig (seq_len and seed come with the data)."""
  define_data_flags()
  define_settings(cfg.ModelConfig, _MODEL_SETTINGS)


def define_eval_batch_flag() -> None:
  define_settings(cfg.TrainConfig, [_EVAL_BATCH_SETTING])


def define_train_flags() -> None:
  """A training run: DataConfig, ModelConfig and TrainConfig."""
  define_model_flags()
  define_eval_batch_flag()
  define_settings(cfg.TrainConfig, _TRAIN_SETTINGS)


_MODEL_HELP = ("A training run directory (with saved_model/) or a SavedModel "
               "directory")


def define_model_path_flag() -> None:
  _define(flags.DEFINE_string, "model", None, f"{_MODEL_HELP}.")


def define_model_paths_flag() -> None:
  _define(flags.DEFINE_multi_string, "model", [],
          f"{_MODEL_HELP}; repeat for an ensemble (the models' mean, sd and "
          "each model's column).")


def define_input_flag(help_text: str) -> None:
  _define(flags.DEFINE_string, "input", None, help_text)


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
  data = cfg.DataConfig(**{**_unescaped(_values(cfg.DataConfig, flag_values)),
                           "seq_len": 1})
  paths = [flag_values[name].value for name in
           ("train_data", "val_data", "test_data") if flag_values[name].value]
  return table_cache.auto_seq_len(data, paths)


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
  define_input_flag("DREAM-format file to preprocess (.gz accepted).")


def define_predict_flags() -> None:
  """The flags of `python -m madlab_dream.predict`."""
  define_target_flag()
  define_model_paths_flag()
  define_eval_batch_flag()
  define_input_flag("Sequences: DREAM TSV (the test file), FASTA or one per "
                    "line; .gz accepted.")
  define_output_flag("Output file: .json gives {\"<position>\": prediction} "
                     "(a challenge submission); anything else TSV "
                     "sequence<TAB>prediction.")
  _define(flags.DEFINE_enum, "format", "auto",
          "Output format (auto: by the output's extension).",
          ["auto", "tsv", "json"])
  _define(flags.DEFINE_boolean, "reverse_complement", False,
          "Average with the reverse-complement strand (MadLab did not).")
  _define(flags.DEFINE_string, "sequence_column", None,
          "--input is a table with a header row (as train's): predict the "
          "sequences of this column (TSV, or CSV by a .csv name).")


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


def define_bench_flags() -> None:
  """The flags of `python -m madlab_dream.bench`."""
  define_output_flag("Markdown report; the raw figures go beside it (.json).")
  set_default("output", "BENCHMARKS.md")
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
          "no TensorFlow (--output defaults to BENCHMARKS_JAX.md; --rows and "
          "--bench_dir do not apply).", ["tensorflow", "jax"])


def define_pretrain_flags() -> None:
  """The flags of `python -m madlab_dream.pretrain`."""
  _define(flags.DEFINE_integer, "rows", 300_000, "Simulated training rows.")
  _define(flags.DEFINE_integer, "steps", 19_200, "Training steps of batch 32.")
  _define(flags.DEFINE_integer, "seed", 31,
          "Seed of the simulated rows and of the run.")
  define_output_dir_flag()
  _define(flags.DEFINE_string, "work_dir", None,
          "Keep the simulated rows and the training run here (default: a "
          "temporary directory, removed at the end).")


def define_pretrain_study_flags(recipes: Sequence[str]) -> None:
  """The flags of `python -m madlab_dream.pretrain_study`."""
  _define(flags.DEFINE_string, "real_data", None, "The real DREAM rows.")
  _define(flags.DEFINE_string, "deepstarr_dir", None, "The DeepSTARR sample "
          "(deepstarr_sample_{train,val,test}.txt).")
  _define(flags.DEFINE_string, "out_dir", None,
          "Where the split, runs and results go.")
  _define(flags.DEFINE_enum, "stage", "all", "Which stage.",
          choices=["all", "split", "recipes", "final", "deepstarr"])
  _define(flags.DEFINE_integer, "seeds", 5, "Seeds of the final comparison.")
  _define(flags.DEFINE_integer, "deepstarr_seeds", 3, "Seeds on DeepSTARR.")
  _define(flags.DEFINE_integer, "parallel", 2, "Training runs at once.")
  _define(flags.DEFINE_boolean, "score_only", False,
          "Train nothing: score the runs that have finished.")
  _define(flags.DEFINE_enum, "chosen", None, "Use this recipe, not the best "
          "validation r of seed 1.", choices=list(recipes))
  _define(flags.DEFINE_boolean, "scratch_runs", True, "With the final "
          "stage, also train the chosen recipe without the prior.")
