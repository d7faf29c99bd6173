"""Tiny exported models for the design tests: a bounded one (tanh BiLSTM)
and one whose swish BiLSTM explodes on some sequences (far above the
predictions of random sequences, like MadLab's on homopolymers)."""

import numpy as np


def export_tiny(path, lstm_activation="tanh", trained_range=None, seq_len=110,
                attention_scale=0.3):
  """Exports a tiny model to `path` (a SavedModel directory); returns it.

  The attention output projection (zero at initialisation) and the output
  kernel are randomised so that predictions depend on the sequence; with a
  swish BiLSTM the recurrent state then grows without bound on some
  sequences (greedy designs reach ~3x the trusted range within 4 edits).
  `trained_range` ({"min", "max", "sd"}) goes into the metadata.
  """
  from madlab_dream import model
  from madlab_dream.config import TINY_MODEL
  from madlab_dream.inference import export
  net = model.build_model({**TINY_MODEL, "lstm_activation": lstm_activation,
                           "seq_len": seq_len}, seed=1)
  for v in net.weights:
    if "output_kernel" in v.path:
      v.assign(np.random.default_rng(0).normal(size=v.shape) *
               attention_scale)
    if "expression/kernel" in v.path:
      v.assign(np.random.default_rng(1).normal(size=v.shape) * 0.3)
  metadata = {"trained_range": trained_range} if trained_range else None
  export.export_saved_model(net, str(path), mean=10.0, sd=2.0,
                            seq_len=seq_len, metadata=metadata)
  return path
