"""Measure fine-tuning from the simulator prior on small real files.

  python -m madlab_dream.pretrain_study --real_data=REAL.txt \
      --deepstarr_dir=DIR --out_dir=OUT [--stage=all --seeds=5 --parallel=2 \
      --score_only --chosen=RECIPE]

The stages and files: `madlab_dream.tools.pretrain.study`. Run it from the
repository root (the runs read experiments/*.flags). Exit status 2 on bad
input.
"""

import os
import sys

from madlab_dream.commands import cli
from madlab_dream.commands import flags
from madlab_dream.errors import InputError
from madlab_dream.tools.pretrain import study


def run():
  f = flags.FLAGS
  if not f.real_data or not f.out_dir:
    raise InputError("--real_data and --out_dir are required")
  if not os.path.isfile(f.real_data):
    raise InputError("no such file", f.real_data)
  results = study.study(
      f.real_data, f.deepstarr_dir, f.out_dir, f.stage, f.seeds,
      f.deepstarr_seeds, f.parallel, score_only=f.score_only,
      chosen=f.chosen, scratch_runs=f.scratch_runs, command=" ".join(
          ["python -m madlab_dream.pretrain_study", *sys.argv[1:]]))
  print(study.table(results))


def main() -> None:
  """`python -m madlab_dream.pretrain_study`: parses the flags and runs."""
  cli.run(run, "madlab_dream.pretrain_study",
          lambda: flags.define_pretrain_study_flags(study.RECIPES))
