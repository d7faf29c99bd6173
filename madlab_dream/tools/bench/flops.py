"""Model FLOPs per sequence, counted from the weight shapes.

`analytic_flops(model)` counts every matrix product (multiply-add = 2
FLOPs) of a model from `build_model` as it computes them: the relative
logits from the keys gathered into the [L, L] layout (H L L K
multiply-adds); the BiLSTM's input projection hoisted out of its L steps
of a block-diagonal [2u, 8u] recurrent product. (The tests check the count
against the dot and convolution instructions of XLA's HLO.)
"""

from __future__ import annotations

import keras

from madlab_dream import layers


def _shapes(layer) -> dict[str, tuple]:
  return {v.path.split("/", 1)[1]: tuple(v.shape) for v in layer.weights}


def _block_terms(block, L: int, batch: int) -> dict[str, float]:
  """The products of one transformer block, per sequence."""
  w = _shapes(block)
  _, H, _, K = w["mha/r_w_bias"]
  V = w["mha/v_kernel"][1] // H
  dense = lambda name: 2 * L * w[name][0] * w[name][1]  # noqa: E731
  return {"attention_q_k_v": sum(dense(f"mha/{n}_kernel") for n in "qkv"),
          # The [2L-1, F] features through [F, HK], once per batch.
          "attention_relative_keys": (2 * (2 * L - 1) * w["mha/r_k_kernel"][0]
                                      * H * K / batch),
          "attention_content_logits": 2 * H * L * L * K,
          "attention_relative_logits": 2 * H * L * L * K,
          "attention_weights_values": 2 * H * L * L * V,
          "attention_output_projection": dense("mha/output_kernel"),
          "ffn": dense("ffn_hidden/kernel") + dense("ffn_output/kernel")}


def _terms(model: keras.Model, L: int, batch: int) -> dict[str, float]:
  terms = {"conv_wide": 0.0, "conv_reduce": 0.0}
  for layer in model.layers:
    if isinstance(layer, layers.MultiScaleConv):
      for k, c_in, c_out in (s for s in _shapes(layer).values()
                             if len(s) == 3):   # conv kernels
        # The wide convolutions read the one-hot input (4 channels).
        terms["conv_wide" if c_in == 4 else "conv_reduce"] += (
            2 * L * k * c_in * c_out)
    elif isinstance(layer, layers.TransformerBlock):
      for name, value in _block_terms(layer, L, batch).items():
        terms[name] = terms.get(name, 0.0) + value
    elif isinstance(layer, layers.BiLSTM):
      width, gates = _shapes(layer)["forward_kernel"]
      u = gates // 4
      terms["bilstm"] = 2 * L * width * 8 * u + 2 * L * (2 * u) * (8 * u)
    elif isinstance(layer, keras.layers.Dense):
      terms["head"] = 2 * layer.kernel.shape[0] * layer.kernel.shape[1]
  return terms


def analytic_flops(model: keras.Model, batch: int = 1024) -> dict:
  """Per sequence (the relative keys once per `batch`): `detail` (every
  term), `parts` (conv, transformer, bilstm, head), `parts_train`,
  `forward`, `train_3x`, `train_exact` (no input gradient for the first
  convolutions, whose input is the one-hot encoding, nor for the relative
  keys, whose input is a constant), and the shares of `forward` of the
  attention (`attention`) and of its L x L products (`attention_l2`)."""
  L = int(model.input.shape[1])
  detail = _terms(model, L, batch)
  attention = sum(v for k, v in detail.items() if k.startswith("attention"))
  parts = {"conv": detail["conv_wide"] + detail["conv_reduce"],
           "transformer": attention + detail.get("ffn", 0.0),
           "bilstm": detail["bilstm"], "head": detail["head"]}
  forward = float(sum(parts.values()))
  keys = detail.get("attention_relative_keys", 0.0)
  parts_train = {name: 3 * value for name, value in parts.items()}
  parts_train["conv"] -= detail["conv_wide"]
  parts_train["transformer"] -= keys
  l2 = sum(detail.get(f"attention_{k}", 0.0) for k in (
      "content_logits", "relative_logits", "weights_values"))
  return {"seq_len": L, "batch": batch, "detail": detail, "parts": parts,
          "parts_train": parts_train, "forward": forward,
          "train_3x": 3 * forward,
          "train_exact": 3 * forward - detail["conv_wide"] - keys,
          "attention": attention / forward, "attention_l2": l2 / forward}
