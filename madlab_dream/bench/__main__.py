"""Benchmark preprocessing, input, training and inference speed.

  python -m madlab_dream.bench [--output=BENCHMARKS.md] [--rows=6739258]
      [--quick] [--bench_dir=bench_output]

Writes the Markdown report --output and its raw figures beside it (.json);
generated data, caches and logs go under --bench_dir (reused between
runs). --quick: tiny sizes and a tiny model (a smoke test). The model
sections run in worker processes of this same command
(--bench_worker_spec=SPEC, internal).
"""

import json
import sys

from madlab_dream import cli
from madlab_dream import flags
from madlab_dream.bench import run
from madlab_dream.bench import throughput
from madlab_dream.io import files


def main():
  if flags.FLAGS.bench_worker_spec:
    with open(flags.FLAGS.bench_worker_spec) as f:
      spec = json.load(f)
    result = throughput.bench_model(spec)
    files.write_text(spec["output"], json.dumps(result, default=float))
    return
  run.run_benchmark(flags.FLAGS.output, flags.FLAGS.rows, flags.FLAGS.quick,
                    flags.FLAGS.bench_dir, argv=sys.argv[1:])


if __name__ == "__main__":
  cli.run(main, "madlab_dream.bench", flags.define_bench_flags)
