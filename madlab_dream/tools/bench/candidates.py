"""Candidate formulations of the model's layers, measured beside the
model's own before the library adopts one: the same weights (names,
shapes, copied values) and the same function, computed another way.

  shift_attention  the transformer blocks in the reference formulation
                   (`reference_model`: Enformer's [L, 2L-1] relative
                   products and the Transformer-XL shift, one plain matmul
                   with the relative keys instead of the keys gathered
                   into the [L, L] layout); the rest as the model
  merged_conv      the wide convolutions of all branches as one
                   convolution (`MergedMultiScaleConv`)

  candidate_model(model, name)   the model in a candidate formulation
  measure(batches)               XLA's figures and time per training step
                                 of the model and each candidate (JAX)

    KERAS_BACKEND=jax python -m madlab_dream.tools.bench.candidates 64 256

prints them as a Markdown table (float32, MadLab's preset).
"""

from __future__ import annotations

import sys
from typing import Sequence

import keras
import numpy as np
from keras import ops

from madlab_dream import layers
from madlab_dream import model as model_lib
from madlab_dream import timing
from madlab_dream.tools.bench import compiled_calls
from madlab_dream.tools.bench.reference_model import copy_weights
from madlab_dream.tools.bench.reference_model import reference_model


class MergedMultiScaleConv(layers.MultiScaleConv):
  """`MultiScaleConv` whose wide convolutions are one convolution.

  The branches' kernels [k, C, filters] are zero-padded to the widest
  kernel K, each centred as 'same' padding places it (left offset
  (K-1)//2 - (k-1)//2), and concatenated on the filter axis: one
  [K, C, n filters] convolution whose output slices are the branches' wide
  convolutions (the zero taps add exact zeros). Its BatchNorms, activations
  and kernel-1 convolutions are the branches' own layers, so the weights
  are `MultiScaleConv`'s.
  """

  def call(self, inputs, training=None):
    dtype = self.compute_dtype
    widest = max(self.kernel_sizes)
    kernels, biases = [], []
    for branch in self.branches:
      conv = branch[0]
      size = int(conv.kernel.shape[0])
      left = (widest - 1) // 2 - (size - 1) // 2
      kernels.append(ops.pad(ops.cast(conv.kernel, dtype),
                             ((left, widest - size - left), (0, 0), (0, 0))))
      biases.append(ops.cast(conv.bias, dtype))
    wide = ops.conv(ops.cast(inputs, dtype), ops.concatenate(kernels, -1),
                    padding="same") + ops.concatenate(biases)
    total = None
    for index, branch in enumerate(self.branches):
      x = wide[..., index * self.filters:(index + 1) * self.filters]
      for layer in branch[1:]:
        if isinstance(layer, keras.layers.BatchNormalization):
          x = layer(x, training=training)
        else:
          x = layer(x)
      total = x if total is None else total + x
    return total


def _merged_conv_model(model: keras.Model) -> keras.Model:
  def clone(layer):
    if isinstance(layer, layers.MultiScaleConv):
      return MergedMultiScaleConv.from_config(layer.get_config())
    return layer.__class__.from_config(layer.get_config())

  merged = keras.models.clone_model(model, clone_function=clone)
  for layer in model.layers:
    copy_weights(layer, merged.get_layer(layer.name))
  merged.name = f"{model.name}_merged_conv"
  return merged


CANDIDATES = ("shift_attention", "merged_conv")


def candidate_model(model: keras.Model, name: str) -> keras.Model:
  """`model` (float32, from `build_model`) in candidate formulation `name`
  (`CANDIDATES`), with copies of its weights."""
  if name == "shift_attention":
    return reference_model(model, parts=("attention",))
  if name == "merged_conv":
    return _merged_conv_model(model)
  raise ValueError(f"unknown candidate {name!r}; the candidates are "
                   f"{list(CANDIDATES)}")


def measure(batches: Sequence[int], windows: int = 5, per_window: int = 2,
            seed: int = 0) -> list[dict]:
  """Per batch size: XLA's figures (`compiled_calls.train_step_cost`) and
  the median seconds per training step of the model (MadLab's preset,
  float32) and each candidate, in alternating windows; and each
  candidate's largest |prediction - the model's| (training=False).

  Raises:
    ValueError: Keras is not on JAX.
  """
  if keras.backend.backend() != "jax":
    raise ValueError("the candidates are measured with Keras on JAX")
  model = model_lib.build_model(seed=seed)
  models = {"model": model, **{name: candidate_model(model, name)
                               for name in CANDIDATES}}
  rows = []
  for batch in batches:
    codes, y = compiled_calls.random_batch(batch, int(model.input.shape[1]))
    want = np.asarray(model(codes, training=False))
    steps = {name: compiled_calls.train_step_call(net, codes, y)
             for name, net in models.items()}
    seconds = timing.medians(timing.alternate(
        steps, windows=windows, per_window=per_window, warmup=1))
    for name, net in models.items():
      got = np.asarray(net(codes, training=False))
      rows.append({"batch": batch, "formulation": name,
                   "ms_per_step": 1e3 * seconds[name],
                   "max_abs_difference": float(np.abs(got - want).max()),
                   **compiled_calls.train_step_cost(steps[name])})
  return rows


def markdown(rows: list[dict]) -> str:
  """`measure`'s rows as a Markdown table."""
  lines = ["| batch | formulation | ms per step | XLA GFLOPs per step | "
           "XLA GB accessed per step | temporary memory (MB) | "
           "max abs difference |", "|---|---|---|---|---|---|---|"]
  for r in rows:
    lines.append(
        f"| {r['batch']:,} | {r['formulation']} | {r['ms_per_step']:,.0f} | "
        f"{r['flops'] / 1e9:.2f} | {r['bytes_accessed'] / 1e9:.2f} | "
        f"{r['temp_bytes'] / 1e6:,.0f} | {r['max_abs_difference']:.1e} |")
  return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
  """Prints `markdown(measure(batches))` for the batch sizes in argv."""
  try:
    batches = [int(a) for a in argv]
    if not batches or min(batches) < 1:
      raise ValueError
  except ValueError:
    print(f"candidates: give positive batch sizes, e.g. 64 256 (got "
          f"{' '.join(argv) or 'none'})", file=sys.stderr)
    return 2
  if keras.backend.backend() != "jax":
    print("candidates: set KERAS_BACKEND=jax", file=sys.stderr)
    return 2
  print(markdown(measure(batches)))
  return 0


if __name__ == "__main__":
  sys.exit(main(sys.argv[1:]))
