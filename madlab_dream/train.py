"""Train the MadLab model: `python -m madlab_dream.train --flagfile=experiments/base.flags`.

Steps: check flags and output directory -> distribution strategy -> cache
(data.preprocess) -> model (model.build_model) -> fit with exact validation
Pearson at each epoch end, keeping the best epoch -> report, plots, exports.

Outputs in --model_dir:
  saved_model/    TF SavedModel of the best epoch (string and code signatures)
  model.keras     the Keras model of the best epoch
  report.json     Table 3 (train/validation MSE, R^2, Pearson r, r^2), best
  report.md       epoch, counts, wall time, throughput, hardware, flags
  history.csv     one row per epoch
  tensorboard/    TensorBoard logs
  validation_scatter.png   predicted vs measured on validation
  flags.txt       a flagfile that re-runs this experiment
  checkpoints/    per-epoch state for resuming (see --resume)

Exit status: 0 done; 2 bad input or flags; 3 training diverged (the best
epoch so far is still exported); 130/143 interrupted by SIGINT/SIGTERM
(rerun the same command to resume).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import platform
import signal
import sys
import time

import numpy as np
from absl import flags

from madlab_dream import data
from madlab_dream import distribute
from madlab_dream import files
from madlab_dream import metrics
from madlab_dream import options
from madlab_dream import tfquiet
from madlab_dream.errors import InputError

FLAGS = flags.FLAGS

EXIT_DIVERGED = 3
DATA_HELP = (
    "the challenge data are not downloaded at run time: get "
    "train_sequences.txt from Zenodo record 10633252 "
    "(https://zenodo.org/records/10633252; also GEO GSE254493) and put it at "
    "data/train_sequences.txt, or pass --train_data=PATH")

# Flags that change the computed result; a resumed run must match them.
RESULT_FLAGS = options.MODEL_FLAGS + (
    "train_data", "singleton_keep", "val_fraction", "epochs",
    "steps_per_epoch", "batch_size", "learning_rate", "optimizer", "loss",
    "mixed_precision", "select_on_validation", "train_eval_rows")


def flag_values() -> dict:
  """Every package flag and its value (the exact experiment)."""
  names = sorted(f.name for f in FLAGS.get_flags_for_module(options.__name__))
  return {name: options.value(name) for name in names}


def flagfile_text(values: dict) -> str:
  lines = ["# Re-runs this experiment: python -m madlab_dream.train "
           "--flagfile=THIS_FILE"]
  for name, value in values.items():
    if value is not None:
      lines.append(FLAGS[name].serialize())
  return "\n".join(lines) + "\n"


def check_flags() -> None:
  """Contradictory or missing flags, and unusable paths, before any work."""
  if not FLAGS.train_data:
    raise InputError(f"--train_data is required; {DATA_HELP}")
  if not os.path.exists(FLAGS.train_data):
    raise InputError(f"no such file; {DATA_HELP}", FLAGS.train_data)
  files.check_readable(FLAGS.train_data)
  if not FLAGS.model_dir:
    raise InputError("--model_dir is required")
  if FLAGS.select_on_validation and FLAGS.val_fraction == 0:
    raise InputError("--val_fraction=0 leaves no validation set, but model "
                     "selection on validation (--select_on_validation) is on; "
                     "pass --noselect_on_validation or a positive "
                     "--val_fraction")
  if FLAGS.mixed_precision != "none" and FLAGS.strategy == "tpu" and (
      FLAGS.mixed_precision == "mixed_float16"):
    raise InputError("--mixed_precision=mixed_float16 is not supported on "
                     "TPU; use mixed_bfloat16")
  if FLAGS.strategy == "multi_worker" and "TF_CONFIG" not in os.environ:
    raise InputError("--strategy=multi_worker needs the TF_CONFIG environment "
                     "variable (cluster and task)")
  if FLAGS.num_relative_features is not None:
    n = 2 * len(FLAGS.relative_functions)
    if FLAGS.num_relative_features % n:
      raise InputError(f"--num_relative_features={FLAGS.num_relative_features}"
                       f" must be divisible by 2 x {len(FLAGS.relative_functions)}"
                       " functions")
  files.check_writable_dir(FLAGS.model_dir)


# --- Precision, XLA, optimiser ---------------------------------------------------

def resolve_jit(flag: str) -> bool:
  import tensorflow as tf
  if flag == "auto":
    return bool(tf.config.list_physical_devices("GPU") or
                tf.config.list_physical_devices("TPU"))
  return flag == "true"


def make_optimizer(name: str, learning_rate: float):
  import keras
  return {"rmsprop": keras.optimizers.RMSprop,
          "adam": keras.optimizers.Adam,
          "adamw": keras.optimizers.AdamW,
          "sgd": keras.optimizers.SGD}[name](learning_rate=learning_rate)


def make_loss(name: str):
  import keras
  return {"mse": keras.losses.MeanSquaredError(),
          "huber": keras.losses.Huber(),
          "mae": keras.losses.MeanAbsoluteError()}[name]


def hardware() -> dict:
  import keras
  import tensorflow as tf
  cpu = platform.processor() or platform.machine()
  try:
    with open("/proc/cpuinfo") as f:
      for line in f:
        if line.startswith("model name"):
          cpu = line.split(":", 1)[1].strip()
          break
  except OSError:
    pass
  memory_gib = None
  try:
    memory_gib = round(os.sysconf("SC_PAGE_SIZE") *
                       os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
  except (ValueError, OSError):
    pass
  gpus = []
  for gpu in tf.config.list_physical_devices("GPU"):
    details = tf.config.experimental.get_device_details(gpu)
    gpus.append(details.get("device_name", gpu.name))
  return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": memory_gib,
          "gpus": gpus, "tensorflow": tf.__version__,
          "keras": keras.__version__, "python": platform.python_version()}


# --- Epoch bookkeeping -----------------------------------------------------------

class RunState:
  """What survives an interruption: epochs done, best epoch, history.

  Files in <run_dir>/checkpoints/: state.json names the last completed epoch
  and its weights/optimizer files (epoch-numbered, written before state.json,
  so a kill at any moment leaves a consistent pair); best.weights.h5 holds
  the best epoch so far.
  """

  def __init__(self, run_dir: str, result_flags: dict):
    self.dir = os.path.join(run_dir, "checkpoints")
    self.path = os.path.join(self.dir, "state.json")
    self.flags = result_flags
    self.epochs_done = 0
    self.best_epoch = 0
    self.best_value = -math.inf
    self.history: list[dict] = []
    self.train_seconds = 0.0
    self.examples = 0

  @property
  def best_weights(self) -> str:
    return os.path.join(self.dir, "best.weights.h5")

  def weights_file(self, epoch: int) -> str:
    return os.path.join(self.dir, f"epoch-{epoch:04d}.weights.h5")

  def optimizer_file(self, epoch: int) -> str:
    return os.path.join(self.dir, f"epoch-{epoch:04d}.optimizer.npz")

  def load(self) -> bool:
    if not os.path.exists(self.path):
      return False
    with open(self.path) as f:
      saved = json.load(f)
    if saved["flags"] != self.flags:
      changed = sorted(k for k in set(saved["flags"]) | set(self.flags)
                       if saved["flags"].get(k) != self.flags.get(k))
      raise InputError(
          "holds an interrupted run with different flags "
          f"({', '.join(changed)}); use a new --model_dir, delete this one, or "
          "pass --noresume to start over", self.dir)
    self.epochs_done = saved["epochs_done"]
    self.best_epoch = saved["best_epoch"]
    self.best_value = saved["best_value"]
    if self.best_value is None:
      self.best_value = -math.inf
    self.history = saved["history"]
    self.train_seconds = saved["train_seconds"]
    self.examples = saved["examples"]
    return True

  def save(self, model) -> None:
    """Saves weights + optimizer of the last completed epoch, then state."""
    import shutil
    os.makedirs(self.dir, exist_ok=True)
    e = self.epochs_done
    with files.atomic_path(self.weights_file(e)) as tmp:
      model.save_weights(tmp)
    with files.atomic_path(self.optimizer_file(e)) as tmp:
      np.savez(tmp, *[np.asarray(v) for v in model.optimizer.variables])
    state = {"epochs_done": e, "best_epoch": self.best_epoch,
             "best_value": (None if self.best_value == -math.inf
                            else self.best_value),
             "history": self.history, "train_seconds": self.train_seconds,
             "examples": self.examples, "flags": self.flags}
    files.write_text(self.path, json.dumps(state, indent=1))
    for name in os.listdir(self.dir):  # older epochs are no longer needed
      if name.startswith("epoch-") and not name.startswith(f"epoch-{e:04d}."):
        path = os.path.join(self.dir, name)
        shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)

  def restore(self, model) -> None:
    e = self.epochs_done
    model.load_weights(self.weights_file(e))
    model.optimizer.build(model.trainable_variables)
    with np.load(self.optimizer_file(e)) as saved:
      values = [saved[f"arr_{i}"] for i in range(len(saved.files))]
    variables = model.optimizer.variables
    if len(values) != len(variables):
      raise InputError("optimizer checkpoint does not match the model",
                       self.optimizer_file(e))
    for variable, value in zip(variables, values):
      variable.assign(value)


def make_epoch_callback(state: RunState, batch_size: int, steps: int,
                        select: bool, writer):
  """Keras callback: divergence guard, model selection, checkpoints, log."""
  import keras

  class EpochEnd(keras.callbacks.Callback):

    def __init__(self):
      super().__init__()
      self.diverged = None
      self.signal = None
      self.t0 = 0.0
      self.t_last = 0.0

    def stop(self, reason=None, signum=None):
      self.diverged = self.diverged or reason
      self.signal = self.signal or signum
      self.model.stop_training = True
      self.model._madlab_interrupted = True

    def on_epoch_begin(self, epoch, logs=None):
      self.t0 = self.t_last = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
      self.t_last = time.perf_counter()
      loss = (logs or {}).get("loss")
      if loss is not None and not math.isfinite(float(loss)):
        self.stop(f"loss became {float(loss)} at epoch {len(state.history) + 1}"
                  f", batch {batch + 1}")

    def on_epoch_end(self, epoch, logs=None):
      if getattr(self.model, "_madlab_interrupted", False):
        return
      logs = logs or {}
      seconds = self.t_last - self.t0
      row = {"epoch": epoch + 1, "loss": float(logs.get("loss", math.nan))}
      for key in ("val_pearson", "val_r2", "val_mse", "val_r2_determination"):
        if key in logs:
          row[key] = float(logs[key])
      row["train_seconds"] = round(seconds, 3)
      row["seq_per_s"] = round(steps * batch_size / max(seconds, 1e-9), 1)
      state.history.append(row)
      state.epochs_done = epoch + 1
      state.train_seconds += seconds
      state.examples += steps * batch_size
      value = row.get("val_pearson", math.nan) if select else epoch + 1
      improved = math.isfinite(value) and value > state.best_value
      if improved:
        state.best_value, state.best_epoch = value, epoch + 1
        with files.atomic_path(state.best_weights) as tmp:
          self.model.save_weights(tmp)
      state.save(self.model)
      writer(state.history)
      parts = [f"epoch {epoch + 1}/{self.params.get('epochs')}",
               f"loss {row['loss']:.4f}"]
      if "val_pearson" in row:
        parts += [f"val_pearson {row['val_pearson']:.4f}",
                  f"val_r2 {row['val_r2']:.4f}", f"val_mse {row['val_mse']:.4f}"]
      parts += [f"best {state.best_value:.4f} @ epoch {state.best_epoch}"
                if select else f"epochs done {state.epochs_done}",
                f"{seconds:.1f} s", f"{row['seq_per_s']:,.0f} seq/s"]
      print(" | ".join(parts), flush=True)

  return EpochEnd()


def make_tensorboard(log_dir: str):
  """TensorBoard callback whose epoch logs are cast to float32 first.

  A diverging epoch can log finite doubles beyond float32's range, which
  tf.summary rejects; as float32 they become inf, which it records.
  """
  import keras

  class TensorBoard(keras.callbacks.TensorBoard):

    def on_epoch_end(self, epoch, logs=None):
      with np.errstate(over="ignore"):
        logs = {k: float(np.float32(v)) for k, v in (logs or {}).items()}
      super().on_epoch_end(epoch, logs)

  return TensorBoard(log_dir, write_graph=False)


def write_history(path: str, history: list[dict]) -> None:
  keys: list[str] = []
  for row in history:
    keys += [k for k in row if k not in keys]
  buffer = io.StringIO()
  writer = csv.DictWriter(buffer, fieldnames=keys)
  writer.writeheader()
  writer.writerows(history)
  files.write_text(path, buffer.getvalue())


# --- Reports ----------------------------------------------------------------------

MADLAB_TABLE3 = {
    "train": {"mse": 0.4404, "r2_determination": 0.5710,
              "reported_pearson": 0.5807},
    "validation": {"mse": 0.4494, "r2_determination": 0.5608,
                   "reported_pearson": 0.5719},
    "note": ("MadLab's 'Pearson correlation' was r squared averaged over "
             "batches: 0.5719 is r^2, i.e. r ~ 0.756."),
}


def report_markdown(report: dict) -> str:
  def row(name, m):
    return (f"| {name} | {m['n']:,} | {m['mse']:.4f} | "
            f"{m['r2_determination']:.4f} | {m['pearson']:.4f} | "
            f"{m['pearson_squared']:.4f} |")
  lines = [
      "# Training report", "",
      f"Stopped: {report['stopped']}. Best epoch {report['best_epoch']} of "
      f"{report['epochs_run']} run ({report['epochs_requested']} requested).",
      "",
      "## Table 3 (best epoch; MSE on the standardised target)", "",
      "| set | rows | MSE | R² (determination) | Pearson r | r² |",
      "|---|---:|---:|---:|---:|---:|",
      row("training" + (" (sample)" if report["train"]["sampled"] else ""),
          report["train"]),
  ]
  if report.get("validation"):
    lines.append(row("validation", report["validation"]))
  ref = MADLAB_TABLE3
  lines += [
      "", "MadLab's report (Table 3) for comparison: training MSE "
      f"{ref['train']['mse']}, R² {ref['train']['r2_determination']}, "
      f"'Pearson' {ref['train']['reported_pearson']}; validation MSE "
      f"{ref['validation']['mse']}, R² {ref['validation']['r2_determination']}"
      f", 'Pearson' {ref['validation']['reported_pearson']}. "
      + ref["note"], ""]
  if report.get("baseline"):
    b = report["baseline"]
    lines += ["## Baseline", "",
              f"{b['description']}: validation Pearson r "
              f"{b['validation']['pearson']:.4f} (model "
              f"{report['validation']['pearson']:.4f}); fitted in "
              f"{b['seconds']:.1f} s.", ""]
  c = report["data"]["counts"]
  lines += [
      "## Data", "",
      f"Rows read {c['read']:,}; whole-number {c['whole_number']:,}; dropped "
      f"{c['dropped']:,}; kept {c['kept']:,}; train {c['train']:,}; validation "
      f"{c['validation']:,}; trimmed {c['trimmed']:,}; padded {c['padded']:,}.",
      f"Target mean {report['data']['scaler']['mean']:.4f}, sd "
      f"{report['data']['scaler']['sd']:.4f}.", "",
      "## Speed", "",
      f"Wall time {report['wall_seconds']:.1f} s; training {report['train_seconds']:.1f} s; "
      f"throughput {report['throughput_seq_per_s']:,.0f} sequences/s "
      f"(batch {report['flags']['batch_size']}, {report['steps_per_epoch']} "
      f"steps/epoch, XLA {'on' if report['jit_compile'] else 'off'}).", "",
      "## Hardware", "",
      ", ".join(f"{k}: {v}" for k, v in report["hardware"].items()), "",
      "## Flags", "", "```", report["flagfile"].rstrip(), "```", ""]
  return "\n".join(lines)


def scatter_png(path: str, measured: np.ndarray, predicted: np.ndarray,
                r: float) -> None:
  import matplotlib
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt
  fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
  if len(measured) > 2000:
    ax.hexbin(measured, predicted, gridsize=60, bins="log", cmap="viridis",
              mincnt=1)
  else:
    ax.scatter(measured, predicted, s=4, alpha=0.5)
  lo = float(min(measured.min(), predicted.min()))
  hi = float(max(measured.max(), predicted.max()))
  ax.plot([lo, hi], [lo, hi], "k--", lw=0.8)
  ax.set_xlabel("measured expression")
  ax.set_ylabel("predicted expression")
  ax.set_title(f"validation, n={len(measured):,}, Pearson r={r:.3f}")
  fig.tight_layout()
  with files.atomic_path(path) as tmp:
    fig.savefig(tmp, format="png")
  plt.close(fig)


# --- Main -------------------------------------------------------------------------

def train() -> int:
  """Runs the whole job from parsed flags; returns the exit status."""
  wall0 = time.perf_counter()
  check_flags()
  _, strategy = tfquiet.tensorflow(
      before_init=lambda _: distribute.make_strategy(FLAGS.strategy, FLAGS.tpu))
  import keras

  is_chief, task_index = distribute.worker_role()
  run_dir = FLAGS.model_dir
  if not is_chief:  # non-chief workers write only to their own scratch space
    run_dir = os.path.join(FLAGS.model_dir, "workers", f"worker-{task_index}")
    files.check_writable_dir(run_dir)
  if FLAGS.mixed_precision != "none":
    keras.mixed_precision.set_global_policy(FLAGS.mixed_precision)
  jit = resolve_jit(FLAGS.jit_compile)

  cache_dir = FLAGS.cache_dir or os.path.join(run_dir, "cache")
  cache = data.preprocess(FLAGS.train_data, cache_dir)
  n_train = len(cache.train_codes)
  steps = FLAGS.steps_per_epoch or data.batches_per_pass(n_train,
                                                         FLAGS.batch_size)
  if steps == 0:
    raise InputError(f"--batch_size={FLAGS.batch_size} is larger than the "
                     f"{n_train:,} training rows")
  values = flag_values()
  state = RunState(run_dir, {k: values[k] for k in RESULT_FLAGS})
  resumed = FLAGS.resume and state.load()

  from madlab_dream import model as model_lib
  with strategy.scope():
    model = model_lib.build_model(options.model_config())
    model.compile(optimizer=make_optimizer(FLAGS.optimizer,
                                           FLAGS.learning_rate),
                  loss=make_loss(FLAGS.loss), jit_compile=jit)
    if resumed:
      state.restore(model)
  print(f"model: {model.count_params():,} parameters; {n_train:,} training "
        f"rows; {steps:,} steps of {FLAGS.batch_size:,} per epoch; "
        f"{FLAGS.epochs} epochs; XLA {'on' if jit else 'off'}; strategy "
        f"{FLAGS.strategy} ({strategy.num_replicas_in_sync} replicas)",
        flush=True)
  if resumed:
    print(f"resuming after epoch {state.epochs_done} (best epoch "
          f"{state.best_epoch})", flush=True)

  def dataset_fn(input_context=None):
    return data.train_dataset(cache.train_codes, cache.train_targets,
                              FLAGS.batch_size, FLAGS.seed,
                              start_step=state.epochs_done * steps,
                              input_context=input_context)
  if FLAGS.strategy != "default":
    distribute.build_for_strategy(model, strategy, cache.seq_len)
    dataset = strategy.distribute_datasets_from_function(dataset_fn)
  else:
    dataset = dataset_fn()

  select = FLAGS.select_on_validation
  callbacks = []
  if len(cache.val_codes):
    callbacks.append(metrics.make_validation_callback(
        cache.val_codes, cache.val_targets, FLAGS.eval_batch_size, jit))
  epoch_end = make_epoch_callback(
      state, FLAGS.batch_size, steps, select,
      lambda history: write_history(os.path.join(run_dir, "history.csv"),
                                    history))
  callbacks += [epoch_end, make_tensorboard(os.path.join(run_dir,
                                                        "tensorboard"))]

  def on_signal(signum, frame):
    signal.signal(signum, signal.SIG_DFL)  # a second signal kills at once
    print(f"\n{signal.Signals(signum).name}: stopping after this batch; the "
          f"last completed epoch is saved", flush=True)
    epoch_end.stop(signum=signum)
  previous = {s: signal.signal(s, on_signal)
              for s in (signal.SIGINT, signal.SIGTERM)}
  verbose = 1 if FLAGS.progress and sys.stdout.isatty() else 0
  try:
    if state.epochs_done < FLAGS.epochs and not epoch_end.diverged:
      model.fit(dataset, epochs=FLAGS.epochs, initial_epoch=state.epochs_done,
                steps_per_epoch=steps, callbacks=callbacks, verbose=verbose,
                shuffle=False)
  finally:
    for s, handler in previous.items():
      signal.signal(s, handler)
  if jit and not model.jit_compile:
    raise RuntimeError("Keras switched XLA off during training; see the "
                       "warnings above")
  if epoch_end.signal:
    print(f"interrupted after epoch {state.epochs_done}; rerun the same "
          "command to resume", flush=True)
    return 128 + epoch_end.signal
  if state.best_epoch == 0:
    message = epoch_end.diverged or (
        "no epoch had a finite validation Pearson r (the predictions are not "
        "finite or constant)" if state.epochs_done else "no epoch completed")
    print(f"training failed before any epoch completed: {message}",
          file=sys.stderr)
    return EXIT_DIVERGED

  model.load_weights(state.best_weights)
  if not is_chief:
    return 0
  return finish(model, cache, state, values, run_dir, jit, steps,
                epoch_end.diverged, wall0)


def finish(model, cache, state, values, run_dir, jit, steps, diverged,
           wall0) -> int:
  """Final metrics on the best epoch, reports, plot and exports."""
  from madlab_dream import export
  bs = FLAGS.eval_batch_size
  n_train = len(cache.train_codes)
  sample = np.arange(n_train)
  sampled = 0 < FLAGS.train_eval_rows < n_train
  if sampled:
    rng = np.random.default_rng([FLAGS.seed, 2])
    sample = np.sort(rng.choice(n_train, FLAGS.train_eval_rows, replace=False))
  train_m = metrics.regression_metrics(
      cache.train_targets[sample],
      metrics.predict(model, cache.train_codes[sample], bs, jit))
  train_m["sampled"] = bool(sampled)
  val_m, val_pred = None, None
  if len(cache.val_codes):
    val_pred = metrics.predict(model, cache.val_codes, bs, jit)
    val_m = metrics.regression_metrics(cache.val_targets, val_pred)
  flagfile = flagfile_text(values)
  report = {
      "train": train_m, "validation": val_m,
      "best_epoch": state.best_epoch, "epochs_run": state.epochs_done,
      "epochs_requested": FLAGS.epochs,
      "stopped": f"diverged: {diverged}" if diverged else "completed",
      "selection": ("best validation Pearson r" if FLAGS.select_on_validation
                    else "last epoch"),
      "steps_per_epoch": steps,
      "passes_per_epoch": round(steps * FLAGS.batch_size /
                                len(cache.train_codes), 3),
      "throughput_seq_per_s": round(state.examples /
                                    max(state.train_seconds, 1e-9), 1),
      "train_seconds": round(state.train_seconds, 2),
      "wall_seconds": 0.0,
      "jit_compile": bool(jit),
      "parameters": {"total": int(model.count_params()),
                     "trainable": int(sum(np.prod(v.shape) for v in
                                          model.trainable_weights)),
                     "non_trainable": int(sum(np.prod(v.shape) for v in
                                              model.non_trainable_weights))},
      "data": {"counts": cache.meta["counts"], "scaler": cache.meta["scaler"],
               "input": cache.meta["input"]},
      "metric_notes": ("mse on the standardised target; pearson is r over the"
                       " whole set; pearson_squared is r^2; r2_determination "
                       "is 1 - SSE/SST. Training metrics on a seeded sample of"
                       f" {len(sample):,} rows" if sampled else
                       "mse on the standardised target; whole sets"),
      "madlab_table3": MADLAB_TABLE3,
      "history": state.history,
      "hardware": hardware(),
      "flags": values,
      "flagfile": flagfile,
  }
  if FLAGS.baseline_kmer:
    from madlab_dream import baseline
    report["baseline"] = baseline.fit_and_score(cache, FLAGS.baseline_kmer,
                                                FLAGS.seed)
  if val_pred is not None:
    scatter_png(os.path.join(run_dir, "validation_scatter.png"),
                cache.to_expression(cache.val_targets),
                cache.to_expression(val_pred), val_m["pearson"])
  files.write_text(os.path.join(run_dir, "flags.txt"), flagfile)
  with files.atomic_path(os.path.join(run_dir, "model.keras")) as tmp:
    model.save(tmp)
  export.export_saved_model(model, os.path.join(run_dir, "saved_model"),
                            cache.mean, cache.sd, cache.seq_len,
                            {"best_epoch": state.best_epoch})
  report["wall_seconds"] = round(time.perf_counter() - wall0, 2)
  files.write_text(os.path.join(run_dir, "report.json"),
                   json.dumps(report, indent=1, default=float))
  files.write_text(os.path.join(run_dir, "report.md"),
                   report_markdown(report))
  summary = (f"best epoch {state.best_epoch}: train r {train_m['pearson']:.4f}")
  if val_m:
    summary += (f", validation r {val_m['pearson']:.4f} (r^2 "
                f"{val_m['pearson_squared']:.4f}, MSE {val_m['mse']:.4f})")
  print(summary, flush=True)
  print(f"outputs in {run_dir}: saved_model/ model.keras report.json "
        "report.md history.csv tensorboard/ validation_scatter.png flags.txt",
        flush=True)
  if diverged:
    print(f"training diverged ({diverged}); exported the best epoch "
          f"({state.best_epoch})", file=sys.stderr, flush=True)
    return EXIT_DIVERGED
  return 0


def main(argv):
  from absl import app
  from absl import logging
  logging.set_verbosity(logging.WARNING)  # TF's INFO lines while exporting
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  status = train()
  if status:
    sys.exit(status)


if __name__ == "__main__":
  from madlab_dream import errors
  errors.run(main, "madlab_dream.train")
