"""Write a simulated DREAM dataset into a directory.

  python -m madlab_dream.simulate --output_dir=DIR [--train_rows=6739258 \
      --test_rows=71103 --seed=42 --grammar_seed=S]

Prints a line per block of training rows, then the files written and the
noise ceiling (the best Pearson r a model can reach on the training rows).
--grammar_seed gives a different grammar on the same motifs (each motif's
effect and each interaction's weight rescaled and some signs flipped, from
that seed): data for fine-tuning a model trained on the grammar's own.
"""

from madlab_dream import cli
from madlab_dream import flags
from madlab_dream.errors import InputError
from madlab_dream.simulate.writers import simulate


def main():
  if not flags.FLAGS.output_dir:
    raise InputError("--output_dir is required")
  simulate(flags.FLAGS.output_dir, flags.FLAGS.train_rows,
           flags.FLAGS.test_rows, flags.FLAGS.seed,
           grammar_seed=flags.FLAGS.grammar_seed)


if __name__ == "__main__":
  cli.run(main, "madlab_dream.simulate", flags.define_simulate_flags)
