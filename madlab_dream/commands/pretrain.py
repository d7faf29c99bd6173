"""Train the pretrained starting point (--init_from=simulator).

  python -m madlab_dream.pretrain [--rows=300000 --steps=19200 --seed=31 \
      --output_dir=DIR --work_dir=DIR]

Simulates rows from the simulator's default grammar, trains MadLab's model
(as described) on them and writes simulator.npz and simulator.json into
the package's madlab_dream/pretrained/ (the copy `--init_from=simulator`
reads) or --output_dir. Exit status 2 on bad input.
"""

from madlab_dream.commands import cli
from madlab_dream.commands import flags
from madlab_dream.tools.pretrain.run import pretrain


def run():
  f = flags.FLAGS
  pretrain(f.rows, f.steps, f.seed, f.output_dir, f.work_dir)


def main() -> None:
  """`python -m madlab_dream.pretrain`: parses the flags and runs `run`."""
  cli.run(run, "madlab_dream.pretrain", flags.define_pretrain_flags)
