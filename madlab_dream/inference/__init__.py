"""Export and inference: a trained model used on new sequences.

  export.py        the SavedModel (DNA-string and uint8-code signatures)
  predictor.py     Predictor: a loaded SavedModel, batched prediction, the
                   range it was trained on (trusted_range)
  keras_model.py   load_model: a run's model.keras, as a Keras model
  ensemble.py      Ensemble: several Predictors' mean, sd and each model
  predict_file.py  predict_file: a whole file, in the challenge's formats
  variants.py      variant effects and in-silico saturation mutagenesis
"""
