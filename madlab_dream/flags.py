"""Every command-line flag of the package, and the configs built from them.

Flags are grouped by command; each command's `define_flags` calls the
groups it needs (a flag shared by two groups is defined once). Defaults are
read from `madlab_dream.config`, where each is written once, and values are
validated there too: this module only describes and converts. Only this
module and the commands' `main` functions read `FLAGS`.
"""

from __future__ import annotations

from typing import Any

from absl import flags

from madlab_dream import config as cfg

FLAGS = flags.FLAGS

_D = cfg.DataConfig.default
_M = cfg.ModelConfig.default
_T = cfg.TrainConfig.default


_target = [FLAGS]  # where define_* put their flags (see `defined_on`)


def _once(define, name: str, *args, **kwargs) -> None:
  fv = _target[-1]
  if name not in fv:
    define(name, *args, flag_values=fv, **kwargs)


class defined_on:  # pylint: disable=invalid-name
  """`with defined_on(fv): define_train_flags()` defines on `fv`, not FLAGS."""

  def __init__(self, flag_values: flags.FlagValues):
    self.flag_values = flag_values

  def __enter__(self):
    _target.append(self.flag_values)
    return self.flag_values

  def __exit__(self, *exc):
    _target.pop()


# --- Groups -------------------------------------------------------------------

def define_data_flags() -> None:
  """Preprocessing: DataConfig."""
  _once(flags.DEFINE_integer, "seq_len", _D("seq_len"),
        "Sequence length L. Longer sequences keep their last L nt (5' "
        "trimmed); shorter ones are padded with N on the left.")
  _once(flags.DEFINE_float, "singleton_keep", _D("singleton_keep"),
        "Probability of keeping a row whose expression is a whole number "
        "(observed once). MadLab: 0.5. 1 keeps every row; 0 drops them all.")
  _once(flags.DEFINE_float, "val_fraction", _D("val_fraction"),
        "Fraction of kept rows in the fixed, disjoint validation set "
        "(MadLab: 2 %).")
  _once(flags.DEFINE_enum, "split", _D("split"), list(cfg.SPLITS),
        "Validation rows: random (a seeded sample of the kept rows) or tail "
        "(the last kept rows of the file, as MadLab's take/skip made it).")
  _once(flags.DEFINE_integer, "shuffle_buffer", _D("shuffle_buffer"),
        "0: each pass is a full seeded permutation of the training rows; "
        "N: a seeded local shuffle near file order (rows move about N "
        "positions), like MadLab's 1,024-element shuffle buffer.")
  _once(flags.DEFINE_integer, "val_rows", _D("val_rows"),
        "An exact number of validation rows (instead of --val_fraction).")
  _once(flags.DEFINE_integer, "min_val_rows", _D("min_val_rows"),
        "Floor under the validation set taken by --val_fraction (at most "
        "half the kept rows), so a small file does not select its best "
        "epoch on a few dozen rows; 0: no floor.")
  _once(flags.DEFINE_integer, "seed", _D("seed"),
        "Seed for row filtering, the split, shuffling and weight "
        "initialisation.")


def define_model_flags() -> None:
  """The architecture: ModelConfig (seq_len and seed come with the data)."""
  define_data_flags()
  _once(flags.DEFINE_list, "conv_kernels", [str(k) for k in
                                            _M("conv_kernels")],
        "Kernel sizes of the parallel MultiScaleConv branches.")
  _once(flags.DEFINE_integer, "conv_filters", _M("conv_filters"),
        "Filters of each branch's first (wide) Conv1D.")
  _once(flags.DEFINE_integer, "conv_reduced", _M("conv_reduced"),
        "Filters of each branch's kernel-1 Conv1D: the model width seen by "
        "the transformer.")
  _once(flags.DEFINE_string, "activation", _M("activation"),
        "Activation of the conv branches and the feed-forward network.")
  _once(flags.DEFINE_float, "l2", _M("l2"),
        "L2 weight on the conv kernels and the output Dense kernel.")
  _once(flags.DEFINE_integer, "num_blocks", _M("num_blocks"),
        "Transformer blocks.")
  _once(flags.DEFINE_integer, "num_heads", _M("num_heads"), "Attention heads.")
  _once(flags.DEFINE_integer, "key_size", _M("key_size"),
        "Attention key size per head.")
  _once(flags.DEFINE_integer, "value_size", _M("value_size"),
        "Attention value size per head (num_heads x value_size must equal "
        "--conv_reduced).")
  _once(flags.DEFINE_integer, "num_relative_features",
        _M("num_relative_features"),
        "Relative-position features. Default (Enformer's): (value_size // "
        "(2 x #functions)) x 2 x #functions.")
  _once(flags.DEFINE_list, "relative_functions",
        list(_M("relative_functions")),
        "Enformer positional basis functions.")
  _once(flags.DEFINE_float, "attention_dropout", _M("attention_dropout"),
        "Dropout on attention weights.")
  _once(flags.DEFINE_float, "positional_dropout", _M("positional_dropout"),
        "Dropout on positional features.")
  _once(flags.DEFINE_integer, "ffn_multiplier", _M("ffn_multiplier"),
        "Feed-forward hidden width = multiplier x model width.")
  _once(flags.DEFINE_integer, "lstm_units", _M("lstm_units"),
        "Units per direction of the bidirectional LSTM.")
  _once(flags.DEFINE_string, "lstm_activation", _M("lstm_activation"),
        "LSTM cell activation (MadLab: swish, not tanh).")
  _once(flags.DEFINE_enum, "relative_logits", _M("relative_logits"),
        list(cfg.RELATIVE_LOGITS),
        "How the attention forms its relative-position logits (the same "
        "values): gather (the relative keys gathered into the [L, L] "
        "layout, half the products) or shift (Enformer's [L, 2L-1] "
        "products and Transformer-XL shift).")
  _once(flags.DEFINE_enum, "lstm_implementation", _M("lstm_implementation"),
        list(cfg.LSTM_IMPLEMENTATIONS),
        "How the BiLSTM runs (the same function and weights): hoisted "
        "(input projection of all steps before the loop, both directions "
        "in one loop) or keras (Keras's Bidirectional LSTM).")
  _once(flags.DEFINE_boolean, "transformer_trainable",
        _M("transformer_trainable"),
        "Train the transformer's attention and feed-forward weights (the "
        "model MadLab's report describes). --notransformer_trainable keeps "
        "them at their initial values: the model MadLab's code actually ran "
        "(150,313 trained weights; the attention adds exactly 0).")


def define_eval_batch_flag() -> None:
  _once(flags.DEFINE_integer, "eval_batch_size", _T("eval_batch_size"),
        "Sequences per model call for validation and prediction.")


def define_train_flags() -> None:
  """A training run: DataConfig, ModelConfig and TrainConfig."""
  define_model_flags()
  define_eval_batch_flag()
  _once(flags.DEFINE_string, "train_data", _T("train_data"),
        "DREAM-format training file (`sequence<TAB>expression`, no header, "
        ".gz accepted), e.g. data/train_sequences.txt.")
  _once(flags.DEFINE_string, "model_dir", _T("model_dir"),
        "Output directory of the run.")
  _once(flags.DEFINE_string, "cache_dir", _T("cache_dir"),
        "Where the preprocessed cache is written/reused (default "
        "<model_dir>/cache).")
  _once(flags.DEFINE_integer, "epochs", _T("epochs"), "Epochs.")
  _once(flags.DEFINE_integer, "steps_per_epoch", _T("steps_per_epoch"),
        "Batches per epoch. Default: one pass over the training rows "
        "(floor(n_train / batch_size)). MadLab's run used 36,743 (about 8 "
        "passes).")
  _once(flags.DEFINE_integer, "max_steps", _T("max_steps"),
        "Stop after this many optimizer steps in all (the last epoch may be "
        "partial); the best epoch is still evaluated, kept and exported.")
  _once(flags.DEFINE_string, "time_budget", _T("time_budget"),
        "Stop training when its wall-clock time reaches this (600, 600s, "
        "10m, 1.5h; summed over resumed sessions); the epoch in progress is "
        "evaluated and the best epoch exported.")
  _once(flags.DEFINE_integer, "batch_size", _T("batch_size"),
        "Global training batch size (whatever the number of replicas).")
  _once(flags.DEFINE_float, "learning_rate", _T("learning_rate"),
        "Learning rate (the peak of a warm-up or one-cycle schedule).")
  _once(flags.DEFINE_enum, "lr_schedule", _T("lr_schedule"),
        list(cfg.SCHEDULES),
        "constant (MadLab), cosine (linear warm-up, cosine decay to 0) or "
        "onecycle (the winning team's: cosine rise from lr/25, fall to "
        "lr/2.5e5) over the planned steps.")
  _once(flags.DEFINE_float, "warmup_fraction", _T("warmup_fraction"),
        "Warm-up as a fraction of the planned steps (default: constant 0, "
        "cosine 0.05, onecycle 0.3).")
  _once(flags.DEFINE_integer, "early_stopping_patience",
        _T("early_stopping_patience"),
        "Stop after this many epochs without a better validation Pearson r "
        "(MadLab used 20; 0: off).")
  _once(flags.DEFINE_enum, "optimizer", _T("optimizer"), list(cfg.OPTIMIZERS),
        "Optimizer (MadLab: RMSprop with Keras defaults; rmsprop_keras2 has "
        "the epsilon placement of the Keras 2 they ran, sqrt(v) + eps).")
  _once(flags.DEFINE_float, "clipnorm", _T("clipnorm"),
        "Clip the global norm of each step's gradients to this (default: no "
        "clipping, as MadLab).")
  _once(flags.DEFINE_enum, "loss", _T("loss"), list(cfg.LOSSES),
        "Training loss.")
  _once(flags.DEFINE_enum, "jit_compile", _T("jit_compile"),
        list(cfg.JIT_MODES),
        "XLA compilation of the train step. auto: on when a GPU or TPU is "
        "present.")
  _once(flags.DEFINE_enum, "mixed_precision", _T("mixed_precision"),
        list(cfg.PRECISIONS),
        "Keras mixed-precision policy; the output stays float32. auto: "
        "mixed_bfloat16 where the CPU has bfloat16 matrix units (AMX-BF16 "
        "or AVX512-BF16) or a GPU is present, only if a timed A/B at the "
        "start of the run finds it at least "
        f"{cfg.AUTO_BF16_MIN_SPEEDUP:.2f}x faster and, after "
        f"{cfg.AUTO_BF16_PROBE_STEPS} steps from the same weights, its "
        f"validation r within {cfg.AUTO_BF16_MAX_R_DROP} of float32's; "
        "else float32 (the decision is in report.json).")
  _once(flags.DEFINE_enum, "strategy", _T("strategy"), list(cfg.STRATEGIES),
        "tf.distribute strategy: default (one device), mirrored (all local "
        "GPUs), multi_worker (TF_CONFIG), tpu.")
  _once(flags.DEFINE_string, "tpu", _T("tpu"),
        "TPU address for --strategy=tpu.")
  _once(flags.DEFINE_integer, "train_eval_rows", _T("train_eval_rows"),
        "Rows of a fixed, seeded sample of the training set on which the "
        "report's training metrics are computed (0: the whole training set).")
  _once(flags.DEFINE_boolean, "select_on_validation",
        _T("select_on_validation"),
        "Keep and export the epoch with the best validation Pearson r "
        "(needs --val_fraction > 0).")
  _once(flags.DEFINE_integer, "baseline_kmer", _T("baseline_kmer"),
        "Also fit a ridge regression on k-mer counts (k = 1..K, K <= 6) of "
        "the same training rows and report it beside the model (0: off).")
  _once(flags.DEFINE_boolean, "progress", _T("progress"),
        "Keras progress bars (when stdout is a terminal).")
  _once(flags.DEFINE_boolean, "resume", _T("resume"),
        "Resume from the last completed epoch when --model_dir holds an "
        "interrupted run with the same settings.")


def define_model_path_flag() -> None:
  _once(flags.DEFINE_string, "model", None,
        "A training run directory (with saved_model/) or a SavedModel "
        "directory.")


def define_output_flag(help_text: str) -> None:
  _once(flags.DEFINE_string, "output", None, help_text)


def define_output_dir_flag(default: str | None = None) -> None:
  _once(flags.DEFINE_string, "output_dir", default, "Output directory.")


# --- Configs from flags ----------------------------------------------------------

def _values(cls, fv) -> dict[str, Any]:
  fv = FLAGS if fv is None else fv
  return {name: fv[name].value for name in cls.field_names() if name in fv}


def data_config(fv=None) -> cfg.DataConfig:
  return cfg.DataConfig(**_values(cfg.DataConfig, fv))


def model_config(fv=None) -> cfg.ModelConfig:
  return cfg.ModelConfig(**_values(cfg.ModelConfig, fv))


def train_config(fv=None) -> cfg.TrainConfig:
  return cfg.TrainConfig(**_values(cfg.TrainConfig, fv))


def run_config(fv=None) -> cfg.RunConfig:
  """The training run's configs, validated (ConfigError on a bad value)."""
  return cfg.RunConfig(data_config(fv), model_config(fv), train_config(fv))


def run_config_from_args(args: list[str]) -> cfg.RunConfig:
  """The RunConfig that `python -m madlab_dream.train ARGS` would build.

  Parses on a private FlagValues (the caller's FLAGS are untouched), e.g.
  `run_config_from_args(["--flagfile=experiments/demo.flags", "--epochs=2"])`.
  """
  fv = flags.FlagValues()
  with defined_on(fv):
    define_train_flags()
  try:
    fv(["madlab_dream.train", *args])
  except flags.Error as e:
    from madlab_dream.errors import InputError
    raise InputError(str(e)) from None
  return run_config(fv)


# --- Configs back to flags --------------------------------------------------------

def as_flags(values: dict[str, Any]) -> list[str]:
  """`--name=value` arguments for settings (None omitted, bools as --[no]x)."""
  out = []
  for name, value in values.items():
    if value is None:
      continue
    if isinstance(value, bool):
      out.append(f"--{name}" if value else f"--no{name}")
    elif isinstance(value, (list, tuple)):
      out.append(f"--{name}={','.join(str(v) for v in value)}")
    else:
      out.append(f"--{name}={value}")
  return out


def flagfile_text(run: cfg.RunConfig) -> str:
  """A flagfile that re-runs the experiment `run` describes."""
  values: dict[str, Any] = {}
  for part in (run.data, run.model, run.train):
    values.update(part.to_dict())
  lines = ["# Re-runs this experiment: python -m madlab_dream.train "
           "--flagfile=THIS_FILE"]
  lines += as_flags(dict(sorted(values.items())))
  return "\n".join(lines) + "\n"


# --- The other commands -------------------------------------------------------------

def define_preprocess_flags() -> None:
  """python -m madlab_dream.data"""
  define_data_flags()
  define_output_dir_flag()
  _once(flags.DEFINE_string, "input", None,
        "DREAM-format file to preprocess (.gz accepted).")


def define_predict_flags() -> None:
  """python -m madlab_dream.predict"""
  define_model_path_flag()
  define_eval_batch_flag()
  _once(flags.DEFINE_string, "input", None,
        "Sequences: DREAM TSV (the test file), FASTA or one per line; .gz "
        "accepted.")
  define_output_flag("Output file: .json gives {\"<position>\": prediction} "
                     "(a challenge submission); anything else TSV "
                     "sequence<TAB>prediction.")
  _once(flags.DEFINE_enum, "format", "auto", ["auto", "tsv", "json"],
        "Output format (auto: by the output's extension).")
  _once(flags.DEFINE_boolean, "reverse_complement", False,
        "Average with the reverse-complement strand (MadLab did not).")


def define_variants_flags() -> None:
  """python -m madlab_dream.variants"""
  define_model_path_flag()
  define_eval_batch_flag()
  _once(flags.DEFINE_string, "pairs", None,
        "File of [name<TAB>]ref<TAB>alt pairs.")
  _once(flags.DEFINE_string, "sequence", None,
        "One sequence for saturation mutagenesis.")
  _once(flags.DEFINE_string, "ism_input", None,
        "Saturation mutagenesis of every sequence of this file (DREAM TSV, "
        "FASTA or one per line; .gz accepted), batched: one TSV with a "
        "sequence_id column (the sequence's number in the file), no "
        "heatmap.")
  define_output_flag("Output TSV.")
  _once(flags.DEFINE_string, "heatmap", None,
        "Mutagenesis heatmap PNG (default: the output's name with .png).")
  _once(flags.DEFINE_boolean, "allow_unequal_lengths", False,
        "Accept pairs whose ref and alt differ in length (the model then "
        "sees them shifted against each other).")
  _once(flags.DEFINE_boolean, "allow_long_sequence", False,
        "Mutagenesis of a sequence longer than the model's L: mutate only "
        "its last L positions (all the model sees) instead of refusing.")


def define_evaluate_flags() -> None:
  """python -m madlab_dream.evaluate"""
  from madlab_dream.scoring import names
  _once(flags.DEFINE_string, "predictions", None,
        "Predictions: TSV `sequence<TAB>prediction` in position order, or "
        "JSON {\"<position>\": prediction}; .gz accepted.")
  _once(flags.DEFINE_string, "ground_truth", None,
        f"The challenge's {names.TRUTH_FILE}.")
  _once(flags.DEFINE_string, "subsets_dir", None,
        f"The challenge's {names.SUBSET_DIR} folder (high_exp_seqs.csv, "
        "all_SNVs_seqs.csv, ...).")
  _once(flags.DEFINE_string, "public_dir", None,
        f"The challenge's {names.PUBLIC_DIR} folder (optional).")
  _once(flags.DEFINE_enum, "public", None, list(names.PUBLIC_MODES),
        "Public-leaderboard positions: exclude (final leaderboard), only "
        "(public leaderboard) or ignore. Default: exclude with --public_dir, "
        "else ignore.")
  define_output_flag("Result JSON (optional); a Markdown report is written "
                     "beside it with the .md suffix.")


def define_simulate_flags() -> None:
  """python -m madlab_dream.simulate"""
  define_output_dir_flag()
  _once(flags.DEFINE_integer, "train_rows", 6_739_258,
        "Simulated training rows (the real file's count).")
  _once(flags.DEFINE_integer, "test_rows", 71_103,
        "Simulated test rows (the real file's count).")
  _once(flags.DEFINE_integer, "seed", cfg.SEED, "Simulator seed.")


def define_demo_flags() -> None:
  """python -m madlab_dream.demo"""
  define_output_dir_flag("demo_output")
  _once(flags.DEFINE_integer, "train_rows", 150_000,
        "Simulated training rows.")
  _once(flags.DEFINE_integer, "test_rows", 20_000, "Simulated test rows.")
  _once(flags.DEFINE_integer, "sim_seed", 2022, "Simulator seed.")
  _once(flags.DEFINE_string, "flagfile_path", "experiments/demo.flags",
        "The training experiment.")
  _once(flags.DEFINE_multi_string, "train_arg", [],
        "An extra training flag, e.g. --train_arg=--epochs=1 (repeatable).")
  _once(flags.DEFINE_string, "budget", "12m",
        "Wall-clock budget of the whole demo (600, 600s, 12m, 1h): the "
        "training run is sized to fit it on this machine.")
  _once(flags.DEFINE_boolean, "check_targets", False,
        "Exit with status 1 when a check of the demo fails (the checks "
        "are always printed and written to demo_report.json).")


def define_bench_flags() -> None:
  """python -m madlab_dream.bench"""
  define_output_flag("Markdown report; the raw figures go beside it (.json).")
  _target[-1].set_default("output", "BENCHMARKS.md")
  _once(flags.DEFINE_integer, "rows", None,
        "Rows of the generated DREAM file (default: the challenge's "
        "6,739,258; fewer with --quick).")
  _once(flags.DEFINE_boolean, "quick", False,
        "Tiny sizes and a tiny model (smoke test; figures not "
        "representative).")
  _once(flags.DEFINE_string, "bench_dir", "bench_output",
        "Generated data, caches and logs (reused between runs).")
  _once(flags.DEFINE_enum, "backend", "tensorflow", ["tensorflow", "jax"],
        "tensorflow: every section on this machine's CPU (BENCHMARKS.md). "
        "jax: training and inference throughput of the model on whatever "
        "accelerator JAX sees, through Keras on JAX with XLA, float32 and "
        "mixed_bfloat16, against the H100 target; needs no TensorFlow "
        "(--output defaults to BENCHMARKS_GPU.md; --rows and --bench_dir "
        "do not apply).")
  _once(flags.DEFINE_string, "bench_worker_spec", None,
        "Internal: run the model benchmark worker described by this JSON "
        "file.")


# --- Design ---------------------------------------------------------------------

def define_design_flags() -> None:
  """python -m madlab_dream.design"""
  from madlab_dream.design import options
  d = options.DesignOptions()
  _once(flags.DEFINE_multi_string, "model", [],
        "A training run directory (with saved_model/) or a SavedModel "
        "directory; repeat for an ensemble (the objective uses the models' "
        "mean; each model's prediction is a column).")
  define_eval_batch_flag()
  _once(flags.DEFINE_enum, "objective", d.objective,
        list(options.OBJECTIVES),
        "max or min the predicted expression, or reach --target_value.")
  _once(flags.DEFINE_float, "target_value", None,
        "The expression to reach (expression scale) for --objective=target.")
  _once(flags.DEFINE_enum, "method", d.method, list(options.METHODS),
        "greedy: each round the best single-nucleotide edit of every design "
        "(all variants scored); evolve: Vaishnav et al.'s genetic algorithm.")
  _once(flags.DEFINE_integer, "num_designs", None,
        f"Designs to write (default {options.DEFAULT_DESIGNS} from random "
        "starts; with --start, one per start sequence).")
  _once(flags.DEFINE_string, "start", None,
        "Start sequences (DREAM TSV, FASTA or one per line; .gz accepted); "
        "default: random 80-nt regions between the DREAM flanks.")
  _once(flags.DEFINE_integer, "rounds", d.rounds,
        "Greedy rounds (at most one edit per design each).")
  _once(flags.DEFINE_integer, "beam", d.beam, "Greedy beam width.")
  _once(flags.DEFINE_integer, "max_edits", None,
        "Largest Hamming distance of a design from its start.")
  _once(flags.DEFINE_integer, "min_distance", d.min_distance,
        "Smallest Hamming distance between two designs (0: no floor).")
  _once(flags.DEFINE_float, "penalty_sd", d.penalty_sd,
        "With several --model: optimise mean - penalty_sd x sd (mean + "
        "penalty_sd x sd for min), so designs do not exploit one model's "
        "errors.")
  _once(flags.DEFINE_multi_string, "protect", [],
        "START:END (1-based, inclusive, in the start sequence) never "
        "changed; repeatable.")
  _once(flags.DEFINE_integer, "flank_5p", d.flank_5p,
        "Constant 5' flank length, never changed (DREAM: 17).")
  _once(flags.DEFINE_integer, "flank_3p", d.flank_3p,
        "Constant 3' flank length, never changed (DREAM: 13).")
  _once(flags.DEFINE_integer, "seed", d.seed,
        "Seed of the random starts and of the genetic algorithm.")
  _once(flags.DEFINE_integer, "population", d.population,
        "Genetic algorithm: population (Vaishnav et al.: 100,000).")
  _once(flags.DEFINE_integer, "generations", d.generations,
        "Genetic algorithm: generations.")
  _once(flags.DEFINE_float, "crossover", d.crossover,
        "Genetic algorithm: two-point crossover probability of a pair.")
  _once(flags.DEFINE_float, "mutation", d.mutation,
        "Genetic algorithm: probability that an individual mutates.")
  _once(flags.DEFINE_float, "mutation_rate", d.mutation_rate,
        "Genetic algorithm: per-position mutation probability.")
  _once(flags.DEFINE_integer, "tournament", d.tournament,
        "Genetic algorithm: tournament size of the selection.")
  _once(flags.DEFINE_list, "trained_range", None,
        "MIN,MAX,SD of the training targets (expression scale), for models "
        "whose metadata does not record them (applies to every model): the "
        "guard trusts predictions within [MIN - SD, MAX + SD].")
  define_output_flag("Designs TSV (design order).")
  _once(flags.DEFINE_string, "trajectory", None,
        "Per-round TSV (default: <output stem>.trajectory.tsv).")
  _once(flags.DEFINE_string, "plot", None,
        "PNG of prediction by round (default: <output stem>.png).")


def design_options(fv=None):
  """The design command's DesignOptions from its flags (ConfigError on a
  bad value)."""
  from madlab_dream.config import ConfigError
  from madlab_dream.design import options
  from madlab_dream.design import starts
  fv = FLAGS if fv is None else fv
  names = [f for f in options.DesignOptions.__dataclass_fields__ if f in fv]
  values = {name: fv[name].value for name in names}
  values["protect"] = tuple(starts.parse_protect(values.get("protect")))
  if values.get("trained_range") is not None:
    try:
      values["trained_range"] = tuple(float(v) for v in
                                      values["trained_range"])
    except ValueError:
      values["trained_range"] = None
    if values["trained_range"] is None or len(values["trained_range"]) != 3:
      raise ConfigError("trained_range", fv["trained_range"].value,
                        "expected MIN,MAX,SD (three numbers)")
  return options.DesignOptions(**values)


def define_design_proof_flags() -> None:
  """python -m madlab_dream.design.proof"""
  define_eval_batch_flag()
  _once(flags.DEFINE_string, "demo_dir", "demo_output",
        "A finished demo (python -m madlab_dream.demo): data/ and run/.")
  _once(flags.DEFINE_string, "ensemble_dir", None,
        "Where the ensemble's other members are trained or reused (seed_N/; "
        "default <demo_dir>/design_ensemble).")
  _once(flags.DEFINE_list, "ensemble_seeds", ["1", "2"],
        "Seeds of the ensemble's other members (the demo's model is the "
        "first).")
  define_output_dir_flag()
  _once(flags.DEFINE_string, "budget", "14m",
        "Wall-clock budget of the designs (after the members are ready): "
        "greedy rounds are sized to it.")
  _once(flags.DEFINE_integer, "rounds", None,
        "Greedy rounds (default: as many as fit --budget).")
  _once(flags.DEFINE_integer, "num_designs", 100, "Designs per case.")
  _once(flags.DEFINE_float, "penalty_sd", 1.0,
        "The ensemble's sd penalty (mean - penalty_sd x sd for max).")
