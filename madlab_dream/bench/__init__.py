"""`make bench`: measured preprocessing, input, training and inference speed.

  python -m madlab_dream.bench [--output=BENCHMARKS.md] [--rows=6739258]
      [--quick] [--bench_dir=bench_output]

Writes the Markdown report `--output` and the raw figures beside it (same
name, `.json`), both atomically. Every figure is measured by this code in the
same run, on this machine:

  1. preprocessing: a generated full-size DREAM-format file (vectorised,
     seeded, reused when present) through `python -m madlab_dream.data` in a
     subprocess (wall time, peak resident memory, cache size), beside
     MadLab's own notebook approach on two subsets, extrapolated linearly;
  2. input pipeline: sequences/s from `data.train_dataset` over the cache;
  3. training (XLA on and off) and inference throughput of the MadLab preset
     (inference on its BatchNorm-folded form), medians of timed windows
     after warm-up; against the formulation before issue 16, float32
     against mixed_bfloat16 (and what --mixed_precision=auto decides), and
     the saturation-mutagenesis rate, each A/B in alternating windows;
  4. model FLOPs per sequence, counted analytically from the layer shapes and
     from the XLA HLO of the compiled computations, and the model FLOP
     utilisation (MFU) against a float32 matmul measured in the same run,
     with a per-block profile;
  5. time per epoch and for MadLab's whole schedule, from the throughput;
  6. a GPU (if any): the same with XLA and mixed_bfloat16, against the
     target of 164,000 training sequences/s.

The modules:

  plan.py           Sizes (FULL, QUICK, GPU_STEPS), MadLab's figures, targets
  run.py            orchestration: sections 1-6, the model worker, outputs
  datagen.py        1: the full-size DREAM-format file, generated and reused
  measure.py        1: a command timed in a subprocess with its peak memory
  preprocessing.py  1: `madlab_dream.data` beside MadLab's notebook approach
  throughput.py     2-4: input pipeline; the model worker (matmul peak,
                    training, inference, per-block profile)
  compare.py        3: previous formulation vs current, float32 vs
                    mixed_bfloat16, batched saturation mutagenesis
  flops.py          4: FLOPs per sequence, analytic and from XLA's HLO
  hlo.py            4: the HLO text reader that counts dot/conv FLOPs
  summary.py        4-5: best throughputs, MFU, schedule time, profile shares
  report.py         the Markdown report (machine, summary, sections 1-6)
  diagnosis.py      4: what the per-block profile says
  jax_device.py     `--backend=jax`: the model on whatever accelerator JAX
                    sees (XLA), float32 and mixed_bfloat16, no TensorFlow
  jax_report.py     its Markdown (BENCHMARKS_GPU.md)
  gpu_run.sh        the prepared command for a lent GPU machine

`--quick` runs every section on tiny sizes and a tiny model (tests).
Generated data and caches go under --bench_dir (git-ignored).

The names below are imported on first use, so that `--backend=jax` loads
only what it needs (no TensorFlow, no data pipeline).
"""

import importlib

_EXPORTS = {
    "FLANK3": "datagen", "FLANK5": "datagen", "WHOLE_FRACTION": "datagen",
    "generate_dream_lines": "datagen", "analytic_flops": "flops",
    "xla_flops": "flops", "hlo_flops": "hlo",
    "linear_extrapolation": "measure", "FULL": "plan", "QUICK": "plan",
    "SCHEDULE_EXAMPLES": "plan", "TARGETS": "plan", "Sizes": "plan",
    "DEVICE_FULL": "plan", "DEVICE_QUICK": "plan", "DeviceSizes": "plan",
    "run_benchmark": "run", "run_device_benchmark": "jax_device",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
  if name not in _EXPORTS:
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
  module = importlib.import_module(f"{__name__}.{_EXPORTS[name]}")
  return getattr(module, name)
