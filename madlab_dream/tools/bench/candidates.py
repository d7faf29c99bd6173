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
import time
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


def relative_difference(got, want) -> float:
  """max |got - want| / max |want|: an untrained model's predictions run
  to 1e9 (BatchNorm's initial moving statistics), so float32 rounding is
  judged against their scale."""
  want = np.asarray(want, np.float64)
  return float(np.abs(np.asarray(got, np.float64) - want).max()
               / max(np.abs(want).max(), 1e-30))


def _alternate(steps: dict, windows: int, per_window: int) -> dict:
  """{name: (median wall seconds, median process CPU seconds) per step},
  the steps in alternating windows after one untimed call each (CPU time
  is steadier than wall time where other processes share the cores)."""
  for step in steps.values():
    timing.wait(step())
  wall = {name: [] for name in steps}
  cpu = {name: [] for name in steps}
  for w in range(windows):
    for name in (list(steps) if w % 2 == 0 else list(steps)[::-1]):
      t0, c0 = time.perf_counter(), time.process_time()
      out = None
      for _ in range(per_window):
        out = steps[name]()
      timing.wait(out)
      wall[name].append((time.perf_counter() - t0) / per_window)
      cpu[name].append((time.process_time() - c0) / per_window)
  return {name: (timing.median(wall[name]), timing.median(cpu[name]))
          for name in steps}


def measure(batches: Sequence[int], windows: int = 5, per_window: int = 2,
            seed: int = 0) -> list[dict]:
  """Per batch size: XLA's figures (`compiled_calls.train_step_cost`) and
  the median wall and process-CPU milliseconds per training step of the
  model (MadLab's preset, float32, the attention's zero-initialised output
  projections replaced by small random values so that the attention
  counts) and each candidate, in alternating windows; and each
  candidate's `relative_difference` from the model (training=False).

  Raises:
    ValueError: Keras is not on JAX.
  """
  if keras.backend.backend() != "jax":
    raise ValueError("the candidates are measured with Keras on JAX")
  model = model_lib.build_model(seed=seed)
  rng = np.random.default_rng(seed)
  for layer in model.layers:
    if isinstance(layer, layers.TransformerBlock):
      kernel = layer.mha.output_kernel
      kernel.assign(rng.normal(0, 0.05, kernel.shape).astype(np.float32))
  models = {"model": model, **{name: candidate_model(model, name)
                               for name in CANDIDATES}}
  rows = []
  for batch in batches:
    codes, y = compiled_calls.random_batch(batch, int(model.input.shape[1]))
    want = np.asarray(model(codes, training=False))
    steps = {name: compiled_calls.train_step_call(net, codes, y)
             for name, net in models.items()}
    seconds = _alternate(steps, windows, per_window)
    for name, net in models.items():
      got = np.asarray(net(codes, training=False))
      rows.append({"batch": batch, "formulation": name,
                   "ms_per_step": 1e3 * seconds[name][0],
                   "cpu_ms_per_step": 1e3 * seconds[name][1],
                   "relative_difference": relative_difference(got, want),
                   **compiled_calls.train_step_cost(steps[name])})
  return rows


def markdown(rows: list[dict]) -> str:
  """`measure`'s rows as a Markdown table."""
  lines = ["| batch | formulation | ms per step (wall) | CPU ms per step | "
           "XLA GFLOPs per step | XLA GB accessed per step | "
           "temporary memory (MB) | relative difference |",
           "|---|---|---|---|---|---|---|---|"]
  for r in rows:
    lines.append(
        f"| {r['batch']:,} | {r['formulation']} | {r['ms_per_step']:,.0f} | "
        f"{r['cpu_ms_per_step']:,.0f} | "
        f"{r['flops'] / 1e9:.2f} | {r['bytes_accessed'] / 1e9:.2f} | "
        f"{r['temp_bytes'] / 1e6:,.0f} | {r['relative_difference']:.1e} |")
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
