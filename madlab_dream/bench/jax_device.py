"""The model's speed on whatever accelerator JAX sees (`--backend=jax`).

Keras runs on its JAX backend, so XLA compiles everything and TensorFlow is
never imported (the lent GPU machines have JAX with CUDA and no
TensorFlow). For float32, then mixed_bfloat16 (the policy set before the
model is built), in this one process:

  1. the matmul rate of the compute dtype: an n x n x n `jax.numpy` product,
     timed with `block_until_ready` (the MFU denominator);
  2. training: one jitted step = `model.stateless_call` in training mode,
     MSE + the L2 terms, `jax.value_and_grad`, RMSprop 1e-4
     (`optimizer.stateless_apply`), the state donated: what Keras's JAX
     `fit` compiles, without its Python loop. The batches (random uint8
     codes, random targets) are on the device before the clock starts;
  3. the same model through `model.fit(jit_compile=True)` on NumPy arrays
     (host batches, Keras's loop), as a cross-check of that loop's cost;
  4. inference: jitted `model.stateless_call(training=False)` on device
     batches.

Every figure is the median of timed windows after the compiling first call,
a warm-up and a calibration that sizes the windows (`plan.DeviceSizes`);
each window ends by waiting for its last result. MFU uses
`flops.analytic_flops` (training: 3 x forward, as the CPU report).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
from typing import Any, Callable, Sequence

import numpy as np

from madlab_dream import machine
from madlab_dream.bench.flops import analytic_flops
from madlab_dream.bench.measure import log
from madlab_dream.bench.measure import median
from madlab_dream.bench.plan import DEVICE_FULL
from madlab_dream.bench.plan import DEVICE_QUICK
from madlab_dream.bench.plan import EPOCH_ROWS
from madlab_dream.bench.plan import GPU_TARGET_SCHEDULE_MIN
from madlab_dream.bench.plan import GPU_TARGET_SEQ_PER_S
from madlab_dream.bench.plan import SCHEDULE_EXAMPLES
from madlab_dream.bench.plan import DeviceSizes
from madlab_dream.config import ModelConfig
from madlab_dream.config import TrainConfig
from madlab_dream.errors import InputError
from madlab_dream.io import files

PRECISIONS = ("float32", "mixed_bfloat16")
_COMPUTE_DTYPE = {"float32": "float32", "mixed_bfloat16": "bfloat16"}
#: MadLab's optimiser (the step's cost does not depend on the rate).
OPTIMIZER = TrainConfig(optimizer="rmsprop", learning_rate=1e-4)


def device_info() -> dict:
  """The devices JAX computes on (the first one is used)."""
  import jax
  devices = jax.devices()
  return {"platform": devices[0].platform, "kind": devices[0].device_kind,
          "count": len(devices), "jax": jax.__version__,
          "matmul_precision": str(getattr(
              jax.config, "jax_default_matmul_precision", None))}


def matmul_rate(n: int, reps: int, dtype: str) -> dict:
  """FLOP/s of a jitted n x n x n product in `dtype`, median of reps."""
  import jax
  import jax.numpy as jnp
  key_a, key_b = jax.random.split(jax.random.key(0))
  a = jax.random.normal(key_a, (n, n), jnp.float32).astype(dtype)
  b = jax.random.normal(key_b, (n, n), jnp.float32).astype(dtype)
  product = jax.jit(jnp.matmul)
  product(a, b).block_until_ready()  # compiles
  times = []
  for _ in range(reps):
    t0 = time.perf_counter()
    product(a, b).block_until_ready()
    times.append(time.perf_counter() - t0)
  flops = 2.0 * n ** 3
  return {"n": n, "dtype": dtype, "reps": reps, "seconds": times,
          "flops_per_s": flops / median(times),
          "best_flops_per_s": flops / min(times)}


def timed_windows(run: Callable[[int], None], sizes: DeviceSizes,
                  per_step: int, steps: int | None = None) -> dict:
  """Sequences/s of `run` in windows, after compilation and warm-up.

  Args:
    run: run(k) runs k steps (calls) and waits for the last result.
    sizes: warm-up, calibration, windows and their length.
    per_step: sequences per step.
    steps: steps per window; None: as many as fit in `sizes.window_s` at
      the calibration's rate (at least `sizes.min_steps`).

  Returns:
    first_call_s (compilation included), window_steps, windows_seq_per_s
    and their median seq_per_s.
  """
  t0 = time.perf_counter()
  run(1)
  first = time.perf_counter() - t0
  run(sizes.warmup)
  if steps is None:
    t0 = time.perf_counter()
    run(sizes.calibration)
    per_step_s = (time.perf_counter() - t0) / sizes.calibration
    steps = max(sizes.min_steps, math.ceil(sizes.window_s / per_step_s))
  rates = []
  for _ in range(sizes.windows):
    t0 = time.perf_counter()
    run(steps)
    rates.append(steps * per_step / (time.perf_counter() - t0))
  return {"first_call_s": first, "window_steps": steps,
          "windows_seq_per_s": rates, "seq_per_s": median(rates)}


def _device_batches(sizes: DeviceSizes, seq_len: int, batch: int):
  """`sizes.batches` random (codes uint8, targets float32) on the device."""
  import jax
  rng = np.random.default_rng(0)
  return [(jax.device_put(rng.integers(0, 5, (batch, seq_len), np.uint8)),
           jax.device_put(rng.normal(size=batch).astype(np.float32)))
          for _ in range(sizes.batches)]


def make_train_step(model, optimizer):
  """jit(step(state, codes, y) -> (state, loss)); the state is donated.

  state = (trainable, non_trainable, optimizer) variable values. The loss
  is the training-mode MSE plus the model's L2 terms, as `fit` computes it.
  """
  import jax
  from keras import ops

  def loss_of(trainable, non_trainable, codes, y):
    pred, non_trainable, losses = model.stateless_call(
        trainable, non_trainable, codes, training=True, return_losses=True)
    mse = ops.mean(ops.square(ops.cast(pred[:, 0], "float32") - y))
    return mse + sum(losses), non_trainable

  gradients = jax.value_and_grad(loss_of, has_aux=True)

  def step(state, codes, y):
    trainable, non_trainable, optimizer_values = state
    (loss, non_trainable), grads = gradients(trainable, non_trainable,
                                             codes, y)
    trainable, optimizer_values = optimizer.stateless_apply(
        optimizer_values, grads, trainable)
    return (trainable, non_trainable, optimizer_values), loss

  return jax.jit(step, donate_argnums=0)


def _values(variables) -> list:
  """Copies of the variables' arrays (a donated state must own its own)."""
  import jax.numpy as jnp
  return [jnp.array(v.value, copy=True) for v in variables]


def bench_train_step(model, sizes: DeviceSizes) -> dict:
  """Training sequences/s of the jitted step on device-resident batches."""
  from madlab_dream.train import optim
  optimizer = optim.make_optimizer(OPTIMIZER)
  optimizer.build(model.trainable_variables)
  step = make_train_step(model, optimizer)
  batches = _device_batches(sizes, model.input.shape[1], sizes.train_batch)
  state = (_values(model.trainable_variables),
           _values(model.non_trainable_variables),
           _values(optimizer.variables))
  losses = []

  def run(k):
    nonlocal state
    for i in range(k):
      state, loss = step(state, *batches[i % len(batches)])
    losses.append(float(loss))  # waits for the last step

  result = timed_windows(run, sizes, sizes.train_batch)
  result["loss_first_last"] = [losses[0], losses[-1]]
  result["finite"] = bool(np.isfinite(losses).all())
  return result


def bench_fit(model, sizes: DeviceSizes, steps: int) -> dict:
  """Training sequences/s of `model.fit(jit_compile=True)` on NumPy arrays.

  Each window is one fit call of `steps` steps (the jitted step's window
  length) over host arrays; Keras moves each batch to the device.
  """
  from madlab_dream.train import optim
  model.compile(optimizer=optim.make_optimizer(OPTIMIZER), loss="mse",
                jit_compile=True)
  rng = np.random.default_rng(1)
  rows = max(steps, 1 + sizes.warmup) * sizes.train_batch
  codes = rng.integers(0, 5, (rows, model.input.shape[1]), np.uint8)
  y = rng.normal(size=rows).astype(np.float32)

  def run(k):
    n = k * sizes.train_batch
    model.fit(codes[:n], y[:n], batch_size=sizes.train_batch, epochs=1,
              shuffle=False, verbose=0)

  result = timed_windows(run, sizes, sizes.train_batch, steps=steps)
  result["jit_compile"] = model.jit_compile is True
  return result


def bench_inference(model, sizes: DeviceSizes) -> dict:
  """Inference sequences/s of the jitted forward pass on device batches."""
  import jax

  forward = jax.jit(lambda trainable, non_trainable, codes:
                    model.stateless_call(trainable, non_trainable, codes,
                                         training=False)[0])
  batches = _device_batches(sizes, model.input.shape[1], sizes.infer_batch)
  trainable = [v.value for v in model.trainable_variables]
  non_trainable = [v.value for v in model.non_trainable_variables]

  def run(k):
    for i in range(k):
      out = forward(trainable, non_trainable, batches[i % len(batches)][0])
    out.block_until_ready()

  return timed_windows(run, sizes, sizes.infer_batch)


def derive(run: dict, flops: dict) -> dict:
  """MFU, epoch and schedule time, and the target, from one precision."""
  peak = run["matmul"]["flops_per_s"]
  train = run["train_step"]["seq_per_s"]
  out = {
      "train_mfu": train * flops["train"]["train_3x"] / peak,
      "fit_mfu": run["fit"]["seq_per_s"] * flops["train"]["train_3x"] / peak,
      "infer_mfu": (run["inference"]["seq_per_s"]
                    * flops["inference"]["forward"] / peak),
      "epoch_s": EPOCH_ROWS / train,
      "schedule_s": SCHEDULE_EXAMPLES / train,
  }
  out["target_met"] = bool(train >= GPU_TARGET_SEQ_PER_S and
                           out["schedule_s"] < 60 * GPU_TARGET_SCHEDULE_MIN)
  return out


def bench_precision(precision: str, config: ModelConfig,
                    sizes: DeviceSizes) -> dict:
  """Sections 1-4 of the module doc for one precision policy."""
  import keras
  from madlab_dream import model as model_lib
  dtype = _COMPUTE_DTYPE[precision]
  result: dict[str, Any] = {"precision": precision}
  log(f"[{precision}] {dtype} matmul rate ({sizes.matmul_n}^3)")
  result["matmul"] = matmul_rate(sizes.matmul_n, sizes.matmul_reps, dtype)
  log(f"  {result['matmul']['flops_per_s'] / 1e12:,.2f} TFLOP/s")
  keras.mixed_precision.set_global_policy(precision)
  try:
    model = model_lib.build_model(config)
  finally:
    keras.mixed_precision.set_global_policy("float32")
  log(f"  training step, batch {sizes.train_batch} (device batches)")
  result["train_step"] = bench_train_step(model, sizes)
  log(f"    {result['train_step']['seq_per_s']:,.0f} sequences/s (first "
      f"call {result['train_step']['first_call_s']:.1f} s)")
  log("  model.fit on NumPy arrays, same steps per window")
  result["fit"] = bench_fit(model, sizes,
                            result["train_step"]["window_steps"])
  log(f"    {result['fit']['seq_per_s']:,.0f} sequences/s")
  log(f"  inference, batch {sizes.infer_batch}")
  result["inference"] = bench_inference(model, sizes)
  log(f"    {result['inference']['seq_per_s']:,.0f} sequences/s")
  return result


def run_device_benchmark(output: str, quick: bool = False,
                         argv: Sequence[str] = (),
                         precisions: Sequence[str] = PRECISIONS) -> dict:
  """Measures every precision and writes `output` (.md) and its .json.

  Raises:
    InputError: Keras is not on its JAX backend, or `output` cannot be
      written.
  """
  import keras
  from madlab_dream.bench.jax_report import render_device_markdown
  if keras.backend.backend() != "jax":
    raise InputError("--backend=jax needs Keras on JAX: set KERAS_BACKEND=jax "
                     f"before Keras is imported (it is on "
                     f"{keras.backend.backend()})")
  t_start = time.perf_counter()
  files.check_output(output)
  json_path = os.path.splitext(output)[0] + ".json"
  sizes = DEVICE_QUICK if quick else DEVICE_FULL
  config = ModelConfig(**sizes.model)
  results: dict[str, Any] = {
      "argv": "".join(f" {a}" for a in argv), "quick": quick,
      "date": time.strftime("%Y-%m-%d %H:%M %Z"), "json": json_path,
      "device": device_info(),
      "hardware": machine.describe(with_tensorflow=False),
      "sizes": dataclasses.asdict(sizes), "model": config.to_dict(),
      "parameters": None,
      "flops": {"train": analytic_flops(config, sizes.train_batch),
                "inference": analytic_flops(config, sizes.infer_batch)},
      "targets": {"train_seq_per_s": GPU_TARGET_SEQ_PER_S,
                  "schedule_min": GPU_TARGET_SCHEDULE_MIN},
      "precisions": {}}
  d = results["device"]
  log(f"JAX {d['jax']} on {d['count']} x {d['kind']} ({d['platform']}); "
      f"{'quick: tiny model' if quick else 'MadLab preset'}")
  from madlab_dream import model as model_lib
  results["parameters"] = model_lib.parameter_counts(
      model_lib.build_model(config))["total"]
  for precision in precisions:
    run = bench_precision(precision, config, sizes)
    run["derived"] = derive(run, results["flops"])
    results["precisions"][precision] = run
  results["total_s"] = time.perf_counter() - t_start
  files.write_text(json_path, _json(results))
  files.write_text(output, render_device_markdown(results))
  log(f"wrote {output} and {json_path} ({results['total_s']:.0f} s)")
  return results


def _json(results: dict) -> str:
  return json.dumps(results, indent=1, default=float) + "\n"
