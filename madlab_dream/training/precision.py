"""`--mixed_precision=auto`: float32 or mixed_bfloat16, decided on this
machine at the start of the run.

  resolve          the decision, with the figures it was taken on
  speed_probe      training step time of float32 and mixed_bfloat16,
                   interleaved windows on one batch
  accuracy_probe   validation Pearson r of both after the same fixed budget
                   of steps from the same initial weights
  keras_policy     a --mixed_precision value -> a Keras policy name

How auto decides (thresholds in `config`: AUTO_BF16_*):

  1. An explicit value (none, mixed_float16, mixed_bfloat16) is kept.
  2. A distribution strategy other than the default: float32 (the probes
     measure one device).
  3. No bfloat16 matrix units: a CPU without AMX-BF16 or AVX512-BF16
     (`machine.has_bf16_matrix_units`, from /proc/cpuinfo) and no GPU:
     float32, without measuring (bfloat16 would be emulated).
  4. Otherwise the speed probe: mixed_bfloat16 must make a training step at
     least AUTO_BF16_MIN_SPEEDUP times faster than float32 (the same model,
     batch, optimizer and XLA setting as the run, timed in alternating
     windows so that other load on the machine affects both alike); if not:
     float32.
  5. Then the accuracy probe: both precisions train AUTO_BF16_PROBE_STEPS
     steps of AUTO_BF16_PROBE_BATCH rows at AUTO_BF16_PROBE_LEARNING_RATE
     (the run's optimizer and loss otherwise: a budget in which the model
     learns, whatever the run's batch and rate) from the same initial
     weights on the same batches of the run's own training rows (fewer
     steps when the run itself trains on fewer sequences);
     mixed_bfloat16 is taken only if its Pearson r on
     (up to AUTO_BF16_PROBE_VAL_ROWS of) the validation rows is at most
     AUTO_BF16_MAX_R_DROP below float32's. Without validation rows: float32.

The run records the decision (`report.json` "precision", `precision.json`
in the run directory; a resumed run reuses it instead of deciding again).
`make bench` runs the same probes on its machine and reports them
(BENCHMARKS.md, "bfloat16").
"""

from __future__ import annotations

import json
import os
import time
from typing import Callable

import keras
import numpy as np

from madlab_dream import config as cfg
from madlab_dream import machine
from madlab_dream import metrics
from madlab_dream import model as model_lib
from madlab_dream import timing
from madlab_dream.io import files
from madlab_dream.training import devices
from madlab_dream.training import optim

NO_MIXED_PRECISION = "none"
BF16 = "mixed_bfloat16"
RECORD_FILE = "precision.json"


def keras_policy(mixed_precision: str) -> str:
  """The Keras policy of a resolved --mixed_precision value."""
  if mixed_precision == "auto":
    raise ValueError("resolve --mixed_precision=auto first")
  if mixed_precision == NO_MIXED_PRECISION:
    return "float32"
  return mixed_precision


def _build(model_config: cfg.ModelConfig, policy: str):
  """The model built under the Keras `policy` (the global policy is
  restored to float32)."""
  keras.mixed_precision.set_global_policy(policy)
  try:
    return model_lib.build_model(model_config)
  finally:
    keras.mixed_precision.set_global_policy("float32")


def _compiled(model_config, train_config, policy, jit, weights=None):
  model = _build(model_config, policy)
  if weights is not None:
    model.set_weights(weights)
  model.compile(optimizer=optim.make_optimizer(
                    train_config.replace(lr_schedule="constant",
                                         warmup_fraction=None)),
                loss=optim.make_loss(train_config.loss), jit_compile=jit)
  return model


def speed_probe(model_config: cfg.ModelConfig, train_config: cfg.TrainConfig,
                codes: np.ndarray, targets: np.ndarray, jit: bool,
                windows: int = 3, steps: int = 2, warmup: int = 2) -> dict:
  """Seconds per training step of float32 and mixed_bfloat16, interleaved.

  Both models train on the same batch (`codes` uint8 [batch, L], `targets`
  [batch]) with the run's optimizer (constant rate), loss and XLA setting:
  `warmup` steps each (compilation), then `windows` windows of `steps`
  steps, alternating float32, bfloat16, bfloat16, float32, ...

  Returns:
    {"batch", "jit_compile", "windows", "seconds_per_step": {policy:
    median}, "window_seconds": {policy: [...]}, "speedup": float32 time /
    bfloat16 time}.
  """
  y = np.asarray(targets, np.float32).reshape(-1, 1)
  models = {policy: _compiled(model_config, train_config, policy, jit)
            for policy in ("float32", BF16)}
  times = timing.alternate(
      {policy: (lambda m=model: m.train_on_batch(codes, y))
       for policy, model in models.items()},
      windows=windows, per_window=steps, warmup=warmup,
      finish=lambda loss: float(np.asarray(loss)))
  median = timing.medians(times)
  return {"batch": int(len(codes)), "jit_compile": bool(jit),
          "windows": windows, "steps_per_window": steps,
          "seconds_per_step": median, "window_seconds": times,
          "speedup": median["float32"] / median[BF16]}


def accuracy_probe(model_config: cfg.ModelConfig,
                   train_config: cfg.TrainConfig, train_codes: np.ndarray,
                   train_targets: np.ndarray, val_codes: np.ndarray,
                   val_targets: np.ndarray, jit: bool,
                   steps: int = cfg.AUTO_BF16_PROBE_STEPS,
                   batch: int = cfg.AUTO_BF16_PROBE_BATCH,
                   learning_rate: float = cfg.AUTO_BF16_PROBE_LEARNING_RATE,
                   val_rows: int = cfg.AUTO_BF16_PROBE_VAL_ROWS,
                   seed: int = cfg.SEED) -> dict:
  """Validation Pearson r of float32 and mixed_bfloat16 after `steps`.

  Both start from the same initial weights (float32's, built for
  `model_config.seed`) and train with `train_config`'s optimizer and loss
  at a constant `learning_rate` on the same `steps` batches of `batch`
  rows, drawn with `seed` from the training rows; both predict the same
  first `val_rows` validation rows.

  Returns:
    {"steps", "batch", "learning_rate", "val_rows", "pearson": {policy: r},
    "difference":
    r(bf16) - r(float32), "max_drop", "within": the difference is at least
    -max_drop, "seconds"}.
  """
  t0 = time.perf_counter()
  batch = int(batch)
  train_config = train_config.replace(learning_rate=float(learning_rate))
  rng = np.random.default_rng([seed, 16])
  rows = rng.integers(0, len(train_codes), (steps, batch))
  val_codes = np.asarray(val_codes[:val_rows])
  val_targets = np.asarray(val_targets[:val_rows], np.float64)
  initial = _build(model_config, "float32").get_weights()
  pearson = {}
  for policy in ("float32", BF16):
    model = _compiled(model_config, train_config, policy, jit, initial)
    for index in rows:
      model.train_on_batch(np.asarray(train_codes[index]),
                           np.asarray(train_targets[index],
                                      np.float32).reshape(-1, 1))
    predictions = np.concatenate([
        np.asarray(model.predict_on_batch(val_codes[i:i + 4096]),
                   np.float64)[:, 0]
        for i in range(0, len(val_codes), 4096)])
    pearson[policy] = metrics.pearson(val_targets, predictions)
  difference = pearson[BF16] - pearson["float32"]
  return {"steps": int(steps), "batch": batch,
          "learning_rate": float(learning_rate), "val_rows": len(val_codes),
          "pearson": pearson, "difference": float(difference),
          "max_drop": cfg.AUTO_BF16_MAX_R_DROP,
          "within": bool(difference >= -cfg.AUTO_BF16_MAX_R_DROP),
          "seconds": time.perf_counter() - t0}


def _has_gpu() -> bool:
  return devices.has_accelerator()


def verdict(strategy: str, units: bool, gpu: bool, speed: dict | None = None,
            accuracy: dict | None = None, has_validation: bool = True
            ) -> tuple[str, str] | None:
  """auto's decision from what is known so far (steps 2-5 of the module
  docstring): (mixed_precision, reason), or None while a probe that would
  decide has not run yet (`speed`, then `accuracy`)."""
  if strategy != "default":
    return NO_MIXED_PRECISION, (f"--strategy={strategy}: auto measures one "
                                "device only")
  if not units and not gpu:
    return NO_MIXED_PRECISION, ("this CPU has no bfloat16 matrix units "
                                "(AMX-BF16 or AVX512-BF16): bfloat16 would "
                                "be emulated")
  if speed is None:
    return None
  speedup = speed["speedup"]
  if speedup < cfg.AUTO_BF16_MIN_SPEEDUP:
    return NO_MIXED_PRECISION, (f"mixed_bfloat16 trained {speedup:.2f}x as "
                                f"fast as float32 here (< "
                                f"{cfg.AUTO_BF16_MIN_SPEEDUP:.2f}x)")
  if not has_validation:
    return NO_MIXED_PRECISION, "no validation rows for the accuracy probe"
  if accuracy is None:
    return None
  pearson = accuracy["pearson"]
  if not accuracy["within"]:
    return NO_MIXED_PRECISION, (
        f"mixed_bfloat16 trained {speedup:.2f}x as fast, but its validation "
        f"r after {accuracy['steps']} steps ({pearson[BF16]:.4f}) "
        f"is more than {cfg.AUTO_BF16_MAX_R_DROP} below float32's "
        f"({pearson['float32']:.4f})")
  return BF16, (
      f"mixed_bfloat16 trained {speedup:.2f}x as fast and its validation r "
      f"after {accuracy['steps']} steps ({pearson[BF16]:.4f}) is "
      f"within {cfg.AUTO_BF16_MAX_R_DROP} of float32's "
      f"({pearson['float32']:.4f})")


def resolve(train_config: cfg.TrainConfig, model_config: cfg.ModelConfig,
            cache=None, jit: bool = False,
            probe_sequences: int | None = None,
            has_bf16_units: Callable[[], bool] = machine.has_bf16_matrix_units,
            has_gpu: Callable[[], bool] = _has_gpu) -> dict:
  """The run's precision: --mixed_precision, with auto decided here.

  Args:
    train_config: the run's training settings.
    model_config: the run's model settings.
    cache: the run's `data.Cache` (training and validation rows), for the
      probes; needed only when auto measures.
    jit: the run's XLA setting (the probes use it).
    probe_sequences: the sequences the run will train on, if known: the
      accuracy probe never trains on more (fewer steps for a short run).
    has_bf16_units: the machine check for bfloat16 matrix units
      (replaceable in tests).
    has_gpu: the machine check for a GPU (replaceable in tests).

  Returns:
    {"requested", "mixed_precision" (the value to use: none,
    mixed_float16 or mixed_bfloat16), "policy" (the Keras policy),
    "reason", and for auto "cpu", "bf16_matrix_units", "gpu", and the
    "speed"/"accuracy" probes that ran}.
  """
  requested = train_config.mixed_precision
  out = {"requested": requested}

  def decided(value: str, reason: str) -> dict:
    out.update(mixed_precision=value, policy=keras_policy(value),
               reason=reason)
    return out

  if requested != "auto":
    return decided(requested, "as requested")
  units, gpu = bool(has_bf16_units()), bool(has_gpu())
  out.update(cpu=machine.cpu()["model"], bf16_matrix_units=units, gpu=gpu)
  known = {"strategy": train_config.strategy, "units": units, "gpu": gpu}
  found = verdict(**known)
  if found:
    return decided(*found)
  if cache is None or not len(cache.train_codes):
    return decided(NO_MIXED_PRECISION, "no training rows to measure on")
  codes, targets = _speed_batch(cache, train_config.batch_size,
                                model_config.seed)
  out["speed"] = speed_probe(model_config, train_config, codes, targets, jit)
  known.update(speed=out["speed"], has_validation=bool(len(cache.val_codes)))
  found = verdict(**known)
  if found:
    return decided(*found)
  out["accuracy"] = accuracy_probe(model_config, train_config,
                                   cache.train_codes, cache.train_targets,
                                   cache.val_codes, cache.val_targets, jit,
                                   steps=_accuracy_steps(probe_sequences))
  return decided(*verdict(**known, accuracy=out["accuracy"]))


def _speed_batch(cache, batch_size: int, seed: int
                 ) -> tuple[np.ndarray, np.ndarray]:
  """(codes, targets) of the speed probe: one batch of training rows drawn
  with the model's seed, in cache order."""
  rng = np.random.default_rng([seed, 17])
  batch = min(batch_size, len(cache.train_codes))
  index = np.sort(rng.choice(len(cache.train_codes), batch, replace=False))
  return (np.asarray(cache.train_codes[index]),
          np.asarray(cache.train_targets[index]))


def _accuracy_steps(probe_sequences: int | None) -> int:
  """The accuracy probe's steps: never more sequences than the run will
  train on (`probe_sequences`, if known), at least one step."""
  steps = cfg.AUTO_BF16_PROBE_STEPS
  if probe_sequences is not None:
    steps = max(1, min(steps, probe_sequences // cfg.AUTO_BF16_PROBE_BATCH))
  return steps


def resolve_for_run(run_dir: str, resumed: bool, **kwargs) -> dict:
  """`resolve`, recorded in <run_dir>/precision.json; a resumed run whose
  record asked for the same reuses it (the weights keep one precision)."""
  path = os.path.join(run_dir, RECORD_FILE)
  requested = kwargs["train_config"].mixed_precision
  if resumed and os.path.exists(path):
    try:
      with open(path) as f:
        record = json.load(f)
      if record.get("requested") == requested:
        return {**record, "reused": True}
    except (OSError, ValueError):
      pass
  record = resolve(**kwargs)
  files.write_text(path, json.dumps(record, indent=1, default=float))
  return record
