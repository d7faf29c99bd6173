"""Bidirectional LSTMs that keep XLA on (never the cuDNN path).

  BiLSTM        [batch, L, W] -> [batch, 2u]: both directions of an LSTM
                with the input projection hoisted out of the recurrence
                (the model's; `keras.ops` only)
  NoCudnnLSTM   `keras.layers.LSTM` without the cuDNN path; the LSTM inside
                `Bidirectional` of models saved by madlab-dream 0.2.0, which
                load with it
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

from madlab_dream import compat
from madlab_dream.layers import arguments
from madlab_dream.layers.keras_objects import check_activation
from madlab_dream.layers.keras_objects import fresh_initializer
from madlab_dream.layers.keras_objects import serialized_initializer

_PACKAGE = "madlab_dream"
_DIRECTIONS = ("forward", "backward")


# compat-workaround: Keras 3.13-3.15 marks an LSTM that could take the cuDNN
# path `supports_jit = False` on a GPU machine unless `use_cudnn=False`,
# which `compile(jit_compile=True)` then silently drops for the whole model;
# `use_cudnn` is not in LSTM's config, so Bidirectional's copies and
# `load_model` lose it. This class sets it in its constructor.
@keras.saving.register_keras_serializable(package=_PACKAGE)
class NoCudnnLSTM(keras.layers.LSTM):
  """`keras.layers.LSTM` that never takes the cuDNN path, so XLA stays on.

  Every copy keeps `use_cudnn=False` (Bidirectional rebuilds its forward
  and backward layers from the config, and so does `load_model`); any
  `use_cudnn` argument is ignored. Models saved by madlab-dream 0.2.0 hold
  it inside `Bidirectional`; the model factory uses `BiLSTM`.

  Args:
    units: as `keras.layers.LSTM`.
    **kwargs: `keras.layers.LSTM`'s other arguments.

  Call arguments:
    As `keras.layers.LSTM`.

  Input shape:
    3D tensor `(batch, L, features)`.

  Output shape:
    `(batch, units)`, or `(batch, L, units)` with `return_sequences=True`.

  Example:
  >>> import keras
  >>> import numpy as np
  >>> from madlab_dream import layers
  >>> lstm = keras.layers.Bidirectional(layers.NoCudnnLSTM(3))
  >>> tuple(lstm(np.zeros((2, 7, 5), "float32")).shape)
  (2, 6)
  >>> lstm.forward_layer.use_cudnn, lstm.backward_layer.use_cudnn
  (False, False)
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
  recurrent products and the gates. With the same weights the results are
  Keras's to float32 rounding; the weights are the same six tensors in the
  same order as `Bidirectional(LSTM)`'s (forward kernel, recurrent kernel,
  bias, then backward), so `set_weights(bidirectional.get_weights())`
  converts. The loop is `compat.scan_carry` (a while loop; XLA compiles
  its gradient).

  No mask, no dropout, no sequence output (what the MadLab model uses).

  Args:
    units: u, per direction, positive int.
    activation: as Keras's LSTM (default tanh).
    recurrent_activation: as Keras's LSTM (default sigmoid).
    kernel_initializer: of both input kernels [W, 4u] (default
      glorot_uniform).
    recurrent_initializer: of both recurrent kernels [u, 4u] (default
      orthogonal).
    bias_initializer: of both biases [4u] (default zeros).
    unit_forget_bias: add 1 to the forget gate's initial bias (default
      True, as Keras's LSTM).
    unroll: a Python loop of L steps instead of the while loop (needs a
      static L; an HLO FLOP count uses it, since a while loop's trip count
      is not in the HLO text).
    **kwargs: the base Layer's (name, dtype, trainable).

  Call arguments:
    inputs: [batch, L, W].

  Input shape:
    3D tensor `(batch, L, W)`.

  Output shape:
    2D tensor `(batch, 2 * units)`: the forward direction's last state,
    then the backward direction's.

  Example:
  >>> import numpy as np
  >>> from madlab_dream import layers
  >>> bilstm = layers.BiLSTM(4, activation="swish")
  >>> tuple(bilstm(np.zeros((2, 24, 8), "float32")).shape)
  (2, 8)
  >>> [tuple(w.shape) for w in bilstm.weights][:3]
  [(8, 16), (4, 16), (16,)]
  """

  def __init__(self, units: int, activation: Any = "tanh",
               recurrent_activation: Any = "sigmoid",
               kernel_initializer: Any = "glorot_uniform",
               recurrent_initializer: Any = "orthogonal",
               bias_initializer: Any = "zeros", unit_forget_bias: bool = True,
               unroll: bool = False, **kwargs):
    units = arguments.positive_int("units", units)
    activation = check_activation("activation", activation)
    recurrent_activation = check_activation("recurrent_activation",
                                            recurrent_activation)
    # Kept serialised: each weight gets a fresh instance.
    initializers = {
        name: serialized_initializer(name, value) for name, value in (
            ("kernel_initializer", kernel_initializer),
            ("recurrent_initializer", recurrent_initializer),
            ("bias_initializer", bias_initializer))}
    unit_forget_bias = arguments.boolean("unit_forget_bias", unit_forget_bias)
    unroll = arguments.boolean("unroll", unroll)
    super().__init__(**kwargs)
    self.units = units
    self.activation = keras.activations.get(activation)
    self.recurrent_activation = keras.activations.get(recurrent_activation)
    self.kernel_initializer = initializers["kernel_initializer"]
    self.recurrent_initializer = initializers["recurrent_initializer"]
    self.bias_initializer = initializers["bias_initializer"]
    self.unit_forget_bias = unit_forget_bias
    self.unroll = unroll

  def _bias_initializer(self):
    base = fresh_initializer(self.bias_initializer)
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
          initializer=fresh_initializer(self.kernel_initializer)))
      setattr(self, f"{direction}_recurrent_kernel", self.add_weight(
          name=f"{direction}_recurrent_kernel", shape=(self.units, gates),
          initializer=fresh_initializer(self.recurrent_initializer)))
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
