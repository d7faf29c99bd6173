"""Model FLOPs per sequence: counted from the layer shapes, and by XLA.

`analytic_flops` counts every matrix product of the model from its
settings; `xla_flops` counts the dot and convolution instructions of the
compiled forward pass and training-step gradients (`hlo.hlo_flops`), as a
cross-check of the analytic count.
"""

from __future__ import annotations

import json
import time

from madlab_dream.bench.hlo import hlo_flops
from madlab_dream.config import ModelConfig


def analytic_flops(config: ModelConfig | None = None,
                   batch: int = 1024) -> dict:
  """Model FLOPs per sequence from the layer shapes (multiply-add = 2).

  Counts every matrix product the model executes (convolutions,
  projections, attention, LSTM gates, output), as the model is configured
  to compute them: the relative logits are H L L K multiply-adds with the
  gathered keys (`relative_logits="gather"`) or H L (2L-1) K before the
  Transformer-XL shift ("shift"); the BiLSTM's recurrent product is
  [batch, 2u] x [2u, 8u] per step with a block-diagonal kernel
  (`lstm_implementation="hoisted"`: both directions in one product, half
  of its multiply-adds with zeros, 16 L u^2 FLOPs, 0.04 % of the preset's)
  or two [batch, u] x [u, 4u] ("keras"). The relative keys are computed
  once per batch ([2L-1, F] x [F, H*K]), so they are divided by `batch`.
  Element-wise work
  (BatchNorm, activations, LayerNorm, softmax, biases, LSTM gate
  non-linearities) is estimated separately in `elementwise` (not in the
  totals: it is small and memory-bound).

  Args:
    config: the model's settings (None: MadLab's preset).
    batch: the batch the relative keys are shared by.

  Returns:
    Per-sequence counts: `parts` (conv, transformer, bilstm, head;
    forward), `forward`, `train_3x` (3 x forward, the usual convention) and
    `train_exact` (forward + the backward products actually needed: no
    input gradient for the first convolution, whose input is the one-hot
    encoding, nor for the relative keys, whose input is a constant); also
    the `config` and `detail` of every term, and `parts_train`.
  """
  from madlab_dream.layers import positional
  cfg = config or ModelConfig()
  L = cfg.seq_len
  c_in = 4
  F = cfg.conv_filters
  W = cfg.conv_reduced
  kernels = list(cfg.conv_kernels)
  H, K, V = cfg.num_heads, cfg.key_size, cfg.value_size
  Fr = positional.resolve_relative_features(
      V, cfg.num_relative_features, cfg.relative_functions, symmetric=False)
  hidden = cfg.ffn_multiplier * W
  u = cfg.lstm_units
  blocks = cfg.num_blocks
  P = 2 * L - 1

  conv_wide = sum(2 * L * k * c_in * F for k in kernels)
  conv_reduce = len(kernels) * 2 * L * F * W
  attention = {
      "q_k_v": 2 * L * W * (2 * H * K + H * V),
      "relative_keys": 2 * P * Fr * H * K / batch,
      "content_logits": 2 * H * L * L * K,
      "relative_logits": 2 * H * L * (L if cfg.relative_logits == "gather"
                                       else P) * K,
      "weights_values": 2 * H * L * L * V,
      "output_projection": 2 * L * H * V * W,
  }
  ffn = 2 * L * W * hidden + 2 * L * hidden * W
  block = sum(attention.values()) + ffn
  # 2 directions x L steps: x K (hoisted or per step) and h U.
  recurrent = (2 * L * (2 * u) * (8 * u) if cfg.lstm_implementation ==
               "hoisted" else 2 * L * 2 * u * 4 * u)
  lstm = 2 * L * 2 * 4 * u * W + recurrent
  head = 2 * 2 * u
  parts = {"conv": conv_wide + conv_reduce, "transformer": blocks * block,
           "bilstm": lstm, "head": head}
  forward = float(sum(parts.values()))
  no_input_grad = conv_wide + blocks * attention["relative_keys"]
  parts_train = {
      "conv": 3 * parts["conv"] - conv_wide,
      "transformer": 3 * parts["transformer"]
                     - blocks * attention["relative_keys"],
      "bilstm": 3 * lstm, "head": 3 * head}
  # Element-wise estimate (per sequence, forward): BN 2/elem (inference
  # scale+shift), swish ~4/elem, branch sum 1/elem; LayerNorm ~8/elem;
  # softmax ~5/elem; relative shift/adds 2/elem; biases 1/elem; LSTM gates
  # ~ 4u x 6 per step.
  conv_elems = len(kernels) * L * (F + W)
  elementwise = (conv_elems * (2 + 4 + 1)
                 + blocks * (2 * L * W * 8 + H * L * L * (5 + 2)
                             + L * (hidden * 5 + 2 * W))
                 + 2 * L * 4 * u * 6)
  return {
      "config": {"seq_len": L, "conv_kernels": kernels, "conv_filters": F,
                 "conv_reduced": W, "num_heads": H, "key_size": K,
                 "value_size": V, "relative_features": Fr,
                 "ffn_hidden": hidden, "num_blocks": blocks,
                 "lstm_units": u, "relative_logits": cfg.relative_logits,
                 "lstm_implementation": cfg.lstm_implementation},
      "batch": batch,
      "detail": {"conv_wide": conv_wide, "conv_reduce": conv_reduce,
                 **{f"attention_{k}": blocks * v for k, v in attention.items()},
                 "ffn": blocks * ffn, "bilstm": lstm, "head": head},
      "parts": parts, "parts_train": parts_train,
      "forward": forward, "train_3x": 3 * forward,
      "train_exact": 3 * forward - no_input_grad,
      "elementwise_forward_estimate": float(elementwise),
  }


def _unrolled_clone(model):
  """The model with its recurrence unrolled (same ops, no while loop).

  XLA's HLO text does not carry a loop's trip count; unrolled, every LSTM
  step appears in the HLO and is counted.
  """
  import keras

  from madlab_dream import layers

  def clone_layer(layer):
    config = layer.get_config()
    if isinstance(layer, layers.BiLSTM):
      config["unroll"] = True
    if isinstance(layer, keras.layers.Bidirectional):
      config = json.loads(json.dumps(config))
      for key in ("layer", "backward_layer"):
        if isinstance(config.get(key), dict):
          config[key]["config"]["unroll"] = True
    return layer.__class__.from_config(config)

  return keras.models.clone_model(model, clone_function=clone_layer)


def xla_flops(config: ModelConfig, batch: int) -> dict:
  """Forward and training-step FLOPs per sequence from XLA's HLO.

  The forward pass (training=False) and the gradient of the MSE loss with
  respect to every trainable weight (training=True) of the model built from
  `config`, each traced with `tf.function(jit_compile=True)` and lowered to
  HLO (`experimental_get_compiler_ir(...)(stage="hlo")`), on an unrolled
  clone of the model. The optimizer update is element-wise and not counted.

  Args:
    config: the model's settings.
    batch: the traced batch size.

  Returns:
    forward and train FLOPs per sequence, the analytic counts for the same
    config and batch beside them, the while loops left uncounted, and the
    method, seq_len, batch and seconds taken.
  """
  import tensorflow as tf
  from madlab_dream import model as model_lib
  clone = _unrolled_clone(model_lib.build_model(config))
  codes = tf.zeros([batch, config.seq_len], tf.uint8)
  target = tf.zeros([batch, 1], tf.float32)

  @tf.function(jit_compile=True)
  def forward(c):
    return clone(c, training=False)

  @tf.function(jit_compile=True)
  def gradients(c, y):
    with tf.GradientTape() as tape:
      p = tf.cast(clone(c, training=True), tf.float32)
      loss = tf.reduce_mean(tf.square(p - y))
    return tape.gradient(loss, clone.trainable_variables)

  t0 = time.perf_counter()
  fwd = hlo_flops(forward.experimental_get_compiler_ir(codes)(stage="hlo"))
  train = hlo_flops(gradients.experimental_get_compiler_ir(codes, target)(
      stage="hlo"))
  analytic = analytic_flops(config, batch)
  return {"method": "dot+convolution FLOPs in the HLO of "
                    "tf.function(jit_compile=True) (unrolled LSTM clone)",
          "seq_len": config.seq_len, "batch": batch,
          "analytic_forward": analytic["forward"],
          "analytic_train_exact": analytic["train_exact"],
          "forward": fwd["flops"] / batch,
          "train": train["flops"] / batch,
          "while_loops": fwd["while_loops"] + train["while_loops"],
          "seconds": time.perf_counter() - t0}
