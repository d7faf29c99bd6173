"""Export and inference: a trained model used on new sequences.

  run_files.py     RunFiles: a run directory's file names and model forms
  loading.py       the one loader: model.keras + model.json (any backend)
                   or the SavedModel (TensorFlow), damaged or mixed files
                   refused
  saved_model_form.py  the SavedModel as a loaded form (TensorFlow)
  export.py        the SavedModel (DNA-string and uint8-code signatures),
                   the metadata it carries (model.json beside model.keras)
  predictor.py     Predictor: a loaded model (either form), batched
                   prediction, the range it was trained on (trusted_range)
  keras_model.py   load_model: a run's model.keras, as a Keras model
  ensemble.py      Ensemble: several Predictors' mean, sd and each model
  predict_file.py  predict_file: a whole file, in the challenge's formats
  variants.py      variant effects and in-silico saturation mutagenesis
"""
