"""A/B comparisons in the model worker, timed in alternating windows
(`timing.alternate`) so that other load on the machine affects both sides
alike: the previous formulation against the current one, float32 against
mixed_bfloat16, and saturation mutagenesis batched across sequences against
one sequence at a time.

  compare_formulations  issue 16's model (gathered relative keys, hoisted
                        BiLSTM, BatchNorm folded for inference) against the
                        formulation before it (Transformer-XL shift, Keras
                        Bidirectional LSTM, BatchNorm as a separate pass)
  compare_precisions    float32 and mixed_bfloat16: matmul rates, training
                        and inference, the accuracy after a fixed budget, and
                        what --mixed_precision=auto decides here
  bench_ism             sequences/s of batched saturation mutagenesis through
                        the exported SavedModel (`Predictor`)
"""

from __future__ import annotations

import os
import time

import numpy as np

from madlab_dream import timing
from madlab_dream.bench.measure import log
from madlab_dream.bench.plan import Sizes
from madlab_dream import config as cfg
from madlab_dream.config import ModelConfig
from madlab_dream.config import TrainConfig

#: The formulation before issue 16 (the same function and weights).
PREVIOUS = {"relative_logits": "shift", "lstm_implementation": "keras"}
BENCH_TRAIN = TrainConfig(optimizer="rmsprop", learning_rate=1e-4)


def _compiled(config: ModelConfig, jit: bool, weights=None):
  from madlab_dream import model as model_lib
  from madlab_dream.train import optim
  model = model_lib.build_model(config)
  if weights is not None:
    model.set_weights(weights)
  model.compile(optimizer=optim.make_optimizer(BENCH_TRAIN), loss="mse",
                jit_compile=jit)
  return model


def _forward(model, jit: bool):
  import tensorflow as tf
  return tf.function(lambda x: model(x, training=False), jit_compile=jit)


def _ab(times: dict[str, list[float]], batch: int, base: str,
        new: str) -> dict:
  median = timing.medians(times)
  return {"batch": batch, "window_seconds": times,
          "seconds": median,
          "seq_per_s": {k: batch / v for k, v in median.items()},
          "speedup": median[base] / median[new]}


def compare_formulations(config: ModelConfig, codes: np.ndarray,
                         targets: np.ndarray, sizes: Sizes, train_jit: bool,
                         infer_jit: bool) -> dict:
  """The current model against `PREVIOUS`, training and inference.

  Training: `train_on_batch` of both models (same initial weights, RMSprop
  1e-4, MSE) on one batch of `sizes.train_batch`, with the training's XLA
  setting. Inference: the previous model (`training=False`, BatchNorm a
  separate pass) against `model.inference_model` of the current one (same
  weights, BatchNorm folded) on one batch of `sizes.infer_batch`, with
  inference's XLA setting; their largest prediction difference is
  reported.

  Returns:
    {"previous": the settings, "training", "inference": {batch, seconds,
    seq_per_s, speedup (previous time / current time), window_seconds},
    "max_abs_difference"}.
  """
  import tensorflow as tf
  from madlab_dream import model as model_lib
  previous_config = config.replace(**PREVIOUS)
  x = np.asarray(codes[:sizes.train_batch])
  y = np.asarray(targets[:sizes.train_batch], np.float32).reshape(-1, 1)
  log(f"  previous vs current formulation: training, batch {len(x):,}, XLA "
      f"{'on' if train_jit else 'off'}")
  previous = _compiled(previous_config, train_jit)
  current = _compiled(config, train_jit, previous.get_weights())
  times = timing.alternate(
      {"previous": lambda: previous.train_on_batch(x, y),
       "current": lambda: current.train_on_batch(x, y)},
      windows=sizes.ab_windows, per_window=sizes.ab_steps,
      warmup=sizes.train_warmup, finish=lambda loss: float(np.asarray(loss)))
  training = {**_ab(times, len(x), "previous", "current"),
              "jit_compile": train_jit}
  log(f"    {training['speedup']:.2f}x")

  xi = tf.constant(np.asarray(codes[:sizes.infer_batch]))
  log(f"  previous vs current formulation: inference, batch "
      f"{int(xi.shape[0]):,}, XLA {'on' if infer_jit else 'off'}")
  previous = model_lib.build_model(previous_config)
  unfolded = model_lib.build_model(config)
  unfolded.set_weights(previous.get_weights())
  folded = model_lib.inference_model(unfolded)
  calls = {"previous": _forward(previous, infer_jit),
           "current": _forward(folded, infer_jit)}
  difference = float(np.abs(calls["previous"](xi).numpy()
                            - calls["current"](xi).numpy()).max())
  times = timing.alternate({k: (lambda f=f: f(xi)) for k, f in calls.items()},
                           windows=sizes.ab_windows, per_window=sizes.ab_steps,
                           warmup=1, finish=lambda out: out.numpy())
  inference = {**_ab(times, int(xi.shape[0]), "previous", "current"),
               "jit_compile": infer_jit}
  log(f"    {inference['speedup']:.2f}x (max |difference| {difference:.1e})")
  return {"previous": PREVIOUS, "training": training, "inference": inference,
          "max_abs_difference": difference}


def _simulated_rows(n: int, seq_len: int, seed: int):
  """Learnable rows: random codes, targets the simulator's activity plus
  noise, standardised (so that Pearson r after a budget means something)."""
  from madlab_dream import simulate
  rng = np.random.default_rng(seed)
  codes = rng.integers(0, 4, (n, seq_len)).astype(np.uint8)
  y = simulate.activity(codes) + rng.normal(0.0, 1.0, n)
  return codes, ((y - y.mean()) / y.std()).astype(np.float32)


def compare_precisions(config: ModelConfig, codes: np.ndarray,
                       targets: np.ndarray, sizes: Sizes,
                       float32_matmul: dict,
                       jit_modes: tuple[bool, ...] = (True, False)) -> dict:
  """float32 against mixed_bfloat16 on this machine.

  The bfloat16 matmul rate (beside the float32 one measured before); with
  XLA on and off: training step time (`precision.speed_probe`: the probe
  --mixed_precision=auto runs, same batch, interleaved) and inference (the
  folded model in both precisions, same weights, interleaved), with the
  largest prediction difference; the accuracy after a fixed budget
  (`precision.accuracy_probe` on simulated, learnable rows: both from the
  same initial weights on the same batches); and auto's decision from
  these (`precision.verdict`) for a run with the default --jit_compile.

  Returns:
    {"matmul": {float32, bfloat16}, "training": {"xla"|"no_xla": speed
    probe}, "inference": {"xla"|"no_xla": A/B}, "accuracy",
    "max_abs_difference", "auto": {"mixed_precision", "reason",
    "bf16_matrix_units", "jit_compile"}}.
  """
  import keras
  import tensorflow as tf
  from madlab_dream import machine
  from madlab_dream import model as model_lib
  from madlab_dream.bench.throughput import matmul_peak
  from madlab_dream.train import optim
  from madlab_dream.train import precision
  log(f"  bfloat16 matmul peak ({sizes.matmul_n}^3)")
  bf16_matmul = matmul_peak(sizes.matmul_n, sizes.matmul_reps, "bfloat16")
  log(f"    {bf16_matmul['flops_per_s'] / 1e9:,.1f} GFLOP/s")
  x = np.asarray(codes[:sizes.train_batch])
  y = np.asarray(targets[:len(x)])
  xi = tf.constant(np.asarray(codes[:sizes.infer_batch]))
  reference = model_lib.build_model(config)
  keras.mixed_precision.set_global_policy(precision.BF16)
  try:
    bf16 = model_lib.build_model(config)
  finally:
    keras.mixed_precision.set_global_policy("float32")
  bf16.set_weights(reference.get_weights())
  folded = {"float32": model_lib.inference_model(reference),
            precision.BF16: model_lib.inference_model(bf16)}
  training, inference, difference = {}, {}, 0.0
  for jit in jit_modes:
    key = "xla" if jit else "no_xla"
    log(f"  float32 vs mixed_bfloat16, XLA {'on' if jit else 'off'}: "
        f"training, batch {len(x):,}")
    training[key] = precision.speed_probe(
        config, BENCH_TRAIN.replace(batch_size=len(x)), x, y, jit,
        windows=sizes.ab_windows, steps=sizes.ab_steps,
        warmup=sizes.train_warmup)
    log(f"    bfloat16 {training[key]['speedup']:.2f}x; inference, batch "
        f"{int(xi.shape[0]):,}")
    calls = {k: _forward(m, jit) for k, m in folded.items()}
    outputs = {k: f(xi).numpy()[:, 0].astype(np.float64)
               for k, f in calls.items()}
    difference = max(difference, float(np.abs(
        outputs["float32"] - outputs[precision.BF16]).max()))
    times = timing.alternate(
        {k: (lambda f=f: f(xi)) for k, f in calls.items()},
        windows=sizes.ab_windows, per_window=sizes.ab_steps, warmup=1,
        finish=lambda out: out.numpy())
    inference[key] = {**_ab(times, int(xi.shape[0]), "float32",
                            precision.BF16), "jit_compile": jit}
    log(f"    bfloat16 {inference[key]['speedup']:.2f}x")

  run_jit = optim.resolve_jit(BENCH_TRAIN.jit_compile)
  log(f"  accuracy after {sizes.accuracy_steps} steps of "
      f"{sizes.accuracy_batch} at {cfg.AUTO_BF16_PROBE_LEARNING_RATE:g} "
      "(simulated rows)")
  sim_codes, sim_y = _simulated_rows(
      sizes.accuracy_rows + sizes.accuracy_val_rows, config.seq_len,
      config.seed)
  n = sizes.accuracy_rows
  accuracy = precision.accuracy_probe(
      config, BENCH_TRAIN, sim_codes[:n], sim_y[:n], sim_codes[n:],
      sim_y[n:], run_jit, steps=sizes.accuracy_steps,
      batch=sizes.accuracy_batch, val_rows=sizes.accuracy_val_rows)
  log(f"    r float32 {accuracy['pearson']['float32']:.4f}, bfloat16 "
      f"{accuracy['pearson'][precision.BF16]:.4f}")
  units = machine.has_bf16_matrix_units()
  speed = training.get("xla" if run_jit else "no_xla",
                       next(iter(training.values())))
  value, reason = precision.verdict(
      "default", units, bool(tf.config.list_physical_devices("GPU")),
      speed, accuracy)
  return {"matmul": {"float32": float32_matmul, "bfloat16": bf16_matmul},
          "training": training, "inference": inference, "accuracy": accuracy,
          "max_abs_difference": difference,
          "auto": {"mixed_precision": value, "reason": reason,
                   "bf16_matrix_units": units, "jit_compile": run_jit}}


def bench_ism(model, codes: np.ndarray, sizes: Sizes, bench_dir: str) -> dict:
  """Sequences/s of saturation mutagenesis through the SavedModel.

  The trained model is exported (`export_saved_model`: BatchNorm folded)
  and loaded as a `Predictor` (batches of `sizes.infer_batch`);
  `ism_codes` then predicts the references and all 3 L single-nucleotide
  variants of `sizes.ism_sequences` sequences (the first of `codes`
  without N) together; beside it,
  `saturation_mutagenesis` one sequence at a time (one batch of 3 L
  variants each) on `sizes.ism_single` of them.

  Returns:
    {"sequences", "variants", "seconds", "seq_per_s", "variants_per_s",
    "batch", "one_at_a_time": {"sequences", "seconds", "seq_per_s"},
    "speedup"}.
  """
  from madlab_dream.inference import export
  from madlab_dream.inference import variants
  from madlab_dream.inference.predictor import Predictor
  from madlab_dream.io import sequences
  path = os.path.join(bench_dir, "ism_saved_model")
  seq_len = int(codes.shape[1])
  export.export_saved_model(model, path, 0.0, 1.0, seq_len)
  predictor = Predictor(path, batch_size=sizes.infer_batch)
  whole = np.flatnonzero((np.asarray(codes) < 4).all(axis=1))  # no N
  batch = np.asarray(codes[whole[:sizes.ism_sequences]])
  variants.ism_codes(predictor, batch[:2])  # warm-up: first calls
  log(f"  saturation mutagenesis: {len(batch):,} sequences")
  t0 = time.perf_counter()
  ism = variants.ism_codes(predictor, batch)
  seconds = time.perf_counter() - t0
  texts = ["".join(sequences.ALPHABET[c] for c in row)
           for row in batch[:sizes.ism_single]]
  t0 = time.perf_counter()
  for text in texts:
    variants.saturation_mutagenesis(predictor, text)
  single = time.perf_counter() - t0
  result = {"sequences": len(batch), "variants": int(len(ism["effect"])),
            "seconds": seconds, "seq_per_s": len(batch) / seconds,
            "variants_per_s": len(ism["effect"]) / seconds,
            "batch": sizes.infer_batch,
            "one_at_a_time": {"sequences": len(texts), "seconds": single,
                              "seq_per_s": len(texts) / single}}
  result["speedup"] = result["seq_per_s"] / result["one_at_a_time"][
      "seq_per_s"]
  log(f"    {result['seq_per_s']:,.1f} sequences/s "
      f"({result['variants_per_s']:,.0f} variants/s); one at a time "
      f"{result['one_at_a_time']['seq_per_s']:,.1f} sequences/s")
  return result
