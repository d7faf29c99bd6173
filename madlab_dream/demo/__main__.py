"""`make demo`: the whole product on a laptop, each step a real command.

  1. simulate a DREAM-format dataset (cached in <output_dir>/data)
  2. measure this machine's training speed and plan the run to fit the
     budget (default: the whole demo in 12 minutes), printed before training
  3. train experiments/demo.flags (the MadLab architecture) for the planned
     steps, with the k-mer ridge baseline fitted on the same rows
  4. predict the simulated test set from the exported SavedModel in a fresh
     process, as a challenge submission (JSON)
  5. score it with the challenge's official weighted Pearson/Spearman scores
  6. summarise: model vs baseline vs the noise ceiling, the learning curve,
     the checks, and where things are

  python -m madlab_dream.demo [--output_dir=demo_output] [--budget=12m]
      [--train_arg=--flag=value ...] [--check_targets]
"""

import json
import os
import subprocess
import sys
import time

from madlab_dream import cli
from madlab_dream import config as cfg
from madlab_dream import flags
from madlab_dream import machine
from madlab_dream.demo import budget
from madlab_dream.demo import verdict
from madlab_dream.errors import InputError
from madlab_dream.io import files
from madlab_dream.scoring import names

MIN_ROWS = 1000


def step(title: str, args: list[str]) -> float:
  print(f"\n== {title}\n$ {' '.join(args)}", flush=True)
  t0 = time.perf_counter()
  proc = subprocess.run([sys.executable, *args])
  if proc.returncode != 0:
    raise SystemExit(f"demo: step failed ({title}), exit status "
                     f"{proc.returncode}")
  return time.perf_counter() - t0


def simulate(data_dir: str, train_rows: int, test_rows: int,
             seed: int) -> float:
  """Simulates the dataset unless the same one is already there."""
  meta_path = os.path.join(data_dir, "simulation.json")
  wanted = {"train_rows": train_rows, "test_rows": test_rows, "seed": seed}
  if os.path.exists(meta_path):
    with open(meta_path) as f:
      meta = json.load(f)
    if all(meta.get(k) == v for k, v in wanted.items()):
      print(f"== 1. simulated data: reusing {data_dir}", flush=True)
      return 0.0
  return step("1. simulate a DREAM-format dataset", [
      "-m", "madlab_dream.simulate", f"--output_dir={data_dir}",
      f"--train_rows={train_rows}", f"--test_rows={test_rows}",
      f"--seed={seed}"])


def main():
  f = flags.FLAGS
  for name in ("train_rows", "test_rows"):
    if f[name].value < MIN_ROWS:
      raise InputError(f"--{name}={f[name].value}: must be at least "
                       f"{MIN_ROWS:,}")
  budget_s = cfg.duration_seconds("budget", f.budget)
  t_start = time.perf_counter()
  out = f.output_dir
  files.check_writable_dir(out)
  data_dir, run_dir = os.path.join(out, "data"), os.path.join(out, "run")
  train_data = os.path.join(data_dir, names.TRAIN_FILE)
  base_args = [f"--flagfile={f.flagfile_path}", f"--train_data={train_data}",
               f"--model_dir={run_dir}", "--noresume"]
  run = flags.run_config_from_args(base_args + list(f.train_arg))
  times = {"simulate": simulate(data_dir, f.train_rows, f.test_rows,
                                f.sim_seed)}

  print("\n== 2. measure this machine and plan the run", flush=True)
  speed = budget.measure_speed(run)
  times["plan"] = speed["seconds"]
  kept = f.train_rows * 0.72  # whole-number rows kept with p = 0.5
  val_rows = max(run.data.val_fraction * kept, run.data.min_val_rows)
  reserve = budget.reserve_seconds(
      speed, int(val_rows), min(run.train.train_eval_rows, int(kept)),
      f.test_rows, int(kept) if run.train.baseline_kmer else 0)
  plan = budget.make_plan(budget_s, time.perf_counter() - t_start, reserve,
                            speed, run.train.batch_size)
  print(f"machine: {machine.cpu_line(machine.describe())}")
  print(plan.describe(run.train.batch_size), flush=True)

  times["train"] = step("3. train the MadLab model (+ k-mer ridge baseline)", [
      "-m", "madlab_dream.train", *base_args, *plan.train_args(),
      *f.train_arg])
  submission = os.path.join(out, "test_predictions.json")
  times["predict"] = step("4. predict the test set from the SavedModel", [
      "-m", "madlab_dream.predict", f"--model={run_dir}",
      f"--input={os.path.join(data_dir, names.TEST_FILE)}",
      f"--output={submission}"])
  scores_path = os.path.join(out, "test_scores.json")
  times["evaluate"] = step("5. score it like the challenge", [
      "-m", "madlab_dream.evaluate", f"--predictions={submission}",
      f"--ground_truth={os.path.join(data_dir, names.TRUTH_FILE)}",
      f"--subsets_dir={os.path.join(data_dir, names.SUBSET_DIR)}",
      f"--public_dir={os.path.join(data_dir, names.PUBLIC_DIR)}",
      f"--output={scores_path}"])

  with open(os.path.join(run_dir, "report.json")) as fh:
    trained = json.load(fh)
  with open(scores_path) as fh:
    scores = json.load(fh)
  ceiling = verdict.noise_ceiling_on_validation(data_dir, run_dir)
  model_r = trained["validation"]["pearson"]
  base_r = trained["baseline"]["validation"]["pearson"]
  verdict.learning_curve(os.path.join(out, "learning_curve.png"),
                        trained["history"], base_r, ceiling["pearson"])
  total_s = time.perf_counter() - t_start
  summary = {
      "machine": machine.cpu_line(machine.describe()),
      "validation_pearson": {"model": model_r, "baseline": base_r,
                             "noise_ceiling": ceiling["pearson"],
                             "fraction_of_ceiling": model_r /
                             ceiling["pearson"],
                             "rows": ceiling["rows"]},
      "test_scores": {"pearson_score": scores["pearson_score"],
                      "spearman_score": scores["spearman_score"]},
      "checks": verdict.checks(model_r, base_r, ceiling["pearson"], total_s,
                              budget_s),
      "plan": {**vars(plan), "speed": speed},
      "seconds": {k: round(v, 1) for k, v in times.items()},
      "total_seconds": round(total_s, 1),
      "training": {"epochs": trained["epochs_run"],
                   "best_epoch": trained["best_epoch"],
                   "steps_run": trained["steps_run"],
                   "stopped": trained["stopped"],
                   "train_rows": trained["data"]["counts"]["train"],
                   "throughput_seq_per_s": trained["throughput_seq_per_s"],
                   "history": [{k: h.get(k) for k in (
                       "epoch", "steps", "elapsed_seconds", "val_pearson")}
                               for h in trained["history"]]},
  }
  print("\n" + verdict.write(out, summary))
  print(f"""Where everything is:
  simulated data        {data_dir}/ (train/test files, subsets, simulation.json)
  training run          {run_dir}/ (report.md, history.csv, tensorboard/,
                        validation_scatter.png, model.keras, saved_model/)
  learning curve        {os.path.join(out, 'learning_curve.png')}
  test submission       {submission}
  challenge scores      {scores_path} (+ .md)
  this summary          {os.path.join(out, 'demo_report.md')}""")
  failed = [k for k, ok in summary["checks"].items() if not ok]
  if f.check_targets and failed:
    print(f"demo: FAILED check(s): {'; '.join(failed)}", file=sys.stderr)
    return 1
  return 0


if __name__ == "__main__":
  cli.run(main, "madlab_dream.demo", flags.define_demo_flags)
