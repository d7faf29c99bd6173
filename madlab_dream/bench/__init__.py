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
  3. training (XLA on and off) and inference throughput of the MadLab preset,
     medians of timed windows after warm-up;
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
  flops.py          4: FLOPs per sequence, analytic and from XLA's HLO
  hlo.py            4: the HLO text reader that counts dot/conv FLOPs
  summary.py        4-5: best throughputs, MFU, schedule time, profile shares
  report.py         the Markdown report (machine, summary, sections 1-6)
  diagnosis.py      4: what the per-block profile says

`--quick` runs every section on tiny sizes and a tiny model (tests).
Generated data and caches go under --bench_dir (git-ignored).
"""

from madlab_dream.bench.datagen import FLANK3
from madlab_dream.bench.datagen import FLANK5
from madlab_dream.bench.datagen import WHOLE_FRACTION
from madlab_dream.bench.datagen import generate_dream_lines
from madlab_dream.bench.flops import analytic_flops
from madlab_dream.bench.flops import xla_flops
from madlab_dream.bench.hlo import hlo_flops
from madlab_dream.bench.measure import linear_extrapolation
from madlab_dream.bench.plan import FULL
from madlab_dream.bench.plan import QUICK
from madlab_dream.bench.plan import SCHEDULE_EXAMPLES
from madlab_dream.bench.plan import TARGETS
from madlab_dream.bench.plan import Sizes
from madlab_dream.bench.run import run_benchmark

__all__ = ["FLANK3", "FLANK5", "FULL", "QUICK", "SCHEDULE_EXAMPLES",
           "Sizes", "TARGETS", "WHOLE_FRACTION", "analytic_flops",
           "generate_dream_lines", "hlo_flops", "linear_extrapolation",
           "run_benchmark", "xla_flops"]
