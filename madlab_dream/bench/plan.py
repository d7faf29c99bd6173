"""What the benchmark measures, how much of it, and what it is compared with.

`Sizes` says how much work each section does: `FULL` for `make bench`,
`QUICK` (tiny sizes, the tiny model) for `--quick` and the tests, and
`GPU_STEPS` lengthens the timed windows on a GPU. Then MadLab's figures
(training rows, schedule, TPU throughput) and the targets the report
checks. `DeviceSizes` (`DEVICE_FULL`, `DEVICE_QUICK`) sizes the JAX device
benchmark (`--backend=jax`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from madlab_dream.config import AUTO_BF16_PROBE_BATCH
from madlab_dream.config import AUTO_BF16_PROBE_STEPS
from madlab_dream.config import TINY_MODEL

FULL_ROWS = 6_739_258            # rows of the challenge's train_sequences.txt
EPOCH_ROWS = 4_703_150           # MadLab's training rows (one pass)
SCHEDULE_EXAMPLES = 10 * 36_743 * 1_024   # MadLab's 10 "epochs" of 36,743 steps
TPU_SEQ_PER_S = 82_000           # MadLab's 8-core Colab TPU (459 s per epoch)
GPU_TARGET_SEQ_PER_S = 164_000   # 2x the TPU, on one H100
GPU_TARGET_SCHEDULE_MIN = 40.0
TARGETS = {
    "preprocess_wall_s": 60.0, "preprocess_peak_gb": 3.0,
    "cache_gb": 1.0, "speedup_vs_madlab": 10.0, "memory_vs_madlab": 5.0,
    "pipeline_seq_per_s": 500_000.0, "train_mfu": 0.50, "inference_mfu": 0.60,
}


@dataclasses.dataclass
class Sizes:
  """How much work each section does.

  Attributes:
    rows: rows of the generated DREAM file.
    madlab_rows: the two subset sizes MadLab's approach runs on.
    pipeline_batches, pipeline_warmup: timed and warm-up input batches.
    train_batch, train_warmup, train_windows, train_steps: the training
      batch, steps before the first timed window, windows, steps each.
    infer_batch, infer_windows, infer_steps: the same for inference.
    matmul_n, matmul_reps: the peak's n x n x n matmul and its repeats.
    profile_reps: timed calls per block of the profile.
    ab_windows, ab_steps: alternating windows per alternative and steps
      (calls) per window of the A/B comparisons (previous formulation vs
      current, float32 vs mixed_bfloat16).
    accuracy_rows, accuracy_val_rows, accuracy_steps, accuracy_batch: the
      bfloat16 accuracy probe: simulated training and validation rows, and
      its fixed budget of steps of that batch.
    ism_sequences, ism_single: sequences of the batched saturation
      mutagenesis, and of the one-sequence-at-a-time comparison.
    model: ModelConfig overrides ({}: MadLab's preset).
  """
  rows: int
  madlab_rows: tuple[int, int]
  pipeline_batches: int
  pipeline_warmup: int
  train_batch: int
  train_warmup: int
  train_windows: int
  train_steps: int
  infer_batch: int
  infer_windows: int
  infer_steps: int
  matmul_n: int
  matmul_reps: int
  profile_reps: int
  ab_windows: int
  ab_steps: int
  accuracy_rows: int
  accuracy_val_rows: int
  accuracy_steps: int
  accuracy_batch: int
  ism_sequences: int
  ism_single: int
  model: dict[str, Any]

  @classmethod
  def from_dict(cls, values: dict[str, Any]) -> "Sizes":
    """The sizes from `dataclasses.asdict` output read back from JSON."""
    return cls(**{**values, "madlab_rows": tuple(values["madlab_rows"])})


FULL = Sizes(rows=FULL_ROWS, madlab_rows=(100_000, 400_000),
             pipeline_batches=2000, pipeline_warmup=50, train_batch=1024,
             train_warmup=2, train_windows=5, train_steps=3, infer_batch=4096,
             infer_windows=5, infer_steps=2, matmul_n=4096, matmul_reps=5,
             profile_reps=3, ab_windows=3, ab_steps=2, accuracy_rows=100_000,
             accuracy_val_rows=10_000, accuracy_steps=AUTO_BF16_PROBE_STEPS,
             accuracy_batch=AUTO_BF16_PROBE_BATCH,
             ism_sequences=1000, ism_single=10, model={})
QUICK = Sizes(rows=20_000, madlab_rows=(1_000, 2_000), pipeline_batches=40,
              pipeline_warmup=5, train_batch=256, train_warmup=1,
              train_windows=2, train_steps=2, infer_batch=512,
              infer_windows=2, infer_steps=2, matmul_n=512, matmul_reps=2,
              profile_reps=1, ab_windows=2, ab_steps=1, accuracy_rows=2_000,
              accuracy_val_rows=500, accuracy_steps=5, accuracy_batch=64,
              ism_sequences=20, ism_single=2, model=dict(TINY_MODEL))
#: A GPU is fast: longer windows, so each lasts long enough to time.
GPU_STEPS = {"train_warmup": 20, "train_windows": 5, "train_steps": 200,
             "infer_windows": 5, "infer_steps": 100, "matmul_n": 8192,
             "matmul_reps": 10}


@dataclasses.dataclass(frozen=True)
class DeviceSizes:
  """How much work the JAX device benchmark (`--backend=jax`) does.

  Attributes:
    train_batch, infer_batch: sequences per training step / inference call.
    batches: distinct random batches held on the device, used in turn.
    warmup: steps (calls) after the compiling first one, before calibration.
    calibration: steps (calls) timed to size the windows.
    windows: timed windows; each runs as many steps (calls) as fit in
      `window_s` seconds at the calibration's rate, at least `min_steps`.
    window_s, min_steps: see `windows`.
    matmul_n, matmul_reps: the n x n x n matmul of the peak, and its repeats.
    model: ModelConfig overrides ({}: MadLab's preset).
  """
  train_batch: int
  infer_batch: int
  batches: int
  warmup: int
  calibration: int
  windows: int
  window_s: float
  min_steps: int
  matmul_n: int
  matmul_reps: int
  model: dict[str, Any]


#: `python -m madlab_dream.bench --backend=jax`: MadLab's preset and batch.
DEVICE_FULL = DeviceSizes(train_batch=1024, infer_batch=4096, batches=4,
                          warmup=3, calibration=10, windows=5, window_s=2.0,
                          min_steps=5, matmul_n=8192, matmul_reps=10,
                          model={})
#: `--quick`: the tiny model on tiny batches (a smoke test, e.g. on a CPU).
DEVICE_QUICK = DeviceSizes(train_batch=64, infer_batch=256, batches=2,
                           warmup=1, calibration=3, windows=3, window_s=0.2,
                           min_steps=2, matmul_n=256, matmul_reps=3,
                           model=dict(TINY_MODEL))
