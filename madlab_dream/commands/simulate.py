"""Write a simulated DREAM dataset into a directory.

  python -m madlab_dream.simulate --output_dir=DIR [--train_rows=6739258 \
      --test_rows=71103 --seed=42 --grammar_seed=S] [--motifs_meme=FILE]

Prints a line per block of training rows, then the files written and the
noise ceiling (the best Pearson r a model can reach on the training rows).
--grammar_seed gives a different grammar on the same motifs (each motif's
effect and each interaction's weight rescaled and some signs flipped, from
that seed): data for fine-tuning a model trained on the grammar's own.
--motifs_meme=FILE writes the grammar's eight motifs as a MEME file (named
Reb1, Abf1, ...), with or without a dataset.
"""

from madlab_dream.commands import cli
from madlab_dream.commands import explain_design_flags
from madlab_dream.commands import flags
from madlab_dream.errors import InputError
from madlab_dream.io import files
from madlab_dream.tools.simulator.writers import simulate


def run():
  f = flags.FLAGS
  if not f.output_dir and not f.motifs_meme:
    raise InputError("--output_dir is required")
  if f.motifs_meme:
    # Imported when used: it imports pandas (slow to import).
    from madlab_dream.tools.simulator import sites
    files.check_output(f.motifs_meme, gzip_ok=False)
    sites.motifs_meme(f.motifs_meme)
    print(f"wrote the grammar's {len(sites.grammar.MOTIFS)} motifs to "
          f"{f.motifs_meme}")
  if f.output_dir:
    simulate(f.output_dir, f.train_rows, f.test_rows, f.seed,
             grammar_seed=f.grammar_seed)


def _define_flags():
  flags.define_simulate_flags()
  explain_design_flags.define_simulate_motif_flags()


def main() -> None:
  """`python -m madlab_dream.simulate`: parses the flags and runs `run`."""
  cli.run(run, "madlab_dream.simulate", _define_flags)
