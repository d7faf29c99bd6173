"""Preprocess a DREAM training file into a cache directory.

  python -m madlab_dream.data --input=data/train_sequences.txt \
      --output_dir=runs/cache [--seq_len=110 --singleton_keep=0.5 \
      --val_fraction=0.02 --seed=42]

Prints the counts of every step (rows read, whole-number, dropped, kept,
train, validation, trimmed, padded) and the target scaler.
"""

from madlab_dream.commands import cli
from madlab_dream.commands import flags
from madlab_dream.data.cache import preprocess
from madlab_dream.errors import InputError


def run():
  config = flags.data_config()
  if not flags.FLAGS.input or not flags.FLAGS.output_dir:
    raise InputError("--input and --output_dir are required")
  preprocess(flags.FLAGS.input, flags.FLAGS.output_dir, config)


def main() -> None:
  """`python -m madlab_dream.data`: parses the flags and runs `run`."""
  cli.run(run, "madlab_dream.data", flags.define_preprocess_flags)
