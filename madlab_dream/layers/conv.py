"""MadLab's multi-scale convolution stack."""

from __future__ import annotations

import copy
from typing import Any, Callable, Sequence

import keras

_PACKAGE = "madlab_dream"


@keras.saving.register_keras_serializable(package=_PACKAGE)
class MultiScaleConv(keras.layers.Layer):
  """Parallel convolution branches, one per kernel size, summed.

  Each branch: Conv1D(filters, kernel, 'same') -> BatchNorm -> activation ->
  Conv1D(reduced, 1) -> BatchNorm -> activation; both convolutions have a
  bias, `kernel_initializer` and L2(`l2`) on the kernel.

  Input [batch, L, channels] -> output [batch, L, reduced].

  Args:
    filters: filters of each branch's wide convolution.
    reduced: filters of each branch's kernel-1 convolution (the output
      width).
    kernel_sizes: one branch per kernel size.
    activation: after each BatchNorm; None is linear (Conv1D's default).
    kernel_initializer: of every convolution kernel (Conv1D's default).
    l2: L2 weight on every convolution kernel (0: none).

  The BatchNorms are synchronised across replicas on the TensorFlow backend
  (tf.distribute); on JAX a sharded batch's statistics are global anyway,
  and Keras allows `synchronized` only on TensorFlow.
  """

  def __init__(self, filters: int, reduced: int, kernel_sizes: Sequence[int],
               activation: str | Callable | None = None,
               kernel_initializer: Any = "glorot_uniform", l2: float = 0.0,
               **kwargs):
    super().__init__(**kwargs)
    self.filters = int(filters)
    self.reduced = int(reduced)
    self.kernel_sizes = [int(k) for k in kernel_sizes]
    if not self.kernel_sizes:
      raise ValueError("MultiScaleConv needs at least one kernel size")
    self.activation = "linear" if activation is None else activation
    self.kernel_initializer = (
        kernel_initializer if isinstance(kernel_initializer, str)
        else keras.initializers.serialize(
            keras.initializers.get(kernel_initializer)))
    self.l2 = float(l2)

  def _initializer(self):
    # A fresh instance per kernel: an unseeded initializer instance would
    # repeat the same values for every kernel of the same shape.
    return keras.initializers.get(copy.deepcopy(self.kernel_initializer))

  def _conv(self, filters: int, kernel: int, name: str):
    return keras.layers.Conv1D(
        filters, kernel, padding="same",
        kernel_initializer=self._initializer(),
        kernel_regularizer=keras.regularizers.L2(self.l2) if self.l2 else None,
        dtype=self.dtype_policy, name=name)

  def _batch_norm(self, name: str):
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

  def get_config(self):
    config = super().get_config()
    config.update(filters=self.filters, reduced=self.reduced,
                  kernel_sizes=list(self.kernel_sizes),
                  activation=(self.activation
                              if isinstance(self.activation, str)
                              else keras.activations.serialize(
                                  self.activation)),
                  kernel_initializer=self.kernel_initializer, l2=self.l2)
    return config


