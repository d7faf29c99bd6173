"""Bidirectional LSTMs that keep XLA on (never the cuDNN path).

  BiLSTM        [batch, L, W] -> [batch, 2u]: both directions of an LSTM
                with the input projection hoisted out of the recurrence
                (the model's; `keras.ops` only)
  NoCudnnLSTM   `keras.layers.LSTM` without the cuDNN path (the factory's
                LSTM before BiLSTM, inside `Bidirectional`; still loads)
"""

from __future__ import annotations

import copy
from typing import Any

import keras
import numpy as np
from keras import ops

from madlab_dream import compat

_PACKAGE = "madlab_dream"
_DIRECTIONS = ("forward", "backward")


def _serialized(initializer: Any) -> Any:
  """A name stays a name; anything else its serialised config."""
  if isinstance(initializer, str):
    return initializer
  return keras.initializers.serialize(keras.initializers.get(initializer))


def _fresh(initializer: Any) -> keras.initializers.Initializer:
  """A new instance (a new default seed) from a name or config."""
  return keras.initializers.get(copy.deepcopy(initializer))


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


@keras.saving.register_keras_serializable(package=_PACKAGE)
class BiLSTM(keras.layers.Layer):
  """`Bidirectional(LSTM(units))` returning the final states, computed with
  the input projection hoisted out of the recurrence.

  Each direction is Keras's LSTM (gates i, f, c, o; `recurrent_activation`
  on i, f, o; `activation` on the candidate and the cell output;
  `unit_forget_bias` adds 1 to the forget gate's initial bias):

    z_t = x_t K + h_{t-1} U + b,  c_t = f c_{t-1} + i act(g),
    h_t = o act(c_t)

  The backward direction reads the sequence from its end; the output is
  [h_L(forward), h_1(backward)], as `Bidirectional(..., merge_mode="concat")`
  of two LSTMs without `return_sequences`.

  What differs is only the order of the work: x K + b for every step and
  both directions is one [batch x L, W] x [W, 2 x 4u] product before the
  loop (W / (W + u) of the LSTM's FLOPs: 96 % at MadLab's W = 96, u = 4),
  and one loop of L steps runs both directions together, carrying
  h, c [2, batch, u] and doing only the [2, batch, u] x [2, u, 4u]
  recurrent products and the gates. Keras's LSTM instead walks each
  direction separately and multiplies x_t K inside every step. With the
  same weights the results are Keras's to float32 rounding; the weights
  are the same six tensors in the same order as `Bidirectional(LSTM)`'s
  (forward kernel, recurrent kernel, bias, then backward), so
  `set_weights(bidirectional.get_weights())` converts.

  Input [batch, L, W] -> output [batch, 2 x units]. No mask, no dropout, no
  sequence output (what the MadLab model uses).

  Measured against `Bidirectional(NoCudnnLSTM)` with the same weights (2-core
  AMD EPYC, avx512_bf16, no AMX; alternating windows in one process, other
  work loading the machine; MadLab's W = 96, u = 4, L = 110): forward at
  batch 4,096 1.29x (XLA) and 1.32x (no XLA) as fast, forward + gradients
  at batch 1,024 1.39x (XLA) and 1.25x (no XLA), so the model uses it on
  both paths. The loop is `compat.scan_carry` (a while loop): unrolled
  (`unroll=True`) the forward pass under XLA was faster still (1.83x), but
  XLA's gradient of the unrolled steps fuses the cell-state chain across
  steps and took 6 s instead of 0.1 s, so unrolling is left to the HLO FLOP
  count, which needs no execution.

  Args:
    units: u, per direction.
    activation, recurrent_activation: as Keras's LSTM (tanh, sigmoid).
    kernel_initializer, recurrent_initializer, bias_initializer,
      unit_forget_bias: as Keras's LSTM.
    unroll: a Python loop of L steps instead of `keras.ops.scan` (needs a
      static L; the HLO FLOP count uses it, since a while loop's trip count
      is not in the HLO text).
  """

  def __init__(self, units: int, activation: Any = "tanh",
               recurrent_activation: Any = "sigmoid",
               kernel_initializer: Any = "glorot_uniform",
               recurrent_initializer: Any = "orthogonal",
               bias_initializer: Any = "zeros", unit_forget_bias: bool = True,
               unroll: bool = False, **kwargs):
    super().__init__(**kwargs)
    self.units = int(units)
    if self.units < 1:
      raise ValueError(f"units must be at least 1, got {units}")
    self.activation = keras.activations.get(activation)
    self.recurrent_activation = keras.activations.get(recurrent_activation)
    # Kept serialised: each weight gets a fresh instance (an unseeded
    # instance would give the forward and backward kernels equal values).
    self.kernel_initializer = _serialized(kernel_initializer)
    self.recurrent_initializer = _serialized(recurrent_initializer)
    self.bias_initializer = _serialized(bias_initializer)
    self.unit_forget_bias = bool(unit_forget_bias)
    self.unroll = bool(unroll)

  def _bias_initializer(self):
    base = _fresh(self.bias_initializer)
    if not self.unit_forget_bias:
      return base
    units = self.units

    def initializer(shape, dtype=None):
      del shape
      return ops.concatenate([base((units,), dtype=dtype),
                              ops.ones((units,), dtype=dtype),
                              base((2 * units,), dtype=dtype)])
    return initializer

  def build(self, input_shape):
    width, gates = input_shape[-1], 4 * self.units
    for direction in _DIRECTIONS:
      setattr(self, f"{direction}_kernel", self.add_weight(
          name=f"{direction}_kernel", shape=(width, gates),
          initializer=_fresh(self.kernel_initializer)))
      setattr(self, f"{direction}_recurrent_kernel", self.add_weight(
          name=f"{direction}_recurrent_kernel", shape=(self.units, gates),
          initializer=_fresh(self.recurrent_initializer)))
      setattr(self, f"{direction}_bias", self.add_weight(
          name=f"{direction}_bias", shape=(gates,),
          initializer=self._bias_initializer()))

  def _step(self, recurrent, carry, x_t):
    """One step of both directions: h, c, x_t gate-major (see `call`)."""
    h, c = carry                                              # [B, 2u]
    z = x_t + ops.matmul(h, recurrent)                        # [B, 8u]
    i, f, g, o = ops.split(z, 4, axis=-1)                     # [B, 2u] each
    c = (self.recurrent_activation(f) * c
         + self.recurrent_activation(i) * self.activation(g))
    h = self.recurrent_activation(o) * self.activation(c)
    return h, c

  def _fused(self, dtype):
    """Both directions' weights in one gate-major layout.

    Column (gate, direction, unit) of the fused [W, 8u] kernel and [8u] bias
    holds the direction's column (gate, unit); the recurrent kernel is
    block-diagonal [2u, 8u] (h of one direction feeds only its own gates).
    """
    u = self.units

    def gate_major(forward, backward):             # [..., 4u] x 2 -> [..., 8u]
      lead = tuple(forward.shape[:-1])
      pair = ops.stack([ops.reshape(ops.cast(forward, dtype), lead + (4, u)),
                        ops.reshape(ops.cast(backward, dtype), lead + (4, u))],
                       axis=-2)                               # [..., 4, 2, u]
      return ops.reshape(pair, lead + (8 * u,))

    kernel = gate_major(self.forward_kernel, self.backward_kernel)
    bias = gate_major(self.forward_bias, self.backward_bias)
    zeros = ops.zeros_like(ops.cast(self.forward_recurrent_kernel, dtype))
    recurrent = ops.concatenate(
        [gate_major(self.forward_recurrent_kernel, zeros),
         gate_major(zeros, self.backward_recurrent_kernel)], axis=0)
    return kernel, bias, recurrent

  def call(self, inputs):
    dtype = self.compute_dtype
    x = ops.cast(inputs, dtype)                               # [B, L, W]
    length = x.shape[1] if x.shape[1] is not None else ops.shape(x)[1]
    kernel, bias, recurrent = self._fused(dtype)
    # The hoisted input projection of every step and both directions, time
    # major: [L, B, 8u]; the backward direction's columns read time reversed.
    xs = ops.transpose(ops.matmul(x, kernel) + bias, (1, 0, 2))
    backward = ops.convert_to_tensor(
        np.tile(np.repeat([False, True], self.units), 4))
    xs = ops.where(backward, ops.flip(xs, axis=0), xs)
    zeros = ops.zeros((ops.shape(x)[0], 2 * self.units), dtype)
    carry = (zeros, zeros)
    if self.unroll:
      # unstack, not xs[t]: the gradient of L slices would be L full-size
      # tensors (quadratic); unstack's is one stack.
      for x_t in ops.unstack(xs, num=int(length), axis=0):
        carry = self._step(recurrent, carry, x_t)
    else:
      carry = compat.scan_carry(
          lambda state, x_t: self._step(recurrent, state, x_t), carry, xs)
    return carry[0]              # [B, 2u]: [h_L forward, h_1 backward]

  def compute_output_shape(self, input_shape):
    return (input_shape[0], 2 * self.units)

  def get_config(self):
    config = super().get_config()
    config.update(
        units=self.units,
        activation=keras.activations.serialize(self.activation),
        recurrent_activation=keras.activations.serialize(
            self.recurrent_activation),
        kernel_initializer=self.kernel_initializer,
        recurrent_initializer=self.recurrent_initializer,
        bias_initializer=self.bias_initializer,
        unit_forget_bias=self.unit_forget_bias, unroll=self.unroll)
    return config
