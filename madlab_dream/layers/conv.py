"""MadLab's multi-scale convolution stack."""

from __future__ import annotations

from typing import Any
from typing import Callable
from typing import Sequence

import keras
import numpy as np

from madlab_dream.layers import arguments
from madlab_dream.layers.keras_objects import check_activation
from madlab_dream.layers.keras_objects import fresh_initializer
from madlab_dream.layers.keras_objects import serialized_activation
from madlab_dream.layers.keras_objects import serialized_initializer

_PACKAGE = "madlab_dream"


@keras.saving.register_keras_serializable(package=_PACKAGE)
class MultiScaleConv(keras.layers.Layer):
  """Parallel convolution branches, one per kernel size, summed.

  Each branch: Conv1D(filters, kernel, 'same') -> BatchNorm -> activation ->
  Conv1D(reduced, 1) -> BatchNorm -> activation; both convolutions have a
  bias, `kernel_initializer` and L2(`l2`) on the kernel. The branches stay
  separate convolutions (not one with the kernels zero-padded to the
  widest, which would add FLOPs and a split of its output).

  The BatchNorms are synchronised across replicas on the TensorFlow backend
  (tf.distribute); on JAX a sharded batch's statistics are global anyway.
  `batch_norm=False` builds the branches without BatchNorm: the inference
  form that `fold_batch_norm()` returns, with each BatchNorm's moving
  statistics folded into the convolution before it (one element-wise pass
  fewer per BatchNorm; `model.inference_model` uses it).

  Args:
    filters: filters of each branch's wide convolution, positive int.
    reduced: filters of each branch's kernel-1 convolution (the output
      width).
    kernel_sizes: one branch per kernel size (at least one).
    activation: after each BatchNorm; None is linear (Conv1D's default).
    kernel_initializer: of every convolution kernel (Conv1D's default).
    l2: L2 weight on every convolution kernel (0: none).
    batch_norm: False: no BatchNorm (the folded inference form).
    **kwargs: the base Layer's (name, dtype, trainable).

  Call arguments:
    inputs: [batch, L, channels].
    training: whether the BatchNorms use the batch's statistics (and update
      their moving ones).

  Input shape:
    3D tensor `(batch, L, channels)`.

  Output shape:
    3D tensor `(batch, L, reduced)`.

  Example:
  >>> import numpy as np
  >>> from madlab_dream import layers
  >>> conv = layers.MultiScaleConv(filters=8, reduced=4, kernel_sizes=[3, 5],
  ...                              activation="swish")
  >>> tuple(conv(np.zeros((2, 24, 4), "float32")).shape)
  (2, 24, 4)
  >>> len(conv.branches)
  2
  """

  def __init__(self, filters: int, reduced: int, kernel_sizes: Sequence[int],
               activation: str | Callable | None = None,
               kernel_initializer: Any = "glorot_uniform", l2: float = 0.0,
               batch_norm: bool = True, **kwargs):
    filters = arguments.positive_int("filters", filters)
    reduced = arguments.positive_int("reduced", reduced)
    kernel_sizes = arguments.positive_ints("kernel_sizes", kernel_sizes)
    activation = serialized_activation(check_activation("activation",
                                                        activation))
    kernel_initializer = serialized_initializer("kernel_initializer",
                                                kernel_initializer)
    l2 = arguments.non_negative_float("l2", l2)
    batch_norm = arguments.boolean("batch_norm", batch_norm)
    super().__init__(**kwargs)
    self.filters = filters
    self.reduced = reduced
    self.kernel_sizes = kernel_sizes
    self.activation = activation
    self.kernel_initializer = kernel_initializer
    self.l2 = l2
    self.batch_norm = batch_norm

  def _conv(self, filters: int, kernel: int, name: str):
    return keras.layers.Conv1D(
        filters, kernel, padding="same",
        kernel_initializer=fresh_initializer(self.kernel_initializer),
        kernel_regularizer=keras.regularizers.L2(self.l2) if self.l2 else None,
        dtype=self.dtype_policy, name=name)

  def _batch_norm(self, name: str):
    # compat-workaround: Keras 3.13-3.15 accepts
    # BatchNormalization(synchronized=True) on the TensorFlow backend only.
    return keras.layers.BatchNormalization(
        dtype=self.dtype_policy, name=name,
        synchronized=keras.backend.backend() == "tensorflow")

  def build(self, input_shape):
    self.branches = []
    for k in self.kernel_sizes:
      branch = [
          self._conv(self.filters, k, f"conv{k}"),
          self._batch_norm(f"bn{k}"),
          keras.layers.Activation(self.activation, dtype=self.dtype_policy,
                                  name=f"act{k}"),
          self._conv(self.reduced, 1, f"conv{k}_reduce"),
          self._batch_norm(f"bn{k}_reduce"),
          keras.layers.Activation(self.activation, dtype=self.dtype_policy,
                                  name=f"act{k}_reduce"),
      ]
      if not self.batch_norm:
        branch = [layer for layer in branch
                  if not isinstance(layer, keras.layers.BatchNormalization)]
      shape = tuple(input_shape)
      for layer in branch:
        layer.build(shape)
        shape = layer.compute_output_shape(shape)
      self.branches.append(branch)

  def call(self, inputs, training=None):
    total = None
    for branch in self.branches:
      x = inputs
      for layer in branch:
        if isinstance(layer, keras.layers.BatchNormalization):
          x = layer(x, training=training)
        else:
          x = layer(x)
      total = x if total is None else total + x
    return total

  def compute_output_shape(self, input_shape):
    return tuple(input_shape[:-1]) + (self.reduced,)

  def fold_batch_norm(self) -> "MultiScaleConv":
    """The inference form: a new layer without BatchNorm, built, whose
    convolutions hold this layer's with each BatchNorm folded in.

    BatchNorm in inference is y = (z - mean) / sqrt(var + eps) * gamma +
    beta per channel, for z = x * K + b: with s = gamma / sqrt(var + eps),
    y = x * (K s) + ((b - mean) s + beta). Computed in float64 from the
    current weights (a copy: later training of this layer does not change
    it). The result equals this layer's `training=False` output to float32
    rounding.
    """
    if not self.batch_norm:
      raise ValueError(f"{self.name} has no BatchNorm to fold")
    if not self.built:
      raise ValueError(f"{self.name} is not built")
    config = self.get_config()
    config["batch_norm"] = False
    folded = self.__class__.from_config(config)
    channels = int(self.branches[0][0].kernel.shape[1])
    folded.build((None, None, channels))
    for branch, target in zip(self.branches, folded.branches):
      convs = [target[0], target[2]]
      pairs = [(branch[0], branch[1]), (branch[3], branch[4])]
      for conv, (source, norm) in zip(convs, pairs):
        kernel, bias = _fold(source, norm)
        conv.kernel.assign(kernel.astype(conv.kernel.dtype))
        conv.bias.assign(bias.astype(conv.bias.dtype))
    return folded

  def get_config(self):
    config = super().get_config()
    config.update(filters=self.filters, reduced=self.reduced,
                  kernel_sizes=list(self.kernel_sizes),
                  activation=self.activation,
                  kernel_initializer=self.kernel_initializer, l2=self.l2,
                  batch_norm=self.batch_norm)
    return config


def _f64(variable) -> np.ndarray:
  return np.asarray(keras.ops.convert_to_numpy(variable), np.float64)


def _fold(conv: keras.layers.Conv1D,
          norm: keras.layers.BatchNormalization):
  """(kernel, bias) of `conv` followed by `norm` in inference, float64."""
  scale = 1.0 / np.sqrt(_f64(norm.moving_variance) + norm.epsilon)
  if norm.scale:
    scale = scale * _f64(norm.gamma)
  bias = (_f64(conv.bias) - _f64(norm.moving_mean)) * scale
  if norm.center:
    bias = bias + _f64(norm.beta)
  return _f64(conv.kernel) * scale, bias


