"""How much work each measurement does, MadLab's figures and the targets.

`FULL` is `make bench` on a CPU; `ACCELERATOR` the same on a GPU (windows
are sized by time, so they lengthen by themselves on a fast device);
`QUICK` a smoke test on tiny sizes and the tiny model that runs each code
path once: without XLA on TensorFlow (the JAX path compiles with it), in
float32 only on JAX (the TensorFlow path runs mixed_bfloat16).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from madlab_dream.config import AUTO_BF16_PROBE_BATCH
from madlab_dream.config import AUTO_BF16_PROBE_STEPS
from madlab_dream.config import TINY_MODEL

EPOCH_ROWS = 4_703_150           # MadLab's training rows (one pass)
SCHEDULE_EXAMPLES = 10 * 36_743 * 1_024   # MadLab's 10 "epochs" of 36,743 steps
TPU_SEQ_PER_S = 82_000           # MadLab's 8-core Colab TPU (459 s per epoch)
GPU_TARGET_SEQ_PER_S = 164_000   # 2x the TPU, on one H100
TARGETS = {"preprocess_wall_s": 60.0, "preprocess_peak_gb": 3.0,
           "cache_gb": 1.05, "speedup_vs_madlab": 10.0,
           "memory_vs_madlab": 5.0, "pipeline_seq_per_s": 500_000.0,
           "train_mfu": 0.50, "inference_mfu": 0.60,
           "gpu_train_seq_per_s": GPU_TARGET_SEQ_PER_S}


@dataclasses.dataclass(frozen=True)
class Sizes:
  """How much work each measurement does.

  Attributes:
    rows, madlab_rows: rows of the generated file; MadLab's two subsets.
    pipeline_batches, pipeline_warmup: timed and untimed input batches.
    train_batch, infer_batch: sequences per training step / inference call.
    warmup, calibration, windows, window_s, min_calls: `timing.call_windows`.
    fit_warmup, fit_steps: `model.fit` steps before its windows; its fewest
      steps per window (at least the training step's calls).
    matmul_n, matmul_reps, profile_reps: the peak's matmul, its repeats;
      calls per block of the profile.
    ab_windows, ab_calls: the A/B comparisons' windows and calls per window.
    accuracy_*: the bfloat16 accuracy probe's simulated rows and budget.
    ism_sequences, ism_single: saturation mutagenesis, batched, one by one.
    gradient_batch, gradient_batches: explain's input gradients: the batch
      and the timed calls; design_windows: design's alternating windows.
    lengths: the sequence lengths compared (DREAM: 110 nt; Drosophila
      STARR-seq: 249 nt).
    jit_modes: the XLA settings measured on TensorFlow (JAX always uses XLA).
    precisions: the Keras policies measured in full on JAX.
    model: ModelConfig overrides ({}: MadLab's preset).
  """
  rows: int
  madlab_rows: tuple[int, int]
  pipeline_batches: int
  pipeline_warmup: int
  train_batch: int
  infer_batch: int
  warmup: int
  calibration: int
  windows: int
  window_s: float
  min_calls: int
  fit_warmup: int
  fit_steps: int
  matmul_n: int
  matmul_reps: int
  profile_reps: int
  ab_windows: int
  ab_calls: int
  accuracy_rows: int
  accuracy_val_rows: int
  accuracy_steps: int
  accuracy_batch: int
  ism_sequences: int
  ism_single: int
  gradient_batch: int
  gradient_batches: int
  design_windows: int
  lengths: tuple[int, ...]
  jit_modes: tuple[bool, ...]
  precisions: tuple[str, ...]
  model: dict[str, Any]


FULL = Sizes(rows=6_739_258, madlab_rows=(100_000, 400_000),
             pipeline_batches=2000, pipeline_warmup=50, train_batch=1024,
             infer_batch=4096, warmup=1, calibration=2, windows=5,
             window_s=2.0, min_calls=2, fit_warmup=2, fit_steps=3,
             matmul_n=4096, matmul_reps=5, profile_reps=3, ab_windows=3,
             ab_calls=2, accuracy_rows=100_000, accuracy_val_rows=10_000,
             accuracy_steps=AUTO_BF16_PROBE_STEPS,
             accuracy_batch=AUTO_BF16_PROBE_BATCH, ism_sequences=1000,
             ism_single=10, gradient_batch=256, gradient_batches=5,
             design_windows=3, lengths=(110, 249), jit_modes=(True, False),
             precisions=("float32", "mixed_bfloat16"), model={})
ACCELERATOR = dataclasses.replace(FULL, warmup=3, calibration=10,
                                  min_calls=5, fit_warmup=20, matmul_n=8192,
                                  matmul_reps=10, ab_windows=5, ab_calls=20,
                                  jit_modes=(True,))
QUICK = dataclasses.replace(
    FULL, rows=4_000, madlab_rows=(500, 1_000), pipeline_batches=20,
    pipeline_warmup=2, train_batch=64, infer_batch=128, calibration=1,
    windows=2, window_s=0.05, min_calls=1, fit_warmup=1, fit_steps=2,
    matmul_n=256, matmul_reps=2, profile_reps=1, ab_windows=2, ab_calls=1,
    accuracy_rows=500, accuracy_val_rows=200, accuracy_steps=3,
    accuracy_batch=32, ism_sequences=4, ism_single=1,
    gradient_batch=8, gradient_batches=1, design_windows=1, jit_modes=(False,),
    precisions=("float32",), model=dict(TINY_MODEL, conv_kernels=(3,)))
