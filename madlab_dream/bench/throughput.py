"""Sections 2-4 as measured: input pipeline, training, inference, profile.

`bench_pipeline` runs in the benchmark's own process. `bench_model` is the
body of the model worker (`python -m madlab_dream.bench
--bench_worker_spec=SPEC`), a fresh process per device and precision: the
float32 matmul rate (the peak for MFU), training throughput of `model.fit`
with XLA on and off, inference throughput, the FLOP counts and the time
per block. Throughputs are medians of timed windows after warm-up.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from madlab_dream import data
from madlab_dream.bench import compare
from madlab_dream.bench.flops import analytic_flops
from madlab_dream.bench.flops import xla_flops
from madlab_dream.bench.measure import log
from madlab_dream.bench.measure import median
from madlab_dream.bench.plan import Sizes
from madlab_dream.config import ModelConfig
from madlab_dream.config import TrainConfig
from madlab_dream.train import optim


def bench_pipeline(cache, batch_size: int, batches: int, warmup: int) -> dict:
  """Sequences/s delivered by data.train_dataset over the cache.

  Args:
    cache: a loaded `data.Cache`.
    batch_size: sequences per batch.
    batches: timed batches.
    warmup: batches drawn before the timing starts.

  Returns:
    The sizes, sequences, wall_s, seq_per_s, setup_s and train_rows.
  """
  from madlab_dream import compat
  compat.tensorflow()
  t0 = time.perf_counter()
  ds = data.train_dataset(cache.train_codes, cache.train_targets, batch_size,
                          seed=0)
  iterator = iter(ds)
  build_s = time.perf_counter() - t0
  for _ in range(warmup):
    next(iterator)
  t0 = time.perf_counter()
  total = 0
  for _ in range(batches):
    codes, _ = next(iterator)
    total += int(codes.shape[0])
  wall = time.perf_counter() - t0
  result = {"batch_size": batch_size, "batches": batches, "warmup": warmup,
            "sequences": total, "wall_s": wall, "seq_per_s": total / wall,
            "setup_s": build_s, "train_rows": int(len(cache.train_codes))}
  log(f"input pipeline: {result['seq_per_s']:,.0f} sequences/s")
  return result


def matmul_peak(n: int, reps: int, dtype: str = "float32") -> dict:
  """FLOP/s of an n x n x n tf.matmul on the default device, median of reps."""
  import tensorflow as tf
  a = tf.cast(tf.random.stateless_normal([n, n], seed=[1, 2]), dtype)
  b = tf.cast(tf.random.stateless_normal([n, n], seed=[3, 4]), dtype)
  tf.matmul(a, b).numpy()  # warm-up
  times = []
  for _ in range(reps):
    t0 = time.perf_counter()
    tf.matmul(a, b).numpy()
    times.append(time.perf_counter() - t0)
  flops = 2.0 * n ** 3
  return {"n": n, "dtype": dtype, "reps": reps, "seconds": times,
          "flops_per_s": flops / median(times),
          "best_flops_per_s": flops / min(times)}


def _windows(times: list[float], warmup: int, windows: int, steps: int,
             batch: int) -> list[float]:
  """Sequences/s of consecutive windows of `steps` steps after `warmup`."""
  out = []
  for w in range(windows):
    start = times[warmup + w * steps - 1]
    end = times[warmup + (w + 1) * steps - 1]
    out.append(steps * batch / (end - start))
  return out


def bench_training(config: ModelConfig, cache, sizes: Sizes,
                   jit: bool) -> dict:
  """Training throughput of model.fit on data.train_dataset (batch fixed).

  One fit call of warmup + windows x steps steps (RMSprop 1e-4, MSE); a
  callback stamps the end of every step (after reading the loss, so the
  step has finished).

  Returns:
    The windows' and median sequences/s, the first step's time, whether
    XLA was requested and effective, and the trained `model` (for
    inference and the profile; not JSON).
  """
  import keras
  from madlab_dream import model as model_lib
  model = model_lib.build_model(config)
  optimizer = optim.make_optimizer(TrainConfig(optimizer="rmsprop",
                                               learning_rate=1e-4))
  model.compile(optimizer=optimizer, loss="mse", jit_compile=jit)
  ds = data.train_dataset(cache.train_codes, cache.train_targets,
                          sizes.train_batch, seed=1)

  class Clock(keras.callbacks.Callback):

    def __init__(self):
      super().__init__()
      self.times: list[float] = []

    def on_train_begin(self, logs=None):
      self.begin = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
      if logs and "loss" in logs:
        float(logs["loss"])
      self.times.append(time.perf_counter())

  clock = Clock()
  steps = sizes.train_warmup + sizes.train_windows * sizes.train_steps
  model.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0,
            callbacks=[clock], shuffle=False)  # the dataset shuffles itself
  rates = _windows(clock.times, sizes.train_warmup, sizes.train_windows,
                   sizes.train_steps, sizes.train_batch)
  return {"jit_compile_requested": jit,
          "jit_compile_effective": bool(model.jit_compile),
          "batch": sizes.train_batch, "warmup_steps": sizes.train_warmup,
          "first_step_s": clock.times[0] - clock.begin,
          "window_steps": sizes.train_steps, "windows_seq_per_s": rates,
          "seq_per_s": median(rates), "model": model}


def bench_inference(model, codes: np.ndarray, sizes: Sizes, jit: bool) -> dict:
  """Forward-only throughput of tf.function(jit_compile) model(x, False)
  (pass the inference form, `model.inference_model`)."""
  import tensorflow as tf
  fn = tf.function(lambda x: model(x, training=False), jit_compile=jit)
  x = tf.constant(np.asarray(codes[:sizes.infer_batch]))
  t0 = time.perf_counter()
  fn(x).numpy()
  first = time.perf_counter() - t0
  rates = []
  for _ in range(sizes.infer_windows):
    t0 = time.perf_counter()
    for _ in range(sizes.infer_steps):
      out = fn(x)
    out.numpy()
    rates.append(sizes.infer_steps * int(x.shape[0])
                 / (time.perf_counter() - t0))
  return {"jit_compile": jit, "batch": int(x.shape[0]), "first_call_s": first,
          "window_calls": sizes.infer_steps, "windows_seq_per_s": rates,
          "seq_per_s": median(rates)}


def _model_parts(model):
  """[(name, fn(x, training), layers owning its weights)] for the profile."""
  blocks = [layer for layer in model.layers
            if layer.name.startswith("transformer_block_")]
  one_hot = model.get_layer("one_hot")
  conv = model.get_layer("multi_scale_conv")
  bilstm = model.get_layer("bilstm")
  head = model.get_layer("expression")

  def conv_fn(x, training):
    return conv(one_hot(x), training=training)

  def blocks_fn(x, training):
    for block in blocks:
      x = block(x, training=training)
    return x

  return [("conv", conv_fn, [conv]),
          ("transformer", blocks_fn, blocks),
          ("bilstm", lambda x, t: bilstm(x, training=t), [bilstm]),
          ("head", lambda x, t: head(x), [head])]


def _time_calls(fn, args, reps: int) -> tuple[float, float]:
  """(first call s, median of reps s); every output is fetched."""
  import tensorflow as tf

  def run():
    out = fn(*args)
    tf.nest.map_structure(lambda t: t.numpy(), out)

  t0 = time.perf_counter()
  run()
  first = time.perf_counter() - t0
  times = []
  for _ in range(reps):
    t0 = time.perf_counter()
    run()
    times.append(time.perf_counter() - t0)
  return first, median(times)


def _forward_of(fn):
  return lambda inp: fn(inp, False)


def _gradients_of(fn, owners):
  """inp -> gradients of sum(fn(inp)) for the owners' weights (and inp)."""
  import tensorflow as tf
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


def profile_parts(model, inference, codes: np.ndarray, infer_batch: int,
                  train_batch: int, train_jit: bool, infer_jit: bool,
                  reps: int) -> dict:
  """Time per block: forward and forward+backward, same batches.

  Each block runs alone on the activations the previous blocks produce:
  the conv stack (one-hot + branches), the transformer blocks, the BiLSTM,
  the output Dense. Forward: the inference form (`inference`, BatchNorm
  folded) at the inference batch with inference's faster XLA setting;
  forward + gradients (weights, and the input when it is a float
  activation): `model` at the training batch with the training's.

  Returns:
    {"forward"|"train": {block: {batch, jit, first_s, seconds}}}.
  """
  import tensorflow as tf
  result = {}
  for mode, net, batch, jit in (("forward", inference, infer_batch,
                                 infer_jit),
                                ("train", model, train_batch, train_jit)):
    parts = _model_parts(net)
    x = tf.constant(np.asarray(codes[:batch]))
    for name, fn, owners in parts:
      if mode == "forward":
        call = tf.function(_forward_of(fn), jit_compile=jit)
      else:
        call = tf.function(_gradients_of(fn, owners), jit_compile=jit)
      first, seconds = _time_calls(call, (x,), reps)
      result.setdefault(mode, {})[name] = {"batch": batch, "jit": jit,
                                           "first_s": first,
                                           "seconds": seconds}
      # The next block's input: this block's forward output.
      x = tf.constant(fn(x, False).numpy()) if name != "head" else x
  return result


def bench_model(spec: dict) -> dict:
  """Sections 3-4 on this process's default device.

  Args:
    spec: the worker's JSON spec: cache_dir, bench_dir, sizes (a `Sizes`
      as a dict), precision (a Keras policy; default float32), jit_modes,
      and whether to count `flops` (with `flops_check`: settings replacing
      the model's for the XLA count), `compare` (the previous formulation,
      bfloat16, saturation mutagenesis: `bench.compare`) and `profile` the
      blocks.

  Returns:
    The device, precision, matmul peak, training runs and inference runs
    (of the inference form, BatchNorm folded) keyed "xla"/"no_xla", the
    parameter count and, as asked, the FLOP counts, the comparisons
    ("formulations", "precisions", "ism") and the profile.
  """
  from madlab_dream import compat
  from madlab_dream import model as model_lib
  tf = compat.tensorflow()
  import keras
  sizes = Sizes.from_dict(spec["sizes"])
  precision = spec.get("precision", "float32")
  if precision != "float32":
    keras.mixed_precision.set_global_policy(precision)
  compute_dtype = {"float32": "float32", "mixed_bfloat16": "bfloat16",
                   "mixed_float16": "float16"}[precision]
  gpus = tf.config.list_physical_devices("GPU")
  result: dict[str, Any] = {"device": "GPU" if gpus else "CPU",
                            "precision": precision}
  log(f"[{result['device']} {precision}] {compute_dtype} matmul peak "
      f"({sizes.matmul_n}^3)")
  result["matmul"] = matmul_peak(sizes.matmul_n, sizes.matmul_reps,
                                 compute_dtype)
  log(f"  {result['matmul']['flops_per_s'] / 1e9:,.1f} GFLOP/s")
  cache = data.load_cache(spec["cache_dir"])
  config = ModelConfig(**sizes.model)
  model = None
  result["training"] = {}
  for jit in spec.get("jit_modes", [True, False]):
    log(f"  training, XLA {'on' if jit else 'off'}: "
        f"{sizes.train_warmup} warm-up + {sizes.train_windows} x "
        f"{sizes.train_steps} steps of {sizes.train_batch}")
    run = bench_training(config, cache, sizes, jit)
    model = run.pop("model")
    result["training"]["xla" if jit else "no_xla"] = run
    log(f"    {run['seq_per_s']:,.0f} sequences/s (first step "
        f"{run['first_step_s']:.1f} s)")
  result["parameters"] = model_lib.parameter_counts(model)["total"]
  result["formulation"] = {"relative_logits": config.relative_logits,
                           "lstm_implementation": config.lstm_implementation,
                           "inference": "BatchNorm folded "
                                        "(model.inference_model)"}
  inference = model_lib.inference_model(model)
  result["inference"] = {}
  for jit in spec.get("jit_modes", [True, False]):
    log(f"  inference, XLA {'on' if jit else 'off'}: {sizes.infer_windows} x "
        f"{sizes.infer_steps} calls of {sizes.infer_batch}")
    run = bench_inference(inference, cache.train_codes, sizes, jit)
    result["inference"]["xla" if jit else "no_xla"] = run
    log(f"    {run['seq_per_s']:,.0f} sequences/s")
  train_jit = _best_jit(result["training"])
  infer_jit = _best_jit(result["inference"])
  if spec.get("compare", False):
    result["formulations"] = compare.compare_formulations(
        config, cache.train_codes, cache.train_targets, sizes, train_jit,
        infer_jit)
    result["precisions"] = compare.compare_precisions(
        config, cache.train_codes, cache.train_targets, sizes,
        result["matmul"], tuple(spec.get("jit_modes", [True, False])))
    result["ism"] = compare.bench_ism(model, cache.train_codes, sizes,
                                      spec["bench_dir"])
  if spec.get("flops", True):
    log("  FLOPs: analytic and from XLA's HLO")
    result["flops_analytic"] = analytic_flops(config, sizes.train_batch)
    result["flops_analytic_inference"] = analytic_flops(config,
                                                        sizes.infer_batch)
    # Tracing the unrolled LSTM takes ~20 s at L = 110; --quick checks a
    # shorter model.
    result["flops_xla"] = xla_flops(
        config.replace(**spec.get("flops_check", {})), sizes.train_batch)
  if spec.get("profile", True):
    log("  profile: time per block")
    result["profile"] = profile_parts(model, inference, cache.train_codes,
                                      sizes.infer_batch, sizes.train_batch,
                                      train_jit, infer_jit,
                                      sizes.profile_reps)
  return result


def _best_jit(runs: dict) -> bool:
  """Whether the faster of the runs ("xla"/"no_xla") is the XLA one."""
  return max(runs.items(), key=lambda kv: kv[1]["seq_per_s"])[0] == "xla"
