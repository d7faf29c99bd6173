"""The demo's steps (`make demo`), each a real command.

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

`python -m madlab_dream.demo` (`madlab_dream.commands.demo`) runs them.
"""

import dataclasses
import json
import os
import subprocess
import sys
import time

from madlab_dream import config as cfg
from madlab_dream import machine
from madlab_dream.scoring import names
from madlab_dream.tools.demo import budget
from madlab_dream.tools.demo import verdict

#: The demo's own files in --output_dir (data/ and run/ are simulate's and
#: train's, each with its own manifest).
DEMO_FILES = ("test_predictions.json", "test_scores.json", "test_scores.md",
              "learning_curve.png", "demo_report.json", "demo_report.md")


@dataclasses.dataclass(frozen=True)
class DemoPaths:
  """Where the demo writes, under --output_dir."""
  out: str

  @property
  def data_dir(self) -> str:
    return os.path.join(self.out, "data")

  @property
  def run_dir(self) -> str:
    return os.path.join(self.out, "run")

  def data(self, name: str) -> str:
    return os.path.join(self.data_dir, name)

  @property
  def submission(self) -> str:
    return os.path.join(self.out, "test_predictions.json")

  @property
  def scores(self) -> str:
    return os.path.join(self.out, "test_scores.json")


def step(title: str, args: list[str]) -> float:
  """Runs `python ARGS` as one demo step; returns its seconds."""
  print(f"\n== {title}\n$ {' '.join(args)}", flush=True)
  started = time.perf_counter()
  proc = subprocess.run([sys.executable, *args])
  if proc.returncode != 0:
    raise SystemExit(f"demo: step failed ({title}), exit status "
                     f"{proc.returncode}")
  return time.perf_counter() - started


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


def train_args(paths: DemoPaths, flagfile: str) -> list[str]:
  """The training command's arguments, before the plan's and the user's."""
  return [f"--flagfile={flagfile}",
          f"--train_data={paths.data(names.TRAIN_FILE)}",
          f"--model_dir={paths.run_dir}", "--noresume"]


def run_demo(paths: DemoPaths, run: cfg.RunConfig, base_args: list[str],
             extra_args: list[str], sizes: dict[str, int], budget_s: float,
             started: float, check_targets: bool) -> int:
  """Steps 1-6; the exit status (1: --check_targets and a check failed).

  `run` is the training run `base_args + extra_args` describe; `sizes`
  the simulated rows and seed (train_rows, test_rows, seed).
  """
  times = {"simulate": simulate(paths.data_dir, sizes["train_rows"],
                                sizes["test_rows"], sizes["seed"])}
  plan, speed = measure_and_plan(run, sizes["train_rows"],
                                 sizes["test_rows"], budget_s, started)
  times["plan"] = speed["seconds"]
  times.update(train_predict_score(paths, base_args, extra_args, plan))
  summary = summarise(paths, plan, speed, times, budget_s, started)
  print("\n" + verdict.write(paths.out, summary))
  print_where(paths)
  failed = [name for name, ok in summary["checks"].items() if not ok]
  if check_targets and failed:
    print(f"demo: FAILED check(s): {'; '.join(failed)}", file=sys.stderr)
    return 1
  return 0

def measure_and_plan(run, train_rows: int, test_rows: int, budget_s: float,
                     started: float):
  """Step 2: this machine's speed, and the run sized to the budget left."""
  print("\n== 2. measure this machine and plan the run", flush=True)
  speed = budget.measure_speed(run)
  kept = train_rows * 0.72  # whole-number rows kept with p = 0.5
  val_rows = max(run.data.val_fraction * kept, run.data.min_val_rows)
  reserve = budget.reserve_seconds(
      speed, int(val_rows), min(run.train.train_eval_rows, int(kept)),
      test_rows, int(kept) if run.train.baseline_kmer else 0)
  plan = budget.make_plan(budget_s, time.perf_counter() - started, reserve,
                          speed, run.train.batch_size)
  print(f"machine: {machine.cpu_line(machine.describe())}")
  print(plan.describe(run.train.batch_size), flush=True)
  return plan, speed


def train_predict_score(paths: DemoPaths, base_args: list[str],
                        train_args: list[str],
                        plan: budget.DemoPlan) -> dict[str, float]:
  """Steps 3-5, each a real command; returns their seconds."""
  return {
      "train": step("3. train the MadLab model (+ k-mer ridge baseline)", [
          "-m", "madlab_dream.train", *base_args, *plan.train_args(),
          *train_args]),
      "predict": step("4. predict the test set with the trained model", [
          "-m", "madlab_dream.predict", f"--model={paths.run_dir}",
          f"--input={paths.data(names.TEST_FILE)}",
          f"--output={paths.submission}"]),
      "evaluate": step("5. score it like the challenge", [
          "-m", "madlab_dream.evaluate", f"--predictions={paths.submission}",
          f"--ground_truth={paths.data(names.TRUTH_FILE)}",
          f"--subsets_dir={paths.data(names.SUBSET_DIR)}",
          f"--public_dir={paths.data(names.PUBLIC_DIR)}",
          f"--output={paths.scores}"]),
  }


def summarise(paths: DemoPaths, plan: budget.DemoPlan, speed: dict,
              times: dict[str, float], budget_s: float,
              started: float) -> dict:
  """Step 6: demo_report.json's content (and the learning curve)."""
  with open(os.path.join(paths.run_dir, "report.json")) as f:
    trained = json.load(f)
  with open(paths.scores) as f:
    scores = json.load(f)
  ceiling = verdict.noise_ceiling_on_validation(paths.data_dir, paths.run_dir)
  model_r = trained["validation"]["pearson"]
  baseline_r = trained["baseline"]["validation"]["pearson"]
  verdict.learning_curve(os.path.join(paths.out, "learning_curve.png"),
                         trained["history"], baseline_r, ceiling["pearson"])
  total_s = time.perf_counter() - started
  return {
      "machine": machine.cpu_line(machine.describe()),
      "validation_pearson": {"model": model_r, "baseline": baseline_r,
                             "noise_ceiling": ceiling["pearson"],
                             "fraction_of_ceiling": model_r /
                             ceiling["pearson"],
                             "rows": ceiling["rows"]},
      "test_scores": {"pearson_score": scores["pearson_score"],
                      "spearman_score": scores["spearman_score"]},
      "checks": verdict.checks(model_r, baseline_r, ceiling["pearson"],
                               total_s, budget_s),
      "plan": {**vars(plan), "speed": speed},
      "seconds": {name: round(seconds, 1) for name, seconds in times.items()},
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


def print_where(paths: DemoPaths) -> None:
  """Step 6's last lines: where each output is."""
  print("\n".join([
      "Where everything is:",
      f"  simulated data        {paths.data_dir}/ (train/test files, subsets, "
      "simulation.json)",
      f"  training run          {paths.run_dir}/ (report.md, history.csv, "
      "tensorboard/,",
      "                        validation_scatter.png, model.keras, "
      "saved_model/)",
      "  learning curve        "
      f"{os.path.join(paths.out, 'learning_curve.png')}",
      f"  test submission       {paths.submission}",
      f"  challenge scores      {paths.scores} (+ .md)",
      "  this summary          "
      f"{os.path.join(paths.out, 'demo_report.md')}"]))

