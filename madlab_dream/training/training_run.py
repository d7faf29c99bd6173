"""The steps of one training run, once TensorFlow has started.

`TrainingRun(config, strategy, run_dir, is_chief, wall0, prepared)`
takes `preparation.prepare`'s cache, plan and checkpoint state; `execute()`
builds the rest, one `_build_*` step each (precision, model, dataset,
callbacks), fits, and on the chief writes the outputs of the best epoch
(`_write_*` steps): report.json / report.md, history.csv, the figures,
model.keras, the SavedModel, flags.txt, config.json. It returns a
`RunOutcome`: the exit status and the report.

`loop.run` creates it under the run directory's lock, after the quiet
Keras start (`devices.make`); this module imports Keras at its top. On
TensorFlow the batches come from tf.data and the model is also exported as
a SavedModel; on JAX and PyTorch the batches come from the NumPy stream
(`data.train_batches`, the same batches) and model.keras with model.json is
the export (TensorBoard logs need TensorFlow: not written there).
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import sys
import time

import keras
import numpy as np

from madlab_dream import baseline
from madlab_dream import compat
from madlab_dream import data
from madlab_dream import machine
from madlab_dream import metrics
from madlab_dream import model as model_lib
from madlab_dream.config import CONFIG_FILE
from madlab_dream.config import RunConfig
from madlab_dream.errors import EXIT_DIVERGED
from madlab_dream.inference import export
from madlab_dream.inference import out_of_range
from madlab_dream.inference import run_files
from madlab_dream.inference.predictor import TRAINED_RANGE_KEY
from madlab_dream.io import files
from madlab_dream.layers import batch_loss
from madlab_dream.training import callbacks
from madlab_dream.training import devices
from madlab_dream.training import init_from
from madlab_dream.training import loss_spikes
from madlab_dream.training import optim
from madlab_dream.training import plots
from madlab_dream.training import precision as precision_lib
from madlab_dream.training import run_report
from madlab_dream.training.exact_predictions import Evaluator
from madlab_dream.training.flagfile import flagfile_text
from madlab_dream.training.preparation import PreparedRun
from madlab_dream.training.state import GRAPH_BYTES
from madlab_dream.training.state import RunState
from madlab_dream.training.state import weights_bytes
from madlab_dream.training.step_plan import Plan
from madlab_dream.training.step_plan import small_data_warning

OUTPUTS = ("saved_model/ model.keras model.json report.json report.md "
           "history.csv learning_curve.png validation_scatter.png "
           "tensorboard/ flags.txt config.json")


def on_tensorflow() -> bool:
  return keras.backend.backend() == "tensorflow"


def written_outputs(run_dir: str) -> str:
  """The names of OUTPUTS that the run wrote (a scatter per target for
  several targets; none without a validation set), space-separated."""
  names = []
  for name in OUTPUTS.split():
    if name == "validation_scatter.png":
      names += sorted(n for n in os.listdir(run_dir)
                      if n.startswith("validation_scatter") and
                      n.endswith(".png"))
    elif os.path.exists(os.path.join(run_dir, name.rstrip("/"))):
      names.append(name)
  return " ".join(names)


@dataclasses.dataclass(frozen=True)
class RunOutcome:
  """How a run ended.

  status: the exit status (0 done; 3 diverged, the best epoch still
    exported; 130/143 interrupted by SIGINT/SIGTERM, resumable).
  report: the content of report.json, or None when nothing was exported
    (interrupted, no epoch to export, or a non-chief worker).
  """
  status: int
  report: dict | None = None


@dataclasses.dataclass(frozen=True)
class FinalMetrics:
  """The best epoch's metrics on the training rows (or a seeded sample of
  them) and on validation, with the validation predictions."""
  train: dict
  validation: dict | None
  validation_predictions: np.ndarray | None
  train_rows: int
  sampled: bool
  test: dict | None = None


def more_to_do(state: RunState, plan: Plan) -> bool:
  """False when the run reached its planned end in an earlier session."""
  if state.steps_done >= plan.total_steps or state.epochs_done >= plan.epochs:
    return False
  if state.stopped and not state.stopped.startswith("time budget"):
    return False  # early stopping or max_steps: final
  return not (plan.time_budget and state.fit_seconds >= plan.time_budget)


class TrainingRun:
  """One run in a locked run directory, from its cache to its exports."""

  def __init__(self, config: RunConfig, strategy, run_dir: str,
               is_chief: bool, wall0: float, prepared: PreparedRun):
    self.config = config
    self.train_config = config.train
    self.strategy = strategy
    self.run_dir = run_dir
    self.is_chief = is_chief
    self.wall0 = wall0
    self.cache, self.plan = prepared.cache, prepared.plan
    self.state, self.resumed = prepared.state, prepared.resumed
    self.jit = optim.resolve_jit(self.train_config.jit_compile)
    self.flagfile = flagfile_text(config)

  def execute(self) -> RunOutcome:
    """Builds, fits and (on the chief) exports; see the module docstring."""
    self._build_precision()
    self.spikes = loss_spikes.LossSpikes(self.state.steps_done)
    self._build_model()
    self._print_start()
    dataset = self._build_dataset()
    self.evaluator = Evaluator(self.model, self.train_config.eval_batch_size,
                               self.jit, self.strategy.num_replicas_in_sync)
    self.control = callbacks.RunControl(model=self.model)
    self._fit(dataset, self._build_callbacks())
    return self._outcome()

  # --- Building ----------------------------------------------------------

  def _build_precision(self) -> None:
    settings = self.train_config
    self.precision = precision_lib.resolve_for_run(
        self.run_dir, self.resumed, train_config=settings,
        model_config=self.config.model, cache=self.cache, jit=self.jit,
        probe_sequences=self.plan.total_steps * settings.batch_size)
    if settings.mixed_precision == "auto":
      print(f"--mixed_precision=auto: {self.precision['mixed_precision']} "
            f"({self.precision['reason']})", flush=True)
    keras.mixed_precision.set_global_policy(self.precision["policy"])
    self.matmul_precision = devices.set_matmul_precision(
        settings.matmul_precision)

  def _spike_metrics(self) -> list:
    """The batch-loss metric the spike counter reads, on one process with
    the default strategy (a distributed fit() cannot reduce it across
    workers: there, spikes are not counted and the report says so)."""
    if self.train_config.strategy != "default" and on_tensorflow():
      self.spikes.disabled = f"--strategy={self.train_config.strategy}"
      return []
    return [batch_loss.BatchLoss(self.train_config.loss)]

  def _build_model(self) -> None:
    settings = self.train_config
    self.initialised = None
    with self.strategy.scope():
      self.model = model_lib.build_model(self.config.model)
      if settings.init_from and not self.resumed:
        self.initialised = init_from.copy_weights(self.model,
                                                  settings.init_from)
      if settings.freeze:
        frozen = init_from.freeze(self.model, settings.freeze)
        print(f"--freeze: {', '.join(frozen)} kept fixed", flush=True)
      self.model.compile(
          optimizer=optim.make_optimizer(settings, self.plan.total_steps),
          loss=optim.make_loss(settings.loss, settings.target_weights),
          metrics=self._spike_metrics(),
          jit_compile=self.jit)
      if self.resumed:
        self.state.restore(self.model)

  def _print_start(self) -> None:
    settings, plan, state = self.train_config, self.plan, self.state
    print(f"model: {self.model.count_params():,} parameters; "
          f"{len(self.cache.train_codes):,} training rows; {plan.epochs} "
          f"epochs of {plan.steps_per_epoch:,} steps of "
          f"{settings.batch_size:,} ({plan.total_steps:,} steps, learning "
          f"rate {settings.learning_rate:g}, {settings.lr_schedule} "
          f"schedule); XLA {'on' if self.jit else 'off'}; strategy "
          f"{settings.strategy} ({self.strategy.num_replicas_in_sync} "
          "replicas)", flush=True)
    warning = small_data_warning(plan, settings.batch_size)
    if warning:
      print(warning, file=sys.stderr, flush=True)
    if self.resumed:
      print(f"resuming after epoch {state.epochs_done}, step "
            f"{state.steps_done:,} (best epoch {state.best_epoch})",
            flush=True)

  def _build_dataset(self):
    settings, cache = self.train_config, self.cache

    if not on_tensorflow():  # the same batches, from NumPy
      return data.train_batches(
          cache.train_codes, cache.train_targets, settings.batch_size,
          self.config.data.seed, start_step=self.state.steps_done,
          shuffle_buffer=self.config.data.shuffle_buffer,
          rc_augment=settings.rc_augment)

    def dataset_fn(input_context=None):
      return data.train_dataset(cache.train_codes, cache.train_targets,
                                settings.batch_size, self.config.data.seed,
                                start_step=self.state.steps_done,
                                input_context=input_context,
                                shuffle_buffer=self.config.data.shuffle_buffer,
                                rc_augment=settings.rc_augment)
    if settings.strategy == "default":
      return dataset_fn()
    compat.build_for_strategy(self.model, self.strategy, cache.seq_len)
    return self.strategy.distribute_datasets_from_function(dataset_fn)

  def _build_callbacks(self) -> list[keras.callbacks.Callback]:
    """Validation metrics first: the others read the `val_*` logs it adds."""
    cache = self.cache
    history_csv = os.path.join(self.run_dir, "history.csv")
    steps = []
    if len(cache.val_codes):
      steps.append(callbacks.ValidationMetrics(
          self.evaluator, cache.val_codes, cache.val_targets, self.control,
          cache.target_names))
    select = self.train_config.select_target
    if len(cache.target_names) == 1:  # val_pearson is that target's
      select = None
    steps.append(callbacks.StopSelectCheckpoint(
        self.state, self.control, self.plan, self.train_config.batch_size,
        lambda history: run_report.write_history(history_csv, history),
        f"val_pearson_{select}" if select else "val_pearson"))
    if on_tensorflow():  # tf.summary writes the event files
      steps.append(callbacks.FloatTensorBoard(
          os.path.join(self.run_dir, "tensorboard"), write_graph=False))
    return steps + [self.spikes]

  # --- Fitting -----------------------------------------------------------

  def _fit(self, dataset, fit_callbacks) -> None:
    """`model.fit` for the planned epochs left; SIGINT/SIGTERM stop it
    after the batch in progress (the last completed epoch is saved)."""
    control = self.control

    def on_signal(signum, frame):
      signal.signal(signum, signal.SIG_DFL)  # a second signal kills at once
      print(f"\n{signal.Signals(signum).name}: stopping after this batch; "
            "the last completed epoch is saved", flush=True)
      control.stop(signum=signum)
    previous = {s: signal.signal(s, on_signal)
                for s in (signal.SIGINT, signal.SIGTERM)}
    verbose = 1 if self.train_config.progress and sys.stdout.isatty() else 0
    try:
      if more_to_do(self.state, self.plan):
        self.model.fit(dataset, epochs=self.plan.epochs,
                       initial_epoch=self.state.epochs_done,
                       steps_per_epoch=self.plan.steps_per_epoch,
                       callbacks=fit_callbacks, verbose=verbose,
                       shuffle=False)
    finally:
      for s, handler in previous.items():
        signal.signal(s, handler)
    if self.jit and not self.model.jit_compile:
      raise RuntimeError("Keras switched XLA off during training; see the "
                         "warnings above")

  def _outcome(self) -> RunOutcome:
    """Interrupted, failed, or the best epoch restored and written out."""
    control, state = self.control, self.state
    if control.signal:
      print(f"interrupted after epoch {state.epochs_done}; rerun the same "
            "command to resume", flush=True)
      return RunOutcome(128 + control.signal)
    if state.best_epoch == 0:
      reason = control.diverged or (
          "no epoch had a finite validation Pearson r (the predictions are "
          "constant)" if state.epochs_done else "no epoch completed")
      print(f"training failed: {reason}; no epoch to export", file=sys.stderr)
      return RunOutcome(EXIT_DIVERGED)
    state.load_best(self.model)
    if not self.is_chief:
      return RunOutcome(0)
    stopped = (f"diverged: {control.diverged}" if control.diverged else
               state.stopped or "completed")
    report = self._finish(stopped)
    if control.diverged:
      print(f"training diverged ({control.diverged}); exported the best "
            f"epoch ({state.best_epoch} of {state.epochs_done} completed)",
            file=sys.stderr, flush=True)
      return RunOutcome(EXIT_DIVERGED, report)
    return RunOutcome(0, report)

  # --- The best epoch's outputs ------------------------------------------

  def _finish(self, stopped: str) -> dict:
    """Final metrics on the best epoch, reports, figures and exports."""
    final = self._final_metrics()
    report = self._report(final, stopped)
    self._write_figures(report, final)
    self._write_model()
    report["wall_seconds"] = round(time.perf_counter() - self.wall0, 2)
    files.write_text(os.path.join(self.run_dir, "report.json"),
                     json.dumps(report, indent=1, default=float))
    files.write_text(os.path.join(self.run_dir, "report.md"),
                     run_report.report_markdown(report))
    print(run_report.summary_line(self.state.best_epoch, final.train,
                                  final.validation, final.test), flush=True)
    print(f"stopped: {stopped}", flush=True)
    print(f"outputs in {self.run_dir}: {written_outputs(self.run_dir)}",
          flush=True)
    return report

  def _final_metrics(self) -> FinalMetrics:
    cache, evaluator = self.cache, self.evaluator
    n_train = len(cache.train_codes)
    sample_rows = self.train_config.train_eval_rows
    sample = np.arange(n_train)
    sampled = 0 < sample_rows < n_train
    if sampled:
      rng = np.random.default_rng([self.config.data.seed, 2])
      sample = np.sort(rng.choice(n_train, sample_rows, replace=False))
    names = cache.target_names
    train = metrics.target_metrics(
        cache.train_targets[sample],
        evaluator.predict(cache.train_codes[sample]), names)
    train["sampled"] = bool(sampled)
    validation, predictions, test = None, None, None
    if len(cache.val_codes):
      predictions = evaluator.predict(cache.val_codes)
      validation = metrics.target_metrics(cache.val_targets, predictions,
                                          names)
    if cache.has_test:
      test = metrics.target_metrics(
          cache.test_targets, evaluator.predict(cache.test_codes), names)
    return FinalMetrics(train, validation, predictions, len(sample), sampled,
                        test)

  def _report(self, final: FinalMetrics, stopped: str) -> dict:
    """report.json's content ("wall_seconds" is set when all is written)."""
    settings, state, plan, cache = (self.train_config, self.state, self.plan,
                                    self.cache)
    report = {
        "train": final.train, "validation": final.validation,
        "targets": cache.target_names,
        "best_epoch": state.best_epoch, "epochs_run": state.epochs_done,
        "epochs_requested": settings.epochs,
        "steps_run": state.steps_done, "steps_planned": plan.total_steps,
        "stopped": stopped,
        "selection": run_report.selection_rule(settings,
                                               len(cache.target_names)),
        "steps_per_epoch": plan.steps_per_epoch,
        "passes_per_epoch": round(plan.steps_per_epoch * settings.batch_size
                                  / len(cache.train_codes), 3),
        "throughput_seq_per_s": round(state.examples /
                                      max(state.train_seconds, 1e-9), 1),
        "train_seconds": round(state.train_seconds, 2),
        "wall_seconds": 0.0,
        "jit_compile": bool(self.jit),
        "precision": self.precision or {
            "requested": settings.mixed_precision,
            "mixed_precision": settings.mixed_precision},
        "matmul_precision": self.matmul_precision,
        "backend": keras.backend.backend(),
        "replicas": self.strategy.num_replicas_in_sync,
        "parameters": model_lib.parameter_counts(self.model),
        "data": {"counts": cache.meta["counts"],
                 "scaler": cache.meta["scaler"],
                 "input": cache.meta["input"]},
        "metric_notes": run_report.metric_notes(final.train_rows,
                                                final.sampled),
        "madlab_table3": run_report.MADLAB_TABLE3,
        "history": state.history,
        "loss_spikes": self.spikes.summary(),
        "hardware": machine.describe(),
        "config": self.config.to_dict(),
        "flagfile": self.flagfile,
    }
    if final.test is not None:
      report["test"] = final.test
    if self.initialised:
      report["init_from"] = self.initialised
    if settings.freeze:
      report["frozen"] = list(settings.freeze)
    if settings.baseline_kmer:
      report["baseline"] = baseline.fit_and_score(
          cache, settings.baseline_kmer, self.config.data.seed)
    return report

  def _write_figures(self, report: dict, final: FinalMetrics) -> None:
    if not plots.available():
      print(plots.MISSING, file=sys.stderr, flush=True)
      report["figures"] = "skipped: Matplotlib is not installed"
      return
    plots.learning_curve(
        os.path.join(self.run_dir, "learning_curve.png"), self.state.history,
        report.get("baseline", {}).get("validation", {}).get("pearson"))
    if final.validation_predictions is not None:
      cache = self.cache
      measured = cache.to_expression(cache.val_targets)
      predicted = cache.to_expression(final.validation_predictions)
      if measured.ndim == 1:
        plots.validation_scatter(
            os.path.join(self.run_dir, "validation_scatter.png"), measured,
            predicted, final.validation["pearson"])
        return
      for j, name in enumerate(cache.target_names):
        plots.validation_scatter(
            os.path.join(self.run_dir, f"validation_scatter_{name}.png"),
            measured[:, j], predicted[:, j],
            final.validation["targets"][name]["pearson"], label=name)

  def _write_model(self) -> None:
    """flags.txt, config.json, model.keras with model.json and (on
    TensorFlow) the SavedModel."""
    run_dir, cache = self.run_dir, self.cache
    # model.keras (with the optimizer) and the SavedModel (the weights and
    # a graph), written beside the old ones until they replace them.
    graph = GRAPH_BYTES + weights_bytes(self.model) if on_tensorflow() else 0
    files.check_free_space(run_dir, weights_bytes(self.model, True) + graph,
                           "model.keras and saved_model/")
    files.write_text(os.path.join(run_dir, run_files.FLAGS_FILE),
                     self.flagfile)
    trained = self._trained_range()
    files.write_text(os.path.join(run_dir, CONFIG_FILE), json.dumps(
        {**self.config.to_dict(), **trained}, indent=1) + "\n")
    metadata = {"best_epoch": self.state.best_epoch,
                "config": self.config.to_dict(), **trained}
    paths = run_files.RunFiles(run_dir)
    with files.atomic_path(paths.keras_file) as tmp:
      self.model.save(tmp)
    export.write_metadata(paths.metadata_file, export.model_metadata(
        cache.mean, cache.sd, cache.seq_len, cache.target_names, metadata))
    if on_tensorflow():
      export.export_saved_model(self.model, paths.saved_model, cache.mean,
                                cache.sd, cache.seq_len, metadata,
                                target_names=cache.target_names)

  def _trained_range(self) -> dict:
    """{"trained_range": {"min", "max", "sd"}}: the training targets on the
    expression scale (config.json and the SavedModel's metadata carry it);
    for several targets {"trained_range": {name: {"min", "max", "sd"}}}."""
    cache = self.cache
    targets = np.asarray(cache.to_expression(cache.train_targets))
    if targets.ndim == 1:
      return {TRAINED_RANGE_KEY: out_of_range.trained_range_of(targets)}
    return {TRAINED_RANGE_KEY: {
        name: out_of_range.trained_range_of(targets[:, i])
        for i, name in enumerate(cache.target_names)}}
