"""`pretrain`: simulate rows, train on them, write the prior and its record."""

from __future__ import annotations

import os
import platform
import shutil
import sys
import tempfile
import time

import numpy as np

from madlab_dream import machine
from madlab_dream.errors import InputError
from madlab_dream.tools.simulator import train_rows
from madlab_dream.tools.simulator.measure import noise_ceiling
from madlab_dream.tools.simulator.writers import format_rows
from madlab_dream.training import pretrained

#: Validation points over the run (the best one is kept).
EVALUATIONS = 6
#: The optimiser of experiments/demo.flags, the one measured to learn on a
#: 2-core CPU's budget of steps (docs/demo.md).
RECIPE = {"batch_size": 32, "learning_rate": 3e-4, "l2": 1e-5,
          "jit_compile": "true", "train_eval_rows": 5000,
          "baseline_kmer": 0, "progress": False, "resume": False}


def write_rows(path: str, rows: int, seed: int) -> float:
  """Writes `rows` simulated DREAM training rows of `seed` to `path`;
  returns their noise ceiling (r of the measured values with the
  noiseless activity)."""
  activity, measured = [], []
  with open(path, "wb") as f:
    for index, start in enumerate(range(0, rows, train_rows.TRAIN_BLOCK)):
      n = min(train_rows.TRAIN_BLOCK, rows - start)
      block = train_rows.train_block(seed, index, n)
      f.write(format_rows(block.seq_codes, block.lengths, block.measured))
      activity.append(block.activity)
      measured.append(block.measured)
  return float(noise_ceiling(np.concatenate(activity),
                             np.concatenate(measured)))


def recorded_command(argv=None) -> str:
  """This process's pretrain command without --work_dir (where the
  intermediate files were kept changes no figure, and names a path of the
  machine that ran it)."""
  kept = [a for a in (sys.argv[1:] if argv is None else argv)
          if not a.startswith(("--work_dir=", "-work_dir="))]
  return " ".join(["python -m madlab_dream.pretrain", *kept])


def check_output(output_dir: str) -> None:
  """Refuses to overwrite a prior outside the package's own directory."""
  if os.path.abspath(output_dir) == pretrained.DIRECTORY:
    return
  for path in (pretrained.weights_path(output_dir),
               pretrained.record_path(output_dir)):
    if os.path.exists(path):
      raise InputError("already exists (pretrain does not overwrite a "
                       "prior outside the package; remove it first)", path)


def _record(rows, steps, seed, ceiling, report, settings, seconds,
            command) -> dict:
  info = machine.describe()
  validation = report["validation"]
  return {
      "command": command, "seed": seed, "rows": rows, "steps": steps,
      "steps_run": report["steps_run"],
      "grammar": "the simulator's default grammar",
      "preset": ("as described (every weight trained)" if not settings
                 else f"as described, with {settings}"),
      "parameters": report["parameters"],
      "recipe": {k: RECIPE[k] for k in ("batch_size", "learning_rate",
                                        "l2")},
      "best_epoch": report.get("best_epoch"),
      "steps_per_evaluation": steps // EVALUATIONS,
      "simulated_validation_r": round(float(validation["pearson"]), 4),
      "simulated_training_rows": report["data"]["counts"]["train"],
      "simulated_validation_rows": report["data"]["counts"]["validation"],
      "train_seconds": report["train_seconds"],
      "noise_ceiling": round(ceiling, 4),
      "share_of_ceiling": round(float(validation["pearson"]) / ceiling, 4),
      "seconds": round(seconds, 1),
      "load_average_1min_at_end": round(os.getloadavg()[0], 2),
      "cpu": machine.cpu_line(info),
      "keras": info.get("keras"), "tensorflow": info.get("tensorflow"),
      "python": platform.python_version(),
      "trained_on": "simulated rows only, no measured data",
  }


def pretrain(rows: int = 300_000, steps: int = 19_200, seed: int = 31,
             output_dir: str | None = None, work_dir: str | None = None,
             command: str | None = None, settings: dict | None = None
             ) -> dict:
  """Simulates, trains, writes the prior; returns its record.

  Args:
    rows: simulated training rows (MadLab's singleton filter and a 2 %
      validation split are applied to them as to real rows).
    steps: training steps of batch 32.
    seed: the simulated rows' seed and the run's.
    output_dir: where simulator.npz and simulator.json go.
    work_dir: keeps the simulated rows and the training run there (default:
      a temporary directory, removed at the end).
    command: the command line to record (default: this process's).
    settings: other training settings by flag name (e.g. a smaller model
      for a quick check), recorded; the prior is MadLab's model without.
  """
  output_dir = output_dir or pretrained.DIRECTORY
  if rows < 2000 or steps < EVALUATIONS:
    raise InputError(f"pretrain needs at least 2000 rows and {EVALUATIONS} "
                     f"steps (got {rows} rows, {steps} steps)")
  check_output(output_dir)
  from madlab_dream.training import loop  # heavy: TensorFlow
  t0 = time.perf_counter()
  scratch = work_dir or tempfile.mkdtemp(prefix="madlab_pretrain_")
  os.makedirs(scratch, exist_ok=True)
  try:
    data = os.path.join(scratch, "simulated_train.txt")
    ceiling = write_rows(data, rows, seed)
    print(f"pretrain: {rows} simulated rows (seed {seed}, noise ceiling "
          f"{ceiling:.3f}) in {data}", flush=True)
    result = loop.train(train_data=data, model_dir=os.path.join(scratch,
                        "run"), seed=seed, max_steps=steps,
                        steps_per_epoch=steps // EVALUATIONS,
                        epochs=EVALUATIONS, **RECIPE, **(settings or {}))
    if result.status:
      raise InputError(f"the training run ended with status {result.status}",
                       result.run_dir)
    import keras  # heavy, and started by the training run above
    model = keras.models.load_model(os.path.join(result.run_dir,
                                                 "model.keras"), compile=False)
    record = _record(rows, steps, seed, ceiling, result.report, settings,
                     time.perf_counter() - t0, command or recorded_command())
    weights, rec = pretrained.save(model, record, output_dir)
  finally:
    if work_dir is None:
      shutil.rmtree(scratch, ignore_errors=True)
  print(f"pretrain: simulated validation r {record['simulated_validation_r']}"
        f" ({100 * record['share_of_ceiling']:.1f} % of the noise ceiling) "
        f"after {steps} steps, {record['seconds']:.0f} s on {record['cpu']}; "
        f"wrote {weights} and {rec}", flush=True)
  return record
