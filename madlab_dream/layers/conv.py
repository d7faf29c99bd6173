"""MadLab's multi-scale convolution stack."""

from __future__ import annotations

import copy
from typing import Any, Callable, Sequence

import keras
import numpy as np

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

  `batch_norm=False` builds the branches without BatchNorm: the inference
  form that `fold_batch_norm()` returns, with each BatchNorm's moving
  statistics folded into the convolution before it.

  Why this form, per path (measured on a 2-core AMD EPYC with avx512_bf16,
  no AMX, alternating windows in one process, while other work loaded the
  machine): inference uses the folded form (`model.inference_model`;
  BatchNorm is a per-channel scale and shift of the convolution's output,
  a separate memory-bound pass on TensorFlow's non-XLA path and a fused
  one under XLA). Training keeps BatchNorm (batch statistics cannot be
  folded). The branches stay separate convolutions: one merged
  convolution with the kernels zero-padded to the widest (30 taps, 4 x
  192 outputs) followed by the four kernel-1 products was 0.91x (XLA) and
  0.80x (no XLA) as fast at batch 2,048, since it adds a third of the
  wide-convolution FLOPs and a split of its [batch, L, 768] output.
  In training, Keras's BatchNormalization (forward + backward) on
  [1,024, 110, 192] took 2.4x as long as TensorFlow's fused kernel
  (`tf.compat.v1.nn.fused_batch_norm`); the layer keeps Keras's, since the
  model path is `keras.ops` only (it runs on JAX) and the fused kernel
  cannot synchronise BatchNorm statistics across replicas. (Keras's
  synchronised form, used on TensorFlow, was 1.18x as fast as its
  unsynchronised one there.)
  """

  def __init__(self, filters: int, reduced: int, kernel_sizes: Sequence[int],
               activation: str | Callable | None = None,
               kernel_initializer: Any = "glorot_uniform", l2: float = 0.0,
               batch_norm: bool = True, **kwargs):
    super().__init__(**kwargs)
    self.batch_norm = bool(batch_norm)
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
                  activation=(self.activation
                              if isinstance(self.activation, str)
                              else keras.activations.serialize(
                                  self.activation)),
                  kernel_initializer=self.kernel_initializer, l2=self.l2,
                  batch_norm=self.batch_norm)
    return config


def _fold(conv: keras.layers.Conv1D,
          norm: keras.layers.BatchNormalization):
  """(kernel, bias) of `conv` followed by `norm` in inference, float64."""
  f64 = lambda v: np.asarray(keras.ops.convert_to_numpy(v), np.float64)  # noqa: E731
  scale = 1.0 / np.sqrt(f64(norm.moving_variance) + norm.epsilon)
  if norm.scale:
    scale = scale * f64(norm.gamma)
  bias = (f64(conv.bias) - f64(norm.moving_mean)) * scale
  if norm.center:
    bias = bias + f64(norm.beta)
  return f64(conv.kernel) * scale, bias


