"""A training run's settings: `TrainConfig` (data path, optimiser,
schedule, precision, outputs) and the values its choices may take.

`madlab_dream.config` holds it with the data's and the model's in a
`RunConfig`; each field's help text is its metadata (`settings.setting`).
"""

from __future__ import annotations

import dataclasses

from madlab_dream.settings import Settings
from madlab_dream.settings import check
from madlab_dream.settings import choice
from madlab_dream.settings import duration_seconds
from madlab_dream.settings import names
from madlab_dream.settings import number
from madlab_dream.settings import setting
from madlab_dream.settings import weights
from madlab_dream.settings import whole_number

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
class TrainConfig(Settings):
  """One training run.

  Fields whose `metadata["result"]` is False do not change the trained
  weights or the reported metrics (where files are, progress display, the
  XLA and distribution mechanics); resume accepts a change of those only.
  The training data are compared by content (their SHA-256), not by path.
  """
  train_data: str | None = setting(
      None,
      "DREAM-format training file (`sequence<TAB>expression`, no "
      "header, .gz accepted), e.g. data/train_sequences.txt.",
      result=False)
  model_dir: str | None = setting(
      None,
      "Output directory of the run.",
      result=False)
  cache_dir: str | None = setting(
      None,
      "Where the preprocessed cache is written/reused (default "
      "<model_dir>/cache).",
      result=False)
  epochs: int = setting(
      10,
      "Epochs.")
  steps_per_epoch: int | None = setting(
      None,
      "Batches per epoch. Default: one pass over the training rows "
      "(floor(n_train / batch_size)). MadLab's run used 36,743 (about "
      "8 passes).")
  max_steps: int | None = setting(
      None,
      "Stop after this many optimizer steps in all (the last epoch "
      "may be partial); the best epoch is still evaluated, kept and "
      "exported.")
  time_budget: float | None = setting(
      None,
      "Stop training when its wall-clock time reaches this (600, "
      "600s, 10m, 1.5h; summed over resumed sessions); the epoch in "
      "progress is evaluated and the best epoch exported.",
      result=False,
      flag_type="string")
  batch_size: int = setting(
      1024,
      "Global training batch size (whatever the number of replicas).")
  learning_rate: float = setting(
      1e-4,
      "Learning rate (the peak of a warm-up or one-cycle schedule).")
  lr_schedule: str = setting(
      "constant",
      "constant (MadLab), cosine (linear warm-up, cosine decay to 0) "
      "or onecycle (the winning team's: cosine rise from lr/25, fall "
      "to lr/2.5e5) over the planned steps.",
      choices=SCHEDULES)
  warmup_fraction: float | None = setting(
      None,
      "Warm-up as a fraction of the planned steps (default: constant "
      "0, cosine 0.05, onecycle 0.3).")
  optimizer: str = setting(
      "rmsprop",
      "Optimizer (MadLab: RMSprop with Keras defaults; rmsprop_keras2 "
      "has the epsilon placement of the Keras 2 they ran, sqrt(v) + "
      "eps).",
      choices=OPTIMIZERS)
  clipnorm: float | None = setting(
      None,
      "Clip the global norm of each step's gradients to this "
      "(default: no clipping, as MadLab).")
  loss: str = setting(
      "mse",
      "Training loss.",
      choices=LOSSES)
  early_stopping_patience: int = setting(
      0,
      "Stop after this many epochs without a better validation "
      "Pearson r (MadLab used 20; 0: off).")
  jit_compile: str = setting(
      "auto",
      "XLA compilation of the train step. auto: on when a GPU or TPU "
      "is present (TensorFlow), always on JAX, off on PyTorch.",
      choices=JIT_MODES,
      result=False)
  matmul_precision: str = setting(
      "default",
      "JAX's default matmul precision (Keras on JAX only): default (JAX's: "
      "TF32 for float32 matmuls on NVIDIA GPUs), high (bfloat16_3x), "
      "highest (true float32). The report says which ran.",
      choices=MATMUL_PRECISIONS,
      result=False)
  mixed_precision: str = setting(
      "none",
      "Keras mixed-precision policy; the output stays float32. auto: "
      "mixed_bfloat16 where the CPU has bfloat16 matrix units "
      "(AMX-BF16 or AVX512-BF16) or a GPU is present, only if a timed "
      "A/B at the start of the run finds it at least "
      f"{AUTO_BF16_MIN_SPEEDUP:.2f}x faster and, after "
      f"{AUTO_BF16_PROBE_STEPS} steps from the same weights, its "
      f"validation r within {AUTO_BF16_MAX_R_DROP} of float32's; "
      "else float32 (the decision is in report.json).",
      choices=PRECISIONS)
  strategy: str = setting(
      "default",
      "Devices: default (one device), mirrored (all local devices: "
      "tf.distribute's MirroredStrategy on TensorFlow, "
      "keras.distribution.DataParallel on JAX), multi_worker (TF_CONFIG; "
      "TensorFlow), tpu (TensorFlow).",
      choices=STRATEGIES,
      result=False)
  tpu: str | None = setting(
      None,
      "TPU address for --strategy=tpu.",
      result=False)
  train_eval_rows: int = setting(
      100_000,
      "Rows of a fixed, seeded sample of the training set on which "
      "the report's training metrics are computed (0: the whole "
      "training set).")
  eval_batch_size: int = setting(
      4096,
      "Sequences per model call for validation and prediction.",
      result=False)
  select_on_validation: bool = setting(
      True,
      "Keep and export the epoch with the best validation Pearson r "
      "(needs --val_fraction > 0).")
  baseline_kmer: int = setting(
      0,
      "Also fit a ridge regression on k-mer counts (k = 1..K, K <= 6) "
      "of the same training rows and report it beside the model (0: "
      "off).",
      result=False)
  progress: bool = setting(
      True,
      "Keras progress bars (when stdout is a terminal).",
      result=False)
  resume: bool = setting(
      True,
      "Resume from the last completed epoch when --model_dir holds an "
      "interrupted run with the same settings.",
      result=False)
  val_data: str | None = setting(
      None,
      "A validation table (same columns as --train_data): the file "
      "is the split.",
      result=False)
  test_data: str | None = setting(
      None,
      "A test table, scored once with the best epoch (report.json "
      "\"test\").",
      result=False)
  target_weights: tuple[float, ...] | None = setting(
      None,
      "Weights of the targets in the loss (default: equal; the MSE "
      "is their weighted mean).")
  select_target: str | None = setting(
      None,
      "Select the best epoch on this target's validation Pearson r "
      "(default: the mean over targets).")
  rc_augment: bool = setting(
      False,
      "Reverse-complement each training sequence with probability "
      "0.5 (seeded per pass).")
  init_from: str | None = setting(
      None,
      "Start from the weights of a trained run directory "
      "(model.keras), or `simulator`: the package's prior trained on "
      "simulated rows (python -m madlab_dream.pretrain); a head of "
      "another size is re-initialised, other shape mismatches are "
      "refused.",
      result=False)
  freeze: tuple[str, ...] | None = setting(
      None,
      "Blocks kept fixed while training: conv, transformer, lstm.")

  def __post_init__(self):
    object.__setattr__(self, "rc_augment", bool(self.rc_augment))
    if self.target_weights is not None:
      self.validate_field("target_weights", weights)
    if self.freeze is not None:
      self.validate_field("freeze", names)
      for block in self.freeze:
        check(block in FREEZABLE, "freeze", self.freeze,
               f"{block!r} is not one of {', '.join(FREEZABLE)}")
    self.validate_field("epochs", whole_number, low=1)
    self.validate_field("steps_per_epoch", whole_number, low=1, optional=True)
    self.validate_field("max_steps", whole_number, low=1, optional=True)
    self.validate_field("time_budget", duration_seconds)
    self.validate_field("batch_size", whole_number, low=1)
    self.validate_field("learning_rate", number, low=0.0)
    self.validate_field("lr_schedule", choice, SCHEDULES)
    self.validate_field("clipnorm", number, low=0.0, optional=True)
    check(self.clipnorm is None or self.clipnorm > 0, "clipnorm",
           self.clipnorm, "must be positive (omit it for no clipping)")
    self.validate_field("warmup_fraction", number, 0.0, 1.0, high_open=True,
                         optional=True)
    self.validate_field("early_stopping_patience", whole_number, low=0)
    self.validate_field("optimizer", choice, OPTIMIZERS)
    self.validate_field("loss", choice, LOSSES)
    self.validate_field("jit_compile", choice, JIT_MODES)
    self.validate_field("mixed_precision", choice, PRECISIONS)
    self.validate_field("matmul_precision", choice, MATMUL_PRECISIONS)
    self.validate_field("strategy", choice, STRATEGIES)
    self.validate_field("train_eval_rows", whole_number, low=0)
    self.validate_field("eval_batch_size", whole_number, low=1)
    self.validate_field("baseline_kmer", whole_number, low=0)
    check(self.baseline_kmer <= 6, "baseline_kmer", self.baseline_kmer,
           "must be at most 6 (4^6 = 4,096 features per k)")
    check(not (self.strategy == "tpu" and
                self.mixed_precision == "mixed_float16"), "mixed_precision",
           self.mixed_precision, "is not supported on TPU; use "
           "mixed_bfloat16")

  @classmethod
  def result_fields(cls) -> tuple[str, ...]:
    """Fields that change the trained weights or the reported metrics."""
    return tuple(f.name for f in dataclasses.fields(cls)
                 if f.metadata.get("result", True))
