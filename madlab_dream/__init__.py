"""madlab-dream: team MadLab's Random Promoter DREAM Challenge 2022 model.

The public API, imported on first use (`import madlab_dream` imports no
framework):

  build_model(config)   the Keras model (madlab_dream.model)
  ModelConfig           the model's settings (madlab_dream.config)
  train(...)            a training run, as `python -m madlab_dream.train`
  load_model(path)      a run's model.keras, as a Keras model
  Predictor(path)       a run's SavedModel, for prediction on new sequences
  encode(seqs, L)       DNA strings -> uint8 codes (madlab_dream.io.sequences)
  score(...)            the challenge's official scores (madlab_dream.scoring)
  contributions(...)    contribution scores of a model (madlab_dream.explain)
  design(...)           sequences designed with trained models
                        (madlab_dream.designing)

For example (a notebook):

  import madlab_dream
  result = madlab_dream.train(flagfile="experiments/small_data.flags",
                              train_data="data/train_sequences.txt",
                              model_dir="runs/notebook")
  model = madlab_dream.load_model(result.run_dir)
  model(madlab_dream.encode(["ACGT" * 28], 110))

The package in layers, each importing only from the layers below it:

library (data-flow order; imports no command and no tool)
  io/         files -> DNA codes (reader, ACGTN check, length policy, the
              DREAM flanks and region)
  data/       MadLab's preprocessing -> on-disk cache -> tf.data
  layers/     Keras layers (Enformer relative attention, conv stack, ...) and
              the other Keras objects a model.keras names
  model.py    the model factory (MadLab's preset by default)
  training/   training: callbacks, checkpoints/resume, reports, distribution
  inference/  SavedModel export, prediction, ensembles, variant effects
  explain/    contribution scores, logos, TF-MoDISco motifs
  designing/  design toward an objective, the trusted-range guard
  scoring/    the challenge: file formats, subsets, official scores
  settings.py, config.py, errors.py, compat.py, machine.py, metrics.py,
  timing.py, baseline.py
tools/        beside the library: the simulator, the benchmarks, the demo and
              the explain and design proofs
commands/     one module per command (flags -> configs -> the library or a
              tool), with flags.py and cli.py

Every command runs as `python -m madlab_dream.<command>`:
python -m madlab_dream.{data,train,predict,evaluate,variants,explain,motifs,
design,stability,simulate,demo,bench}; explain_demo and design_demo prove
explain and design on the simulator's grammar. docs/layout.md describes the
layers and where each kind of change goes.
"""

import importlib

__version__ = "0.2.0"

#: Public name -> (module, attribute).
_API = {
    "build_model": ("madlab_dream.model", "build_model"),
    "ModelConfig": ("madlab_dream.config", "ModelConfig"),
    "train": ("madlab_dream.training.loop", "train"),
    "load_model": ("madlab_dream.inference.keras_model", "load_model"),
    "Predictor": ("madlab_dream.inference.predictor", "Predictor"),
    "encode": ("madlab_dream.io.sequences", "encode"),
    "score": ("madlab_dream.scoring.official", "score"),
    "contributions": ("madlab_dream.explain", "contributions"),
    "design": ("madlab_dream.designing.designer", "design"),
}

__all__ = ["__version__", *_API]


def __getattr__(name: str):
  """Imports a public name on first use (PEP 562)."""
  if name not in _API:
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
  module_name, attribute = _API[name]
  value = getattr(importlib.import_module(module_name), attribute)
  globals()[name] = value
  return value


def __dir__() -> list[str]:
  return sorted(set(globals()) | set(_API))
