"""Benchmark preprocessing, input, training and inference speed.

  python -m madlab_dream.bench [--output=BENCHMARKS.md] [--rows=6739258]
      [--quick] [--bench_dir=bench_output]
  python -m madlab_dream.bench --backend=jax [--output=BENCHMARKS_GPU.md]
      [--quick]

Writes the Markdown report --output and its raw figures beside it (.json);
generated data, caches and logs go under --bench_dir (reused between
runs). --quick: tiny sizes and a tiny model (a smoke test). The model
sections run in worker processes of this same command
(--bench_worker_spec=SPEC, internal).

--backend=jax measures the model on whatever accelerator JAX sees
(`bench/jax_device.py`); Keras is switched to its JAX backend before it is
imported, and nothing on that path imports TensorFlow.
"""

import json
import os
import sys

from madlab_dream import cli
from madlab_dream import flags
from madlab_dream.errors import InputError

DEVICE_OUTPUT = "BENCHMARKS_GPU.md"


def _select_backend(backend: str) -> None:
  """Sets KERAS_BACKEND before Keras is imported (it reads it once)."""
  keras = sys.modules.get("keras")
  if keras is not None and keras.backend.backend() != backend:
    raise InputError(f"--backend={backend}: Keras was already imported on "
                     f"{keras.backend.backend()}")
  os.environ["KERAS_BACKEND"] = backend


def main():
  FLAGS = flags.FLAGS  # pylint: disable=invalid-name
  _select_backend(FLAGS.backend)
  if FLAGS.backend == "jax":
    for name in ("rows", "bench_dir", "bench_worker_spec"):
      if FLAGS[name].present:
        raise InputError(f"--{name} does not apply to --backend=jax")
    from madlab_dream.bench import jax_device
    output = FLAGS.output if FLAGS["output"].present else DEVICE_OUTPUT
    jax_device.run_device_benchmark(output, FLAGS.quick, argv=sys.argv[1:])
    return
  from madlab_dream.bench import run
  from madlab_dream.bench import throughput
  from madlab_dream.io import files
  if FLAGS.bench_worker_spec:
    with open(FLAGS.bench_worker_spec) as f:
      spec = json.load(f)
    result = throughput.bench_model(spec)
    files.write_text(spec["output"], json.dumps(result, default=float))
    return
  run.run_benchmark(FLAGS.output, FLAGS.rows, FLAGS.quick, FLAGS.bench_dir,
                    argv=sys.argv[1:])


if __name__ == "__main__":
  cli.run(main, "madlab_dream.bench", flags.define_bench_flags)
