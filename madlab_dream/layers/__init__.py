"""Keras 3 layers of the MadLab model, registered for `.keras` loading.

  arguments.py     what the layers accept: checks and constants, without
                   Keras (`madlab_dream.config` validates with them)
  keras_objects.py activations and initializers: checked, serialisable
  positional.py    Enformer's relative-position basis functions (keras.ops;
                   the attention's constant features in float64)
  attention.py     RelativeMultiHeadAttention (Enformer) and its pure
                   functions (gathered relative keys)
  encoding.py      OneHot: uint8 codes [batch, L] -> [batch, L, 4]
  conv.py          MultiScaleConv: parallel Conv1D branches, summed
  transformer.py   TransformerBlock: pre-LayerNorm attention + feed-forward
  recurrent.py     BiLSTM: both LSTM directions, input projection hoisted
                   out of the loop; NoCudnnLSTM: an LSTM that keeps XLA on

The other Keras objects a model.keras names, registered with the layers
(when the first name is taken from here), so that loading a trained model
needs nothing from training:

  keras2_rmsprop.py  Keras2RMSprop: RMSprop as Keras 2 applied it
  schedules.py       Schedule: the learning-rate schedules
  batch_loss.py      BatchLoss: the `batch_loss` metric

`import madlab_dream.layers` imports no framework, so the settings
(`madlab_dream.config`) can use `layers.arguments`. The first layer or
function taken from here (`layers.OneHot`, `from madlab_dream.layers
import BiLSTM`; `import madlab_dream.model` takes them) imports Keras and
every layer module, which registers every layer for
`keras.models.load_model`.
"""

import importlib

from madlab_dream import compat

#: Each exported name and the module that defines it.
_EXPORTS = {
    "BiLSTM": "recurrent",
    "MultiScaleConv": "conv",
    "NoCudnnLSTM": "recurrent",
    "OneHot": "encoding",
    "POSITIONAL_FUNCTIONS": "positional",
    "RelativeMultiHeadAttention": "attention",
    "TransformerBlock": "transformer",
    "positional_features": "positional",
    "relative_key_indices": "attention",
    "relative_position_feature_count": "arguments",
    "relative_position_features": "positional",
}
#: The modules registered with Keras when the first name is taken: the
#: layers, and the optimizer, schedule and metric a run compiles with.
_LAYER_MODULES = ("encoding", "conv", "attention", "transformer", "recurrent",
                  "keras2_rmsprop", "schedules", "batch_loss")

__all__ = sorted(_EXPORTS)


def _import_layers() -> None:
  """Imports Keras (version-checked) and every layer module, registering the
  layers, and binds the exported names here."""
  compat.require_supported_keras()  # before Keras loads
  for module in _LAYER_MODULES:
    importlib.import_module(f"{__name__}.{module}")
  for name, module in _EXPORTS.items():
    globals()[name] = getattr(importlib.import_module(f"{__name__}.{module}"),
                              name)


def __getattr__(name: str):
  if name not in _EXPORTS:
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
  _import_layers()
  return globals()[name]


def __dir__():
  return sorted(set(globals()) | set(_EXPORTS))
