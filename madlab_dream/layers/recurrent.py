"""An LSTM that keeps XLA on (never the cuDNN path)."""

from __future__ import annotations

import keras

_PACKAGE = "madlab_dream"


@keras.saving.register_keras_serializable(package=_PACKAGE)
class NoCudnnLSTM(keras.layers.LSTM):
  """`keras.layers.LSTM` that never takes the cuDNN path, so XLA stays on.

  Keras marks an LSTM whose activations allow cuDNN (tanh/sigmoid) with
  `supports_jit = False` on a GPU machine unless `use_cudnn=False`, and then
  `compile(jit_compile=True)` silently turns XLA off for the whole model.
  `use_cudnn` is not part of LSTM's config, so `Bidirectional` (which
  rebuilds its forward and backward copies from the config) and
  `keras.models.load_model` lose it; this class sets it in its constructor,
  so every copy keeps it. Any `use_cudnn` argument is ignored.
  """

  def __init__(self, units: int, **kwargs):
    kwargs.pop("use_cudnn", None)
    super().__init__(units, use_cudnn=False, **kwargs)
