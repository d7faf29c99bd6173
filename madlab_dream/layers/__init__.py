"""Keras 3 layers of the MadLab model, registered for `.keras` loading.

  positional.py   Enformer's relative-position basis functions (keras.ops;
                  the attention's constant features in float64)
  attention.py    RelativeMultiHeadAttention (Enformer), relative_shift,
                  relative_key_indices
  encoding.py     OneHot: uint8 codes [batch, L] -> [batch, L, 4]
  conv.py         MultiScaleConv: parallel Conv1D branches, summed
  transformer.py  TransformerBlock: pre-LayerNorm attention + feed-forward
  recurrent.py    BiLSTM: both LSTM directions, input projection hoisted
                  out of the loop; NoCudnnLSTM: an LSTM that keeps XLA on
"""

from madlab_dream import compat

compat.require_supported_keras()

# pylint: disable=wrong-import-position
from madlab_dream.layers.attention import RelativeMultiHeadAttention
from madlab_dream.layers.attention import relative_key_indices
from madlab_dream.layers.attention import relative_shift
from madlab_dream.layers.conv import MultiScaleConv
from madlab_dream.layers.encoding import OneHot
from madlab_dream.layers.positional import POSITIONAL_FUNCTIONS
from madlab_dream.layers.positional import positional_features
from madlab_dream.layers.positional import relative_position_features
from madlab_dream.layers.positional import resolve_relative_features
from madlab_dream.layers.recurrent import BiLSTM
from madlab_dream.layers.recurrent import NoCudnnLSTM
from madlab_dream.layers.transformer import TransformerBlock

__all__ = ["BiLSTM", "MultiScaleConv", "NoCudnnLSTM", "OneHot",
           "POSITIONAL_FUNCTIONS", "RelativeMultiHeadAttention",
           "TransformerBlock", "positional_features", "relative_key_indices",
           "relative_position_features", "relative_shift",
           "resolve_relative_features"]
