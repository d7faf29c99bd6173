"""float32 against mixed_bfloat16 on this CPU, and what
`--mixed_precision=auto`'s rule (`precision.verdict`) decides from it."""

from __future__ import annotations

import keras
import numpy as np

from madlab_dream import machine
from madlab_dream import model as model_lib
from madlab_dream.config import ModelConfig
from madlab_dream.tools import simulator as simulate
from madlab_dream.tools.bench import compiled_calls
from madlab_dream.tools.bench.comparisons import timed_alternatives
from madlab_dream.tools.bench.outputs import log
from madlab_dream.tools.bench.sizes import Sizes
from madlab_dream.tools.bench.throughput import build_in_policy
from madlab_dream.tools.bench.throughput import matmul_peak
from madlab_dream.training import optim
from madlab_dream.training import precision

BF16 = precision.BF16


def _simulated_rows(n: int, seq_len: int, seed: int):
  """Learnable rows: random codes, targets the simulator's activity plus
  noise, standardised (so that Pearson r after a budget means something)."""
  rng = np.random.default_rng(seed)
  codes = rng.integers(0, 4, (n, seq_len)).astype(np.uint8)
  y = simulate.activity(codes) + rng.normal(0.0, 1.0, n)
  return codes, ((y - y.mean()) / y.std()).astype(np.float32)


def _speeds(config: ModelConfig, model: keras.Model, steps: dict,
            sizes: Sizes) -> dict:
  """Training and inference A/B per XLA setting (`steps`' keys)."""
  bf16 = build_in_policy(config, BF16)
  bf16.set_weights(model.get_weights())
  folded = {"float32": model_lib.inference_model(model),
            BF16: model_lib.inference_model(bf16)}
  codes, targets = compiled_calls.random_batch(
      max(sizes.train_batch, sizes.infer_batch), config.seq_len)
  x = codes[:sizes.infer_batch]
  out = {"training": {}, "inference": {}, "max_abs_difference": 0.0}
  for mode, float32_step in steps.items():
    jit = mode == "xla"
    log(f"  float32 vs mixed_bfloat16, XLA {'on' if jit else 'off'}")
    out["training"][mode] = timed_alternatives(
        {"float32": float32_step, BF16: compiled_calls.train_step_call(
            bf16, codes[:sizes.train_batch], targets[:sizes.train_batch],
            jit)}, sizes.train_batch, sizes, jit, warmup=sizes.fit_warmup)
    calls = {name: compiled_calls.forward_call(net, x, jit)
             for name, net in folded.items()}
    a, b = (np.asarray(call(), np.float64) for call in calls.values())
    out["max_abs_difference"] = max(out["max_abs_difference"],
                                    float(np.abs(a - b).max()))
    out["inference"][mode] = timed_alternatives(calls, len(x), sizes, jit)
  return out


def compare_precisions(config: ModelConfig, model: keras.Model, steps: dict,
                       sizes: Sizes) -> dict:
  """The bfloat16 matmul rate; per XLA setting of `steps` (`model`'s
  compiled training steps) a training step and the inference form in both
  precisions, same weights, alternating ("training", "inference"); the
  accuracy after a fixed budget (`precision.accuracy_probe`, on simulated
  rows); and "auto": the rule's decision for the default --jit_compile."""
  result = {"matmul": matmul_peak(sizes.matmul_n, sizes.matmul_reps,
                                  "bfloat16"),
            **_speeds(config, model, steps, sizes)}
  run_jit = optim.resolve_jit("auto")
  log(f"  accuracy after {sizes.accuracy_steps} steps of "
      f"{sizes.accuracy_batch} (simulated rows)")
  n = sizes.accuracy_rows
  codes, y = _simulated_rows(n + sizes.accuracy_val_rows, config.seq_len,
                             config.seed)
  result["accuracy"] = precision.accuracy_probe(
      config, compiled_calls.OPTIMIZER, codes[:n], y[:n], codes[n:], y[n:],
      run_jit, steps=sizes.accuracy_steps, batch=sizes.accuracy_batch,
      val_rows=sizes.accuracy_val_rows)
  training = result["training"].get("xla" if run_jit else "no_xla",
                                    next(iter(result["training"].values())))
  seconds, units = training["seconds"], machine.has_bf16_matrix_units()
  value, reason = precision.verdict(
      "default", units, False, {"speedup": seconds["float32"] / seconds[BF16]},
      result["accuracy"])
  result["auto"] = {"mixed_precision": value, "reason": reason,
                    "bf16_matrix_units": units,
                    "jit_compile": training["jit_compile"]}
  return result
