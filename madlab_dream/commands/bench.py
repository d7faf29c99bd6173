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
  FLAGS = flags.FLAGS  # pylint: disable=invalid-name
  _select_backend(FLAGS.backend)
  # Imported once the backend is chosen: Keras reads KERAS_BACKEND once.
  if FLAGS.backend == "jax":
    for name in ("rows", "bench_dir"):
      if FLAGS[name].present:
        raise InputError(f"--{name} does not apply to --backend=jax")
    from madlab_dream.tools.bench import jax_benchmark  # noqa: PLC0415
    output = FLAGS.output if FLAGS["output"].present else JAX_OUTPUT
    jax_benchmark.run_jax_benchmark(output, FLAGS.quick, argv=sys.argv[1:])
    return
  from madlab_dream.tools.bench import tensorflow_benchmark  # noqa: PLC0415
  tensorflow_benchmark.run_benchmark(FLAGS.output, FLAGS.rows, FLAGS.quick,
                                     FLAGS.bench_dir, argv=sys.argv[1:])


def main() -> None:
  """`python -m madlab_dream.bench`: parses the flags and runs `run`."""
  cli.run(run, "madlab_dream.bench", flags.define_bench_flags)
