"""Train the pretrained starting point (--init_from=simulator).

  python -m madlab_dream.pretrain [--rows=150000 --steps=2400 --seed=31 \
      --output_dir=DIR --work_dir=DIR]

Simulates rows from the simulator's default grammar, trains MadLab's model
(as described) on them and writes simulator.npz and simulator.json into
the package's madlab_dream/pretrained/ (the copy `--init_from=simulator`
reads) or --output_dir. Exit status 2 on bad input.
"""

from absl import flags as absl_flags

from madlab_dream import cli
from madlab_dream.pretrain.run import pretrain

FLAGS = absl_flags.FLAGS


def _define_flags():
  absl_flags.DEFINE_integer("rows", 150_000, "Simulated training rows.")
  absl_flags.DEFINE_integer("steps", 2400, "Training steps of batch 32.")
  absl_flags.DEFINE_integer("seed", 31, "Seed of the simulated rows and of "
                            "the run.")
  absl_flags.DEFINE_string("output_dir", None,
                           "Where simulator.npz and simulator.json go "
                           "(default: the package's own copy).")
  absl_flags.DEFINE_string("work_dir", None, "Keep the simulated rows and "
                           "the training run here (default: a temporary "
                           "directory, removed at the end).")


def main():
  pretrain(FLAGS.rows, FLAGS.steps, FLAGS.seed, FLAGS.output_dir,
           FLAGS.work_dir)


if __name__ == "__main__":
  cli.run(main, "madlab_dream.pretrain", _define_flags)
