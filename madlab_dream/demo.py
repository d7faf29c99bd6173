"""`make demo`: the whole product on a laptop, each step a real command.

  1. simulate a DREAM-format dataset (cached in <output_dir>/data)
  2. train experiments/demo.flags (the MadLab architecture, fewer rows/epochs)
     with the k-mer ridge baseline fitted on the same rows
  3. predict the simulated test set from the exported SavedModel in a fresh
     process, as a challenge submission (JSON)
  4. score it with the challenge's official weighted Pearson/Spearman scores
  5. summarise: model vs baseline vs the noise ceiling, and where things are

  python -m madlab_dream.demo [--output_dir=demo_output] [--train_rows=...]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np

from madlab_dream import cli
from madlab_dream import flags
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


def noise_ceiling_on_validation(data_dir: str, run_dir: str) -> dict:
  """Pearson r of the noiseless activity vs the measured value, validation rows."""
  from madlab_dream import data
  from madlab_dream import metrics
  from madlab_dream import simulate
  from madlab_dream.io import dream
  cache = data.load_cache(os.path.join(run_dir, "cache"))
  rows = dream.read(os.path.join(data_dir, names.TRAIN_FILE), cache.seq_len,
                    keep_text=True)
  val = np.asarray(cache.val_rows)
  activity = simulate.activity([rows.text[i] for i in val])
  return {"pearson": metrics.pearson(rows.expression[val], activity),
          "rows": int(len(val))}


def main():
  FLAGS = flags.FLAGS
  for name in ("train_rows", "test_rows"):
    if FLAGS[name].value < MIN_ROWS:
      raise InputError(f"--{name}={FLAGS[name].value}: must be at least "
                       f"{MIN_ROWS:,}")
  t_start = time.perf_counter()
  out = FLAGS.output_dir
  files.check_writable_dir(out)
  data_dir = os.path.join(out, "data")
  run_dir = os.path.join(out, "run")
  times = {}
  meta_path = os.path.join(data_dir, "simulation.json")
  wanted = {"train_rows": FLAGS.train_rows, "test_rows": FLAGS.test_rows,
            "seed": FLAGS.sim_seed}
  cached = False
  if os.path.exists(meta_path):
    with open(meta_path) as f:
      meta = json.load(f)
    cached = all(meta.get(k) == v for k, v in wanted.items())
  if cached:
    print(f"== 1. simulated data: reusing {data_dir}", flush=True)
    times["simulate"] = 0.0
  else:
    times["simulate"] = step("1. simulate a DREAM-format dataset", [
        "-m", "madlab_dream.simulate", f"--output_dir={data_dir}",
        f"--train_rows={FLAGS.train_rows}", f"--test_rows={FLAGS.test_rows}",
        f"--seed={FLAGS.sim_seed}"])
  times["train"] = step("2. train the MadLab model (+ k-mer ridge baseline)", [
      "-m", "madlab_dream.train", f"--flagfile={FLAGS.flagfile_path}",
      f"--train_data={os.path.join(data_dir, names.TRAIN_FILE)}",
      f"--model_dir={run_dir}", *FLAGS.train_arg])
  submission = os.path.join(out, "test_predictions.json")
  times["predict"] = step("3. predict the test set from the SavedModel", [
      "-m", "madlab_dream.predict", f"--model={run_dir}",
      f"--input={os.path.join(data_dir, names.TEST_FILE)}",
      f"--output={submission}"])
  scores_path = os.path.join(out, "test_scores.json")
  times["evaluate"] = step("4. score it like the challenge", [
      "-m", "madlab_dream.evaluate", f"--predictions={submission}",
      f"--ground_truth={os.path.join(data_dir, names.TRUTH_FILE)}",
      f"--subsets_dir={os.path.join(data_dir, names.SUBSET_DIR)}",
      f"--public_dir={os.path.join(data_dir, names.PUBLIC_DIR)}",
      f"--output={scores_path}"])

  with open(os.path.join(run_dir, "report.json")) as f:
    report = json.load(f)
  with open(scores_path) as f:
    scores = json.load(f)
  ceiling = noise_ceiling_on_validation(data_dir, run_dir)
  model_r = report["validation"]["pearson"]
  base_r = report["baseline"]["validation"]["pearson"]
  fraction = model_r / ceiling["pearson"]
  checks = {"model beats the k-mer baseline": model_r > base_r,
            "model reaches 85 % of the noise ceiling": fraction >= 0.85}
  summary = {
      "validation_pearson": {"model": model_r, "baseline": base_r,
                             "noise_ceiling": ceiling["pearson"],
                             "fraction_of_ceiling": fraction,
                             "rows": ceiling["rows"]},
      "test_scores": {"pearson_score": scores["pearson_score"],
                      "spearman_score": scores["spearman_score"]},
      "checks": checks,
      "seconds": {k: round(v, 1) for k, v in times.items()},
      "total_seconds": round(time.perf_counter() - t_start, 1),
      "training": {"epochs": report["epochs_run"],
                   "best_epoch": report["best_epoch"],
                   "train_rows": report["data"]["counts"]["train"],
                   "throughput_seq_per_s": report["throughput_seq_per_s"]},
  }
  lines = [
      "# madlab-dream demo", "",
      "| validation (simulated) | Pearson r |", "|---|---:|",
      f"| MadLab model | {model_r:.4f} |",
      f"| ridge on k-mer counts | {base_r:.4f} |",
      f"| noise ceiling (noiseless activity vs measured) | "
      f"{ceiling['pearson']:.4f} |",
      f"| model / ceiling | {fraction:.1%} |", "",
      f"Test set, challenge scores: Pearson score "
      f"{scores['pearson_score']:.4f}, Spearman score "
      f"{scores['spearman_score']:.4f}.", "",
      *[f"- [{'x' if ok else ' '}] {name}" for name, ok in checks.items()], "",
      "Seconds: " + ", ".join(f"{k} {v:.0f}" for k, v in times.items()) +
      f"; total {summary['total_seconds']:.0f}.", ""]
  files.write_text(os.path.join(out, "demo_report.json"),
                   json.dumps(summary, indent=1))
  files.write_text(os.path.join(out, "demo_report.md"), "\n".join(lines))
  print("\n" + "\n".join(lines))
  print(f"""Where everything is:
  simulated data        {data_dir}/ (train/test files, subsets, simulation.json)
  training run          {run_dir}/ (report.md, history.csv, tensorboard/,
                        validation_scatter.png, model.keras, saved_model/)
  test submission       {submission}
  challenge scores      {scores_path} (+ .md)
  this summary          {os.path.join(out, 'demo_report.md')}""")
  if FLAGS.check_targets and not all(checks.values()):
    failed = [k for k, ok in checks.items() if not ok]
    print(f"demo: FAILED check(s): {', '.join(failed)}", file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
  cli.run(main, "madlab_dream.demo", flags.define_demo_flags)
