"""Time per block of the model (TensorFlow): each block (the convolution
stack with the one-hot encoding, the transformer blocks, the BiLSTM, the
output Dense) alone on the activations the blocks before it produce.
Forward: the inference form (BatchNorm folded) at the inference batch;
forward + gradients (of its weights, and of its input when that is a float
activation): the model at the training batch. `profile_table` gives the
shares of time and FLOPs."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from madlab_dream import model as model_lib
from madlab_dream import timing
from madlab_dream.tools.bench.sizes import Sizes


def model_blocks(model: keras.Model) -> list[tuple[str, object, list]]:
  """[(name, fn(x, training), layers owning its weights)] in order."""
  blocks = [layer for layer in model.layers
            if layer.name.startswith("transformer_block_")]
  one_hot, conv = model.get_layer("one_hot"), model.get_layer(
      "multi_scale_conv")
  bilstm, head = model.get_layer("bilstm"), model.get_layer("expression")

  def transformer(x, training):
    for block in blocks:
      x = block(x, training=training)
    return x

  return [("conv", lambda x, t: conv(one_hot(x), training=t), [conv]),
          ("transformer", transformer, blocks),
          ("bilstm", lambda x, t: bilstm(x, training=t), [bilstm]),
          ("head", lambda x, t: head(x), [head])]


def _gradients_of(fn, owners):
  """inp -> gradients of sum(fn(inp)) for the owners' weights (and inp)."""
  # The variables are closed over, not passed: a tf.function would turn
  # variable arguments into new inputs and their gradients into None.
  variables = [v for layer in owners for v in layer.trainable_variables]

  def gradients(inp):
    watch = inp.dtype.is_floating
    with tf.GradientTape() as tape:
      if watch:
        tape.watch(inp)
      loss = tf.reduce_sum(tf.cast(fn(inp, True), tf.float32))
    return tape.gradient(loss, variables + ([inp] if watch else []))

  return gradients


def profile_blocks(model: keras.Model, codes: np.ndarray, sizes: Sizes,
                   train_jit: bool, infer_jit: bool) -> dict:
  """{"forward"|"train": {block: {batch, jit, first_s, seconds}}}."""
  result = {}
  for mode, net, batch, jit in (
      ("forward", model_lib.inference_model(model), sizes.infer_batch,
       infer_jit), ("train", model, sizes.train_batch, train_jit)):
    x = tf.constant(np.asarray(codes[:batch]))
    for name, fn, owners in model_blocks(net):
      call = tf.function((lambda inp, f=fn: f(inp, False)) if mode ==
                         "forward" else _gradients_of(fn, owners),
                         jit_compile=jit, autograph=False)
      found = timing.call_windows(lambda c=call, v=x: c(v), 1,
                                  sizes.profile_reps, warmup=0, calls=1)
      result.setdefault(mode, {})[name] = {
          "batch": batch, "jit": jit, "first_s": found["first_call_s"],
          "seconds": 1.0 / found["per_s"]}
      x = tf.constant(fn(x, False).numpy()) if name != "head" else x
  return result


def profile_table(profile: dict, flops: dict, peak: float) -> list[dict]:
  """One row per (pass, block) of `profile_blocks`' figures:
  time and FLOPs shares, FLOP/s and utilisation of the matmul rate `peak`
  (`flops` as in `derive`)."""
  rows = []
  for mode, flops_of in (("forward", flops["inference"]["parts"]),
                         ("train", flops["train"]["parts_train"])):
    parts = profile[mode]
    total_time = sum(p["seconds"] for p in parts.values())
    for name, p in parts.items():
      achieved = flops_of[name] * p["batch"] / p["seconds"]
      rows.append({"mode": mode, "block": name, "batch": p["batch"],
                   "seconds": p["seconds"],
                   "time_share": p["seconds"] / total_time,
                   "flops_share": flops_of[name] / sum(flops_of.values()),
                   "flops_per_s": achieved, "utilisation": achieved / peak})
  return rows
