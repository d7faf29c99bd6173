"""One training run, from a `RunConfig` to exported weights and a report.

Steps: check the paths -> distribution strategy -> cache
(`data.preprocess`) -> model (`model.build_model`) -> fit with exact
validation Pearson at each epoch end, keeping the best epoch -> report,
plots, exports. `run(config)` returns the exit status:

  0 done; 3 training diverged (the best epoch so far is still exported);
  130/143 interrupted by SIGINT/SIGTERM (rerun the same command to resume).

Bad input raises `InputError` before any work is done.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time

import numpy as np

from madlab_dream import compat
from madlab_dream import data
from madlab_dream import machine
from madlab_dream import metrics
from madlab_dream.config import CONFIG_FILE
from madlab_dream.config import RunConfig
from madlab_dream.errors import EXIT_DIVERGED
from madlab_dream.errors import InputError
from madlab_dream.flags import flagfile_text
from madlab_dream.io import files
from madlab_dream.train import distribute
from madlab_dream.train import optim
from madlab_dream.train import plots
from madlab_dream.train import run_report
from madlab_dream.train.lock import RunLock
from madlab_dream.train.step_plan import Plan
from madlab_dream.train.step_plan import make_plan
from madlab_dream.train.step_plan import small_data_warning
from madlab_dream.train.state import RunState

DATA_HELP = (
    "the challenge data are not downloaded at run time: get "
    "train_sequences.txt from Zenodo record 10633252 "
    "(https://zenodo.org/records/10633252; also GEO GSE254493) and put it at "
    "data/train_sequences.txt, or pass --train_data=PATH")

OUTPUTS = ("saved_model/ model.keras report.json report.md history.csv "
           "learning_curve.png validation_scatter.png tensorboard/ flags.txt "
           "config.json")


def check_paths(config: RunConfig) -> None:
  """Missing data, an unusable run directory, a strategy without its
  environment: InputError before any work."""
  t = config.train
  if not t.train_data:
    raise InputError(f"--train_data is required; {DATA_HELP}")
  if not os.path.exists(t.train_data):
    raise InputError(f"no such file; {DATA_HELP}", t.train_data)
  files.check_readable(t.train_data)
  if not t.model_dir:
    raise InputError("--model_dir is required")
  distribute.check_environment(t.strategy)
  files.check_writable_dir(t.model_dir)


def run(config: RunConfig) -> int:
  """Trains, selects, reports and exports; returns the exit status."""
  wall0 = time.perf_counter()
  t = config.train
  check_paths(config)
  _, strategy = compat.tensorflow(
      before_init=lambda _: distribute.make_strategy(t.strategy, t.tpu))
  import keras

  is_chief, task_index = distribute.worker_role()
  run_dir = t.model_dir
  if not is_chief:  # non-chief workers write only to their own scratch space
    run_dir = os.path.join(t.model_dir, "workers", f"worker-{task_index}")
    files.check_writable_dir(run_dir)
  with RunLock(run_dir):
    return _run_locked(config, strategy, keras, is_chief, run_dir, wall0)


def _run_locked(config, strategy, keras, is_chief, run_dir, wall0) -> int:
  # Keras-dependent modules are imported after the quiet TensorFlow start.
  from madlab_dream.train import callbacks as cb
  from madlab_dream.train.exact_predictions import Evaluator
  t = config.train
  jit = optim.resolve_jit(t.jit_compile)

  cache = data.preprocess(t.train_data, t.cache_dir or
                          os.path.join(run_dir, "cache"), config.data)
  n_train = len(cache.train_codes)
  plan = make_plan(config, n_train)
  state = RunState(run_dir, {**config.result_dict(),
                             "input": cache.meta["input"]["sha256"]})
  resumed = t.resume and state.load()
  from madlab_dream.train import precision as precision_lib
  precision = precision_lib.resolve_for_run(
      run_dir, resumed, train_config=t, model_config=config.model,
      cache=cache, jit=jit,
      probe_sequences=plan.total_steps * t.batch_size)
  if t.mixed_precision == "auto":
    print(f"--mixed_precision=auto: {precision['mixed_precision']} "
          f"({precision['reason']})", flush=True)
  keras.mixed_precision.set_global_policy(precision["policy"])

  from madlab_dream import model as model_lib
  with strategy.scope():
    model = model_lib.build_model(config.model)
    model.compile(optimizer=optim.make_optimizer(t, plan.total_steps),
                  loss=optim.make_loss(t.loss), jit_compile=jit)
    if resumed:
      state.restore(model)
  print(f"model: {model.count_params():,} parameters; {n_train:,} training "
        f"rows; {plan.epochs} epochs of {plan.steps_per_epoch:,} steps of "
        f"{t.batch_size:,} ({plan.total_steps:,} steps, learning rate "
        f"{t.learning_rate:g}, {t.lr_schedule} schedule); XLA "
        f"{'on' if jit else 'off'}; strategy {t.strategy} "
        f"({strategy.num_replicas_in_sync} replicas)", flush=True)
  warning = small_data_warning(plan, t.batch_size)
  if warning:
    print(warning, file=sys.stderr, flush=True)
  if resumed:
    print(f"resuming after epoch {state.epochs_done}, step "
          f"{state.steps_done:,} (best epoch {state.best_epoch})", flush=True)

  def dataset_fn(input_context=None):
    return data.train_dataset(cache.train_codes, cache.train_targets,
                              t.batch_size, config.data.seed,
                              start_step=state.steps_done,
                              input_context=input_context,
                              shuffle_buffer=config.data.shuffle_buffer)
  if t.strategy != "default":
    compat.build_for_strategy(model, strategy, cache.seq_len)
    dataset = strategy.distribute_datasets_from_function(dataset_fn)
  else:
    dataset = dataset_fn()

  evaluator = Evaluator(model, t.eval_batch_size, jit)
  control = cb.RunControl(model=model)
  callbacks = []
  if len(cache.val_codes):
    callbacks.append(cb.ValidationMetrics(evaluator, cache.val_codes,
                                          cache.val_targets, control))
  history_csv = os.path.join(run_dir, "history.csv")
  callbacks += [
      cb.EpochEnd(state, control, plan, t.batch_size,
                  lambda history: run_report.write_history(history_csv,
                                                           history)),
      cb.FloatTensorBoard(os.path.join(run_dir, "tensorboard"),
                          write_graph=False)]

  def on_signal(signum, frame):
    signal.signal(signum, signal.SIG_DFL)  # a second signal kills at once
    print(f"\n{signal.Signals(signum).name}: stopping after this batch; the "
          f"last completed epoch is saved", flush=True)
    control.stop(signum=signum)
  previous = {s: signal.signal(s, on_signal)
              for s in (signal.SIGINT, signal.SIGTERM)}
  verbose = 1 if t.progress and sys.stdout.isatty() else 0
  try:
    if _more_to_do(state, plan):
      model.fit(dataset, epochs=plan.epochs, initial_epoch=state.epochs_done,
                steps_per_epoch=plan.steps_per_epoch, callbacks=callbacks,
                verbose=verbose, shuffle=False)
  finally:
    for s, handler in previous.items():
      signal.signal(s, handler)
  if jit and not model.jit_compile:
    raise RuntimeError("Keras switched XLA off during training; see the "
                       "warnings above")
  if control.signal:
    print(f"interrupted after epoch {state.epochs_done}; rerun the same "
          "command to resume", flush=True)
    return 128 + control.signal
  if state.best_epoch == 0:
    reason = control.diverged or (
        "no epoch had a finite validation Pearson r (the predictions are "
        "constant)" if state.epochs_done else "no epoch completed")
    print(f"training failed: {reason}; no epoch to export", file=sys.stderr)
    return EXIT_DIVERGED

  state.load_best(model)
  if not is_chief:
    return 0
  stopped = (f"diverged: {control.diverged}" if control.diverged else
             state.stopped or "completed")
  status = finish(config, model, cache, state, evaluator, run_dir, jit, plan,
                  stopped, wall0, precision)
  if control.diverged:
    print(f"training diverged ({control.diverged}); exported the best epoch "
          f"({state.best_epoch} of {state.epochs_done} completed)",
          file=sys.stderr, flush=True)
    return EXIT_DIVERGED
  return status


def _more_to_do(state: RunState, plan: Plan) -> bool:
  """False when the run reached its planned end in an earlier session."""
  if state.steps_done >= plan.total_steps or state.epochs_done >= plan.epochs:
    return False
  if state.stopped and not state.stopped.startswith("time budget"):
    return False  # early stopping or max_steps: final
  return not (plan.time_budget and state.fit_seconds >= plan.time_budget)


def finish(config: RunConfig, model, cache, state: RunState,
           evaluator, run_dir: str, jit: bool, plan: Plan, stopped: str,
           wall0: float, precision: dict | None = None) -> int:
  """Final metrics on the best epoch, reports, plot and exports."""
  from madlab_dream import model as model_lib
  from madlab_dream.inference import export
  t = config.train
  n_train = len(cache.train_codes)
  sample = np.arange(n_train)
  sampled = 0 < t.train_eval_rows < n_train
  if sampled:
    rng = np.random.default_rng([config.data.seed, 2])
    sample = np.sort(rng.choice(n_train, t.train_eval_rows, replace=False))
  train_m = metrics.regression_metrics(
      cache.train_targets[sample], evaluator.predict(cache.train_codes[sample]))
  train_m["sampled"] = bool(sampled)
  val_m, val_pred = None, None
  if len(cache.val_codes):
    val_pred = evaluator.predict(cache.val_codes)
    val_m = metrics.regression_metrics(cache.val_targets, val_pred)
  flagfile = flagfile_text(config)
  report = {
      "train": train_m, "validation": val_m,
      "best_epoch": state.best_epoch, "epochs_run": state.epochs_done,
      "epochs_requested": t.epochs,
      "steps_run": state.steps_done, "steps_planned": plan.total_steps,
      "stopped": stopped,
      "selection": ("best validation Pearson r" if t.select_on_validation
                    else "last epoch"),
      "steps_per_epoch": plan.steps_per_epoch,
      "passes_per_epoch": round(plan.steps_per_epoch * t.batch_size /
                                n_train, 3),
      "throughput_seq_per_s": round(state.examples /
                                    max(state.train_seconds, 1e-9), 1),
      "train_seconds": round(state.train_seconds, 2),
      "wall_seconds": 0.0,
      "jit_compile": bool(jit),
      "precision": precision or {"requested": t.mixed_precision,
                                 "mixed_precision": t.mixed_precision},
      "parameters": model_lib.parameter_counts(model),
      "data": {"counts": cache.meta["counts"], "scaler": cache.meta["scaler"],
               "input": cache.meta["input"]},
      "metric_notes": ("mse on the standardised target; pearson is r over the"
                       " whole set; pearson_squared is r^2; r2_determination "
                       "is 1 - SSE/SST. Training metrics on a seeded sample of"
                       f" {len(sample):,} rows" if sampled else
                       "mse on the standardised target; whole sets"),
      "madlab_table3": run_report.MADLAB_TABLE3,
      "history": state.history,
      "hardware": machine.describe(),
      "config": config.to_dict(),
      "flagfile": flagfile,
  }
  if t.baseline_kmer:
    from madlab_dream import baseline
    report["baseline"] = baseline.fit_and_score(cache, t.baseline_kmer,
                                                config.data.seed)
  plots.learning_curve(
      os.path.join(run_dir, "learning_curve.png"), state.history,
      report.get("baseline", {}).get("validation", {}).get("pearson"))
  if val_pred is not None:
    plots.validation_scatter(
        os.path.join(run_dir, "validation_scatter.png"),
        cache.to_expression(cache.val_targets), cache.to_expression(val_pred),
        val_m["pearson"])
  files.write_text(os.path.join(run_dir, "flags.txt"), flagfile)
  files.write_text(os.path.join(run_dir, CONFIG_FILE), config.to_json())
  with files.atomic_path(os.path.join(run_dir, "model.keras")) as tmp:
    model.save(tmp)
  export.export_saved_model(model, os.path.join(run_dir, "saved_model"),
                            cache.mean, cache.sd, cache.seq_len,
                            {"best_epoch": state.best_epoch,
                             "config": config.to_dict()})
  report["wall_seconds"] = round(time.perf_counter() - wall0, 2)
  files.write_text(os.path.join(run_dir, "report.json"),
                   json.dumps(report, indent=1, default=float))
  files.write_text(os.path.join(run_dir, "report.md"),
                   run_report.report_markdown(report))
  summary = f"best epoch {state.best_epoch}: train r {train_m['pearson']:.4f}"
  if val_m:
    summary += (f", validation r {val_m['pearson']:.4f} (r^2 "
                f"{val_m['pearson_squared']:.4f}, MSE {val_m['mse']:.4f})")
  print(summary, flush=True)
  print(f"stopped: {stopped}", flush=True)
  print(f"outputs in {run_dir}: {OUTPUTS}", flush=True)
  return 0
