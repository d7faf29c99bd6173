"""`make demo`: the whole product on a laptop, each step a real command.

  1. simulate a DREAM-format dataset (cached in <output_dir>/data)
  2. measure this machine's training speed and plan the run to fit the
     budget (default: the whole demo in 12 minutes), printed before training
  3. train experiments/demo.flags (the MadLab architecture) for the planned
     steps, with the k-mer ridge baseline fitted on the same rows
  4. predict the simulated test set from the exported SavedModel in a fresh
     process, as a challenge submission (JSON)
  5. score it with the challenge's official weighted Pearson/Spearman scores
  6. summarise: model vs baseline vs the noise ceiling, the learning curve,
     the checks, and where things are

  python -m madlab_dream.demo [--output_dir=demo_output] [--budget=12m]
      [--train_arg=--flag=value ...] [--check_targets]

The steps are `madlab_dream.tools.demo.steps`.
"""

import time

from madlab_dream import settings
from madlab_dream.commands import cli
from madlab_dream.commands import flags
from madlab_dream.errors import InputError
from madlab_dream.io import files
from madlab_dream.io import output_dirs
from madlab_dream.tools.demo import steps

MIN_ROWS = 1000


def run():
  args = flags.FLAGS
  for name in ("train_rows", "test_rows"):
    if args[name].value < MIN_ROWS:
      raise InputError(f"--{name}={args[name].value}: must be at least "
                       f"{MIN_ROWS:,}")
  budget_s = settings.duration_seconds("budget", args.budget)
  started = time.perf_counter()
  paths = steps.DemoPaths(args.output_dir)
  output = output_dirs.claim(paths.out, "demo")  # new, empty or a demo's
  files.check_writable_dir(paths.out)
  base_args = steps.train_args(paths,
                               flags.experiment_path(args.flagfile_path))
  run_config = flags.run_config_from_args(base_args + list(args.train_arg))
  sizes = {"train_rows": args.train_rows, "test_rows": args.test_rows,
           "seed": args.sim_seed}
  status = steps.run_demo(paths, run_config, base_args,
                          list(args.train_arg), sizes, budget_s, started,
                          args.check_targets)
  output.record(steps.DEMO_FILES)
  return status


def main() -> None:
  """`python -m madlab_dream.demo`: parses the flags and runs `run`."""
  cli.run(run, "madlab_dream.demo", flags.define_demo_flags)
