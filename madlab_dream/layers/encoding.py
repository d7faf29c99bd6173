"""One-hot encoding inside the model: the host only ever holds uint8 codes."""

from __future__ import annotations

import keras
import tensorflow as tf

_PACKAGE = "madlab_dream"


@keras.saving.register_keras_serializable(package=_PACKAGE)
class OneHot(keras.layers.Layer):
  """uint8 codes [batch, L] (A, C, G, T, N = 0..4) -> [batch, L, 4].

  A, C, G, T become rows of the identity; N (and any code above 3) becomes
  zeros. The output has the layer's compute dtype.
  """

  def call(self, codes):
    return tf.one_hot(tf.cast(codes, tf.int32), depth=4,
                      dtype=self.compute_dtype)

  def compute_output_shape(self, input_shape):
    return tuple(input_shape) + (4,)


