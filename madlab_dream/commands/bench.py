"""Benchmark preprocessing, input, training and inference speed.

  python -m madlab_dream.bench [--output=BENCHMARKS.md] [--rows=6739258]
      [--quick] [--bench_dir=bench_output]
  python -m madlab_dream.bench --backend=jax [--output=BENCHMARKS_JAX.md]
      [--quick]

Writes the Markdown report --output and its raw figures beside it (.json);
generated data, caches and logs go under --bench_dir (reused between
runs). --quick: tiny sizes and the tiny model (a smoke test).
--backend=jax switches Keras to its JAX backend before Keras is imported;
nothing on that path imports TensorFlow.
"""

import os
import sys

from madlab_dream.commands import cli
from madlab_dream.commands import flags
from madlab_dream.errors import InputError

JAX_OUTPUT = "BENCHMARKS_JAX.md"


def _select_backend(backend: str) -> None:
  """Sets KERAS_BACKEND before Keras is imported (it reads it once)."""
  keras = sys.modules.get("keras")
  if keras is not None and keras.backend.backend() != backend:
    raise InputError(f"--backend={backend}: Keras was already imported on "
                     f"{keras.backend.backend()}")
  os.environ["KERAS_BACKEND"] = backend


def run():
  f = flags.FLAGS
  _select_backend(f.backend)
  if f.backend == "jax":
    _run_jax(f)
    return
  # Imported once the backend is chosen: Keras reads KERAS_BACKEND once.
  from madlab_dream.tools.bench import tensorflow_benchmark  # noqa: PLC0415
  tensorflow_benchmark.run_benchmark(f.output, f.rows, f.quick, f.bench_dir,
                                     argv=sys.argv[1:])


def _run_jax(f) -> None:
  """--backend=jax: the model benchmark on JAX (no TensorFlow imported)."""
  for name in ("rows", "bench_dir"):
    if f[name].present:
      raise InputError(f"--{name} does not apply to --backend=jax")
  # Imported once the backend is chosen: Keras reads KERAS_BACKEND once.
  from madlab_dream.tools.bench import jax_benchmark  # noqa: PLC0415
  output = f.output if f["output"].present else JAX_OUTPUT
  jax_benchmark.run_jax_benchmark(output, f.quick, argv=sys.argv[1:])


def main() -> None:
  """`python -m madlab_dream.bench`: parses the flags and runs `run`."""
  cli.run(run, "madlab_dream.bench", flags.define_bench_flags)
