"""`python -m madlab_dream.bench --backend=jax`: the model on whatever
accelerator JAX sees (Keras on JAX, XLA), with no TensorFlow: its
throughput per precision (`model.fit` on NumPy arrays, host batches), and
in float32 the comparisons: the reference formulation, the candidate
formulations of the layers (with XLA's figures of each compiled step),
sequence lengths."""

from __future__ import annotations

from typing import Sequence

import keras

from madlab_dream import machine
from madlab_dream.config import ModelConfig
from madlab_dream.errors import InputError
from madlab_dream.tools.bench import comparisons
from madlab_dream.tools.bench import outputs
from madlab_dream.tools.bench import throughput
from madlab_dream.tools.bench.compiled_calls import random_batch
from madlab_dream.tools.bench.flops import analytic_flops
from madlab_dream.tools.bench.outputs import log
from madlab_dream.tools.bench.sizes import ACCELERATOR
from madlab_dream.tools.bench.sizes import QUICK


def device_info() -> dict:
  """The devices JAX computes on (the first one is used)."""
  import jax  # noqa: PLC0415 (installed only where Keras runs on JAX)
  devices = jax.devices()
  return {"platform": devices[0].platform, "kind": devices[0].device_kind,
          "count": len(devices), "jax": jax.__version__,
          "matmul_precision": str(jax.config.jax_default_matmul_precision)}


def run_jax_benchmark(output: str, quick: bool = False,
                      argv: Sequence[str] = ()) -> dict:
  """Measures the model on JAX's device; writes `output` and its .json.

  Raises:
    InputError: Keras is not on JAX, or `output` cannot be written.
  """
  if keras.backend.backend() != "jax":
    raise InputError("--backend=jax needs Keras on JAX: set KERAS_BACKEND=jax "
                     "before Keras is imported (it is on "
                     f"{keras.backend.backend()})")
  sizes = QUICK if quick else ACCELERATOR
  results = outputs.start(output, argv, quick, sizes,
                          machine.describe(with_tensorflow=False))
  results["device"] = device = device_info()
  log(f"JAX {device['jax']} on {device['count']} x {device['kind']}")
  config = ModelConfig(**sizes.model)

  def fit_data(steps: int) -> dict:
    codes, targets = random_batch(steps * sizes.train_batch, config.seq_len)
    return {"x": codes, "y": targets, "batch_size": sizes.train_batch}

  results.update(runs={}, derived={})
  for precision in sizes.precisions:
    run, model, calls = throughput.model_throughput(config, precision, sizes,
                                                    fit_data)
    results["flops"] = {"train": analytic_flops(model, sizes.train_batch),
                        "inference": analytic_flops(model, sizes.infer_batch)}
    results["runs"][precision] = run
    results["derived"][precision] = throughput.derive(run, results["flops"])
    if precision == "float32":
      results["formulations"] = comparisons.compare_formulations(
          model, calls["xla"]["train_step"], sizes, True, True)
      results["candidates"] = comparisons.compare_candidates(
          model, calls["xla"]["train_step"], sizes)
      results["lengths"] = comparisons.compare_lengths(
          config, calls["xla"], sizes, True, True)
  return outputs.finish(results, output)
