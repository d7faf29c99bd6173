"""madlab-dream: team MadLab's Random Promoter DREAM Challenge 2022 model.

Data flow, one module per step:
  sequences.py  DNA strings -> uint8 codes [N, L] (length policy, reverse complement)
  dream_io.py   DREAM-format text files -> sequences + expression, with file:line errors
  data.py       MadLab's preprocessing -> on-disk cache -> tf.data pipelines
  layers.py     Keras layers (MultiScaleConv, relative-position attention, ...)
  model.py      the functional model factory (MadLab preset by default)
  metrics.py    exact whole-set Pearson / R^2 and the validation callback
  train.py      absl entry point: training, model selection, reports, export
  export.py     SavedModel with string and code signatures
  predict.py, evaluate.py, scoring.py, variants.py   using a trained model
  simulate.py   a DREAM-format simulator with a hidden regulatory grammar
"""

__version__ = "0.1.0"
