"""One-hot encoding inside the model: the host only ever holds uint8 codes."""

from __future__ import annotations

import keras
from keras import ops

_PACKAGE = "madlab_dream"


@keras.saving.register_keras_serializable(package=_PACKAGE)
class OneHot(keras.layers.Layer):
  """uint8 codes [batch, L] (A, C, G, T, N = 0..4) -> [batch, L, 4].

  A, C, G, T become rows of the identity; N (and any code above 3) becomes
  zeros. The output has the layer's compute dtype.
  """

  def call(self, codes):
    codes = ops.cast(codes, "int32")
    # Codes above 3 become -1, which one_hot maps to zeros on every backend
    # (PyTorch's one_hot would reject a code >= depth).
    codes = ops.where(ops.less(codes, 4), codes, -1)
    return ops.one_hot(codes, 4, dtype=self.compute_dtype)

  def compute_output_shape(self, input_shape):
    return tuple(input_shape) + (4,)
