"""A/B comparisons on any backend, in alternating windows in one process
so that other load affects every side alike (`timing.alternate`). One
comparison is one function returning `timed_alternatives` per path (and
its table in `markdown`)."""

from __future__ import annotations

from typing import Any
from typing import Callable

import keras
import numpy as np

from madlab_dream import model as model_lib
from madlab_dream import timing
from madlab_dream.config import ModelConfig
from madlab_dream.tools.bench import candidates
from madlab_dream.tools.bench import compiled_calls
from madlab_dream.tools.bench.flops import analytic_flops
from madlab_dream.tools.bench.outputs import log
from madlab_dream.tools.bench.reference_model import reference_model
from madlab_dream.tools.bench.sizes import Sizes


def timed_alternatives(calls: dict[str, Callable[[], Any]], batch: int,
                       sizes: Sizes, jit: bool, warmup: int = 1) -> dict:
  """{batch, jit_compile, seconds (median per call), window_seconds,
  seq_per_s} of each call (`batch` sequences each), alternating."""
  times = timing.alternate(calls, windows=sizes.ab_windows,
                           per_window=sizes.ab_calls, warmup=warmup)
  median = timing.medians(times)
  return {"batch": batch, "jit_compile": jit, "seconds": median,
          "window_seconds": times,
          "seq_per_s": {name: batch / s for name, s in median.items()}}


def compare_formulations(model: keras.Model, train_step: Callable,
                         sizes: Sizes, train_jit: bool,
                         infer_jit: bool) -> dict:
  """{"training", "inference": `timed_alternatives` of "reference"
  (`reference_model`) and "model" (`train_step`: its compiled step), same
  weights; "max_abs_difference" of their predictions}."""
  codes, y = compiled_calls.random_batch(
      max(sizes.train_batch, sizes.infer_batch), int(model.input.shape[1]))
  x = codes[:sizes.infer_batch]
  forward = {"reference": compiled_calls.forward_call(
      reference_model(model), x, infer_jit), "model": compiled_calls
             .forward_call(model_lib.inference_model(model), x, infer_jit)}
  a, b = (np.asarray(call()) for call in forward.values())
  log(f"  model vs reference formulation, batch {sizes.infer_batch:,}")
  inference = timed_alternatives(forward, sizes.infer_batch, sizes,
                                 infer_jit)
  steps = {"reference": compiled_calls.train_step_call(
      reference_model(model), codes[:sizes.train_batch],
      y[:sizes.train_batch], train_jit), "model": train_step}
  return {"training": timed_alternatives(steps, sizes.train_batch, sizes,
                                         train_jit, sizes.fit_warmup),
          "inference": inference,
          "max_abs_difference": float(np.abs(a - b).max())}


def compare_candidates(model: keras.Model, train_step: Callable,
                       sizes: Sizes) -> dict:
  """The compiled JAX training step of the model (`train_step`, its
  `train_step_call` at `sizes.train_batch`, XLA on) and of each candidate
  formulation (`candidates.CANDIDATES`, same weights):
  {"training": `timed_alternatives`, "compiled": {name:
  `compiled_calls.train_step_cost`}, "relative_difference": {name:
  `candidates.relative_difference` of its predictions on 256 rows}}."""
  codes, y = compiled_calls.random_batch(sizes.train_batch,
                                         int(model.input.shape[1]))
  want = np.asarray(model(codes[:256], training=False))
  steps, differences = {"model": train_step}, {}
  for name in candidates.CANDIDATES:
    candidate = candidates.candidate_model(model, name)
    steps[name] = compiled_calls.train_step_call(candidate, codes, y)
    differences[name] = candidates.relative_difference(
        candidate(codes[:256], training=False), want)
  log(f"  candidate formulations, batch {sizes.train_batch:,}")
  training = timed_alternatives(steps, sizes.train_batch, sizes, True,
                                sizes.fit_warmup)
  return {"training": training, "relative_difference": differences,
          "compiled": {name: compiled_calls.train_step_cost(step)
                       for name, step in steps.items()}}


def compare_lengths(config: ModelConfig, calls: dict, sizes: Sizes,
                    train_jit: bool, infer_jit: bool) -> dict:
  """{"lengths", "flops": {L: `analytic_flops`}, "training", "inference":
  `timed_alternatives` keyed "L=<length>"} of the model at each of
  `sizes.lengths`, reusing `calls` (`model_throughput`'s) at its own."""
  steps, forward, flops = {}, {}, {}
  for length in sizes.lengths:
    model = model_lib.build_model(config.replace(seq_len=length))
    flops[str(length)] = analytic_flops(model, sizes.train_batch)
    name = f"L={length}"
    if length == config.seq_len:
      steps[name], forward[name] = calls["train_step"], calls["inference"]
      continue
    codes, y = compiled_calls.random_batch(
        max(sizes.train_batch, sizes.infer_batch), length)
    forward[name] = compiled_calls.forward_call(
        model_lib.inference_model(model), codes[:sizes.infer_batch],
        infer_jit)
    steps[name] = compiled_calls.train_step_call(
        model, codes[:sizes.train_batch], y[:sizes.train_batch], train_jit)
  log(f"  lengths {', '.join(map(str, sizes.lengths))}")
  return {"lengths": list(sizes.lengths), "flops": flops,
          "inference": timed_alternatives(forward, sizes.infer_batch, sizes,
                                          infer_jit),
          "training": timed_alternatives(steps, sizes.train_batch, sizes,
                                         train_jit, sizes.fit_warmup)}
