"""madlab-dream: team MadLab's Random Promoter DREAM Challenge 2022 model.

The package in data-flow order (README "Layout" has one line per module):

  io/         files -> DNA codes (reader, ACGTN check, length policy)
  data/       MadLab's preprocessing -> on-disk cache -> tf.data
  layers/     Keras layers (Enformer relative attention, conv stack, ...)
  model.py    the model factory (MadLab's preset by default)
  train/      training: callbacks, checkpoints/resume, reports, distribution
  inference/  SavedModel export, prediction, variant effects
  scoring/    the challenge: file formats, subsets, official scores
  simulate/, demo.py, bench/   tools: simulator, demo, benchmarks

  config.py, flags.py, cli.py, errors.py, compat.py, machine.py, metrics.py,
  timing.py

Commands: python -m madlab_dream.{data,train,predict,evaluate,variants,
simulate,demo,bench}.
"""

__version__ = "0.2.0"
