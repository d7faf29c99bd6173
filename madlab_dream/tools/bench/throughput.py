"""Training and inference throughput of the model, on any Keras backend:
for one precision policy, the matmul peak of its compute dtype, then per
XLA setting the compiled training step, `model.fit` and the inference
form's forward pass (`model_throughput`); and the model FLOP utilisation
(MFU) against that peak (`derive`)."""

from __future__ import annotations

import time
from typing import Any
from typing import Callable

import keras
from keras import ops

from madlab_dream import model as model_lib
from madlab_dream import timing
from madlab_dream.config import ModelConfig
from madlab_dream.tools.bench import compiled_calls
from madlab_dream.tools.bench.outputs import log
from madlab_dream.tools.bench.sizes import Sizes
from madlab_dream.training import optim

COMPUTE_DTYPE = {"float32": "float32", "mixed_bfloat16": "bfloat16"}


def build_in_policy(config: ModelConfig, precision: str) -> keras.Model:
  """The model built under a Keras policy (the global one is restored)."""
  keras.mixed_precision.set_global_policy(precision)
  try:
    return model_lib.build_model(config)
  finally:
    keras.mixed_precision.set_global_policy("float32")


def matmul_peak(n: int, reps: int, dtype: str) -> dict:
  """FLOP/s of an n x n x n `keras.ops.matmul` in `dtype`: the median and
  the best of `reps` calls after a first one."""
  a, b = (ops.cast(keras.random.normal((n, n), seed=s), dtype) for s in (1, 2))
  run = timing.call_windows(lambda: ops.matmul(a, b), 1, reps, warmup=0,
                            calls=1)
  return {"n": n, "dtype": dtype, "reps": reps,
          "flops_per_s": 2.0 * n ** 3 * run["per_s"],
          "best_flops_per_s": 2.0 * n ** 3 * max(run["windows_per_s"])}


def call_throughput(call: Callable[[], Any], batch: int,
                    sizes: Sizes) -> dict:
  """`timing.call_windows` of `call` (`batch` sequences each)."""
  return timing.call_windows(
      call, batch, sizes.windows, warmup=sizes.warmup,
      calibration=sizes.calibration, window_s=sizes.window_s,
      min_calls=sizes.min_calls)


class _StepEnds(keras.callbacks.Callback):
  """Stamps the end of every step, once its loss is read (it finished)."""

  def on_train_begin(self, logs=None):
    self.begin, self.ends = time.perf_counter(), []

  def on_train_batch_end(self, batch, logs=None):
    float(logs["loss"])
    self.ends.append(time.perf_counter())


def fit_throughput(model: keras.Model, fit_data: Callable[[int], dict],
                   batch: int, sizes: Sizes, steps: int, jit: bool) -> dict:
  """One `model.fit` call (MSE, RMSprop 1e-4) of `sizes.fit_warmup` +
  `sizes.windows` x `steps` steps on `fit_data(steps)`'s arguments."""
  if not model.compiled or model.jit_compile != jit:
    model.compile(optimizer=optim.make_optimizer(compiled_calls.OPTIMIZER),
                  loss="mse", jit_compile=jit)
  clock = _StepEnds()
  model.fit(**fit_data(sizes.fit_warmup + sizes.windows * steps), epochs=1,
            verbose=0, callbacks=[clock], shuffle=False)
  rates = timing.step_windows(clock.ends, sizes.fit_warmup, sizes.windows,
                              steps, batch)
  return {"first_call_s": clock.ends[0] - clock.begin, "window_calls": steps,
          "windows_per_s": rates, "per_s": timing.median(rates),
          "jit_compile": model.jit_compile is True}


def model_throughput(config: ModelConfig, precision: str, sizes: Sizes,
                     fit_data: Callable[[int], dict],
                     jit_modes=(True,)) -> tuple[dict, keras.Model, dict]:
  """The model's throughput in one Keras policy, per XLA setting.

  Returns ({"precision", "matmul", "parameters", "runs": {"xla"|"no_xla":
  {"train_step", "fit", "inference"}}}, the model, its compiled calls
  {"xla"|"no_xla": {"train_step", "inference"}} for reuse); `fit_data`
  gives `model.fit`'s data arguments for a number of steps.
  """
  result: dict[str, Any] = {"precision": precision, "runs": {}}
  result["matmul"] = matmul_peak(sizes.matmul_n, sizes.matmul_reps,
                                 COMPUTE_DTYPE[precision])
  log(f"[{precision}] matmul {result['matmul']['flops_per_s'] / 1e9:,.1f} "
      "GFLOP/s")
  model = build_in_policy(config, precision)
  result["parameters"] = model_lib.parameter_counts(model)["total"]
  inference = model_lib.inference_model(model)
  codes, targets = compiled_calls.random_batch(
      max(sizes.train_batch, sizes.infer_batch), config.seq_len)
  calls = {}
  for jit in jit_modes:
    mode = "xla" if jit else "no_xla"
    calls[mode] = {"train_step": compiled_calls.train_step_call(
        model, codes[:sizes.train_batch], targets[:sizes.train_batch], jit),
                   "inference": compiled_calls.forward_call(
        inference, codes[:sizes.infer_batch], jit)}
    step = call_throughput(calls[mode]["train_step"], sizes.train_batch,
                           sizes)
    result["runs"][mode] = {
        "train_step": step,
        "fit": fit_throughput(model, fit_data, sizes.train_batch, sizes,
                              max(sizes.fit_steps, step["window_calls"]),
                              jit),
        "inference": call_throughput(calls[mode]["inference"],
                                     sizes.infer_batch, sizes)}
    log(f"  {mode}: " + ", ".join(f"{kind} {run['per_s']:,.0f} seq/s" for
                                  kind, run in result["runs"][mode].items()))
  return result, model, calls


def derive(run: dict, flops: dict) -> dict:
  """Per kind of call of `run` (`model_throughput`'s) at its faster XLA
  setting: {kind, mode, seq_per_s, flops_per_s, mfu} (training: 3 x
  forward of `flops["train"]`); "training": the faster of train_step and
  fit."""
  runs, peak = run["runs"], run["matmul"]["flops_per_s"]
  out = {}
  for kind, per_seq in (("train_step", flops["train"]["train_3x"]),
                        ("fit", flops["train"]["train_3x"]),
                        ("inference", flops["inference"]["forward"])):
    mode = max(runs, key=lambda m: runs[m][kind]["per_s"])
    rate = runs[mode][kind]["per_s"]
    out[kind] = {"kind": kind, "mode": mode, "seq_per_s": rate,
                 "flops_per_s": rate * per_seq, "mfu": rate * per_seq / peak}
  out["training"] = max(out["train_step"], out["fit"],
                        key=lambda best: best["seq_per_s"])
  return out
