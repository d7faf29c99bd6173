"""One-hot encoding inside the model: the host only ever holds uint8 codes."""

from __future__ import annotations

import keras
from keras import ops

_PACKAGE = "madlab_dream"


@keras.saving.register_keras_serializable(package=_PACKAGE)
class OneHot(keras.layers.Layer):
  """uint8 codes (A, C, G, T, N = 0..4) -> one-hot rows.

  A, C, G, T become rows of the identity; N (and any code above 3) becomes
  zeros. The output has the layer's compute dtype.

  Args:
    **kwargs: the base Layer's (name, dtype, trainable).

  Call arguments:
    codes: integer codes [batch, L] (`madlab_dream.io.sequences.encode`).

  Input shape:
    2D tensor `(batch, L)`.

  Output shape:
    3D tensor `(batch, L, 4)`.

  Example:
  >>> import numpy as np
  >>> from keras import ops
  >>> from madlab_dream import layers
  >>> one_hot = layers.OneHot()(np.array([[0, 3, 4]], np.uint8))
  >>> ops.convert_to_numpy(one_hot).tolist()
  [[[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0]]]
  """

  def call(self, codes):
    codes = ops.cast(codes, "int32")
    # compat-workaround: PyTorch's one_hot (Keras 3.13-3.15's torch backend)
    # rejects a code >= depth where TensorFlow and JAX give zeros: codes
    # above 3 become -1, which one_hot maps to zeros on every backend.
    codes = ops.where(ops.less(codes, 4), codes, -1)
    return ops.one_hot(codes, 4, dtype=self.compute_dtype)

  def compute_output_shape(self, input_shape):
    return tuple(input_shape) + (4,)
