"""Rows labelled by a k-mer ridge, for training on a small file.

  python -m madlab_dream.teacher_rows \
      --flagfile=experiments/small_data_prior.flags \
      --train_data=my_rows.txt --output_dir=runs/my_rows_teacher \
      [--teacher_rows=60000 --teacher_mutation_rate=0.3 --teacher_kmer=5 --seed=42]

Takes the training run's own flags: it reads and splits the rows exactly as
`python -m madlab_dream.train` would with them (MadLab's filter, the seeded
validation split, or a table's columns and split files), fits a k-mer ridge
on the training rows only, and writes into --output_dir (a new or empty
directory, or one an earlier teacher_rows run wrote):

  teacher.tsv     --teacher_rows variants of the training rows, labelled by
                  the ridge
  train.tsv, validation.tsv (test.tsv)   the measured rows of each split
  teacher.json    the settings, the ridge's penalty and validation r, counts

Every table has a header (sequence, then the targets' names), so the next
two runs read them with --sequence_column=sequence: docs/own-data.md,
"Starting from the simulator prior", gives the recipe.
"""

import tempfile

from madlab_dream.commands import cli
from madlab_dream.commands import flags
from madlab_dream.errors import InputError
from madlab_dream.io import output_dirs
from madlab_dream.training import kmer_teacher
from madlab_dream.training import preparation

#: The TeacherConfig fields that are flags.
TEACHER_SETTINGS = kmer_teacher.TeacherConfig.field_names()


def run():
  f = flags.FLAGS
  if not f.output_dir:
    raise InputError("--output_dir is required")
  config = flags.run_config()
  teacher = flags.settings_from_flags(kmer_teacher.TeacherConfig,
                                      TEACHER_SETTINGS)
  output = output_dirs.claim(f.output_dir, "teacher_rows")
  with tempfile.TemporaryDirectory() as cache_dir, \
      output.staging() as folder:
    cache = preparation.build_cache(config, cache_dir)
    record = kmer_teacher.teach(cache, teacher, config.data.seed, folder)
  rows = record["rows"]
  print(f"wrote {rows['teacher']:,} labelled variants and the "
        f"{rows['train']:,} / {rows['validation']:,} measured training / "
        f"validation rows to {f.output_dir}")


def _define_flags():
  flags.define_train_flags()
  flags.define_output_dir_flag()
  flags.define_settings(kmer_teacher.TeacherConfig, TEACHER_SETTINGS)


def main() -> None:
  """`python -m madlab_dream.teacher_rows`: parses the flags, runs `run`."""
  cli.run(run, "madlab_dream.teacher_rows", _define_flags)
