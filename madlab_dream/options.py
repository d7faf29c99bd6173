"""Every setting of the package, defined once as an absl flag.

The flag defaults ARE the MadLab preset (report Tables 1-2, made precise by
the team's code; see README). `experiments/*.flags` only name experiments by
overriding these. Library code reads settings through `model_config()` /
`value()`, which fall back to these defaults when flags were not parsed
(notebooks, tests), so no default is written twice.
"""

from __future__ import annotations

from typing import Any

from absl import flags

FLAGS = flags.FLAGS

# --- Data --------------------------------------------------------------------
flags.DEFINE_string("train_data", None,
                    "DREAM-format training file (`sequence<TAB>expression`, "
                    "no header, .gz accepted), e.g. data/train_sequences.txt.")
flags.DEFINE_string("cache_dir", None,
                    "Where the preprocessed cache is written/reused. Default: "
                    "<model_dir>/cache for training, --output_dir for data.")
flags.DEFINE_integer("seq_len", 110,
                     "Sequence length L. Longer sequences keep their last L nt "
                     "(5' trimmed); shorter ones are padded with N on the left.",
                     lower_bound=1)
flags.DEFINE_float("singleton_keep", 0.5,
                   "Probability of keeping a row whose expression is a whole "
                   "number (observed once). MadLab: 0.5. 1 keeps every row; "
                   "0 drops all whole-number rows.", lower_bound=0.0,
                   upper_bound=1.0)
flags.DEFINE_float("val_fraction", 0.02,
                   "Fraction of kept rows in the fixed, disjoint validation "
                   "set (MadLab: 2 %).", lower_bound=0.0, upper_bound=0.9)
flags.DEFINE_integer("seed", 42, "Seed for row filtering, the split, shuffling "
                     "and weight initialisation.")

# --- Model (defaults: the MadLab preset, 319,657 parameters at L = 110) ------
flags.DEFINE_list("conv_kernels", ["15", "20", "25", "30"],
                  "Kernel sizes of the parallel MultiScaleConv branches.")
flags.DEFINE_integer("conv_filters", 192,
                     "Filters of each branch's first (wide) Conv1D.",
                     lower_bound=1)
flags.DEFINE_integer("conv_reduced", 96,
                     "Filters of each branch's kernel-1 Conv1D: the model "
                     "width seen by the transformer.", lower_bound=1)
flags.DEFINE_string("activation", "swish",
                    "Activation of the conv branches and the feed-forward "
                    "network.")
flags.DEFINE_float("l2", 1e-3, "L2 weight on conv kernels and the output "
                   "Dense kernel.", lower_bound=0.0)
flags.DEFINE_integer("num_blocks", 2, "Transformer blocks.", lower_bound=0)
flags.DEFINE_integer("num_heads", 1, "Attention heads.", lower_bound=1)
flags.DEFINE_integer("key_size", 96, "Attention key size per head.",
                     lower_bound=1)
flags.DEFINE_integer("value_size", 96, "Attention value size per head.",
                     lower_bound=1)
flags.DEFINE_integer("num_relative_features", None,
                     "Relative-position features. Default (Enformer's): "
                     "(value_size // (2 * #functions)) * 2 * #functions.")
flags.DEFINE_list("relative_functions",
                  ["positional_features_exponential",
                   "positional_features_central_mask",
                   "positional_features_gamma"],
                  "Enformer positional basis functions.")
flags.DEFINE_float("attention_dropout", 0.0, "Dropout on attention weights.",
                   lower_bound=0.0, upper_bound=1.0)
flags.DEFINE_float("positional_dropout", 0.0,
                   "Dropout on positional features.", lower_bound=0.0,
                   upper_bound=1.0)
flags.DEFINE_integer("ffn_multiplier", 2,
                     "Feed-forward hidden width = multiplier x model width.",
                     lower_bound=1)
flags.DEFINE_integer("lstm_units", 4,
                     "Units per direction of the bidirectional LSTM.",
                     lower_bound=1)
flags.DEFINE_string("lstm_activation", "swish",
                    "LSTM cell activation (MadLab: swish, not tanh).")

# --- Training ----------------------------------------------------------------
flags.DEFINE_string("model_dir", None, "Output directory of the run.")
flags.DEFINE_integer("epochs", 10, "Epochs.", lower_bound=1)
flags.DEFINE_integer("steps_per_epoch", None,
                     "Batches per epoch. Default: one pass over the training "
                     "rows (floor(n_train / batch_size)). MadLab's run used "
                     "36,743 (about 8 passes).", lower_bound=1)
flags.DEFINE_integer("batch_size", 1024, "Global batch size (whatever the "
                     "number of replicas).", lower_bound=1)
flags.DEFINE_float("learning_rate", 1e-4, "Learning rate.", lower_bound=0.0)
flags.DEFINE_enum("optimizer", "rmsprop", ["rmsprop", "adam", "adamw", "sgd"],
                  "Optimizer (MadLab: RMSprop with Keras defaults).")
flags.DEFINE_enum("loss", "mse", ["mse", "huber", "mae"], "Training loss.")
flags.DEFINE_enum("jit_compile", "auto", ["auto", "true", "false"],
                  "XLA compilation of the train step. auto: on when a GPU or "
                  "TPU is present.")
flags.DEFINE_enum("mixed_precision", "none",
                  ["none", "mixed_float16", "mixed_bfloat16"],
                  "Keras mixed-precision policy; the output stays float32.")
flags.DEFINE_enum("strategy", "default",
                  ["default", "mirrored", "multi_worker", "tpu"],
                  "tf.distribute strategy: default (one device), mirrored "
                  "(all local GPUs), multi_worker (TF_CONFIG), tpu.")
flags.DEFINE_string("tpu", None, "TPU address for --strategy=tpu.")
flags.DEFINE_integer("train_eval_rows", 100_000,
                     "Rows of a fixed, seeded sample of the training set on "
                     "which the report's training metrics are computed "
                     "(0: the whole training set).", lower_bound=0)
flags.DEFINE_integer("eval_batch_size", 4096,
                     "Batch size for validation and prediction.",
                     lower_bound=1)
flags.DEFINE_boolean("select_on_validation", True,
                     "Keep and export the epoch with the best validation "
                     "Pearson r (needs --val_fraction > 0).")
flags.DEFINE_boolean("progress", True, "Keras progress bars.")

MODEL_FLAGS = ("seq_len", "conv_kernels", "conv_filters", "conv_reduced",
               "activation", "l2", "num_blocks", "num_heads", "key_size",
               "value_size", "num_relative_features", "relative_functions",
               "attention_dropout", "positional_dropout", "ffn_multiplier",
               "lstm_units", "lstm_activation", "seed")

_INT_LISTS = {"conv_kernels"}


def value(name: str) -> Any:
  """The flag's parsed value, or its default when flags are not parsed."""
  flag = FLAGS[name]
  v = flag.value if FLAGS.is_parsed() else flag.default
  if name in _INT_LISTS and v is not None:
    v = [int(x) for x in v]
  return v


def model_config(**overrides: Any) -> dict[str, Any]:
  """Model settings: flag values (or defaults), then `overrides`."""
  unknown = set(overrides) - set(MODEL_FLAGS)
  if unknown:
    raise TypeError(f"unknown model settings: {sorted(unknown)}; "
                    f"known: {list(MODEL_FLAGS)}")
  config = {name: value(name) for name in MODEL_FLAGS}
  config.update(overrides)
  if "conv_kernels" in overrides:
    config["conv_kernels"] = [int(x) for x in config["conv_kernels"]]
  return config

# --- Run control ------------------------------------------------------------------
flags.DEFINE_integer("baseline_kmer", 0,
                     "Also fit a ridge-regression baseline on k-mer counts "
                     "(k = 1..K) of the same training rows and report it "
                     "beside the model (0: off).", lower_bound=0, upper_bound=6)
flags.DEFINE_boolean("resume", True,
                     "Resume from the last completed epoch when --model_dir "
                     "holds an interrupted run with the same flags.")
