"""The demo's verdict: model vs k-mer ridge vs noise ceiling, on validation.

The noise ceiling is the Pearson r of the simulator's noiseless activity
against the measured values of the same validation rows: no model can
expect more. The checks: the model beats the ridge baseline by
`MARGIN_OVER_BASELINE` r, reaches `CEILING_FRACTION` of the ceiling, and the
whole demo ends within its budget.
"""

from __future__ import annotations

import json
import os

import numpy as np

from madlab_dream import data
from madlab_dream import metrics
from madlab_dream.io import dream
from madlab_dream.io import files
from madlab_dream.scoring import names
from madlab_dream.tools import simulator as simulate
from madlab_dream.training import plots

MARGIN_OVER_BASELINE = 0.05
CEILING_FRACTION = 0.75


def noise_ceiling_on_validation(data_dir: str, run_dir: str) -> dict:
  """Pearson r of the noiseless activity vs the measured value, validation."""
  cache = data.load_cache(os.path.join(run_dir, "cache"))
  rows = dream.read(os.path.join(data_dir, names.TRAIN_FILE), cache.seq_len,
                    keep_text=True)
  val = np.asarray(cache.val_rows)
  activity = simulate.activity([rows.text[i] for i in val])
  return {"pearson": metrics.pearson(rows.expression[val], activity),
          "rows": int(len(val))}


def checks(model_r: float, baseline_r: float, ceiling_r: float,
           total_s: float, budget_s: float) -> dict[str, bool]:
  return {
      f"model beats the k-mer baseline by >= {MARGIN_OVER_BASELINE} r":
          model_r >= baseline_r + MARGIN_OVER_BASELINE,
      f"model reaches {CEILING_FRACTION:.0%} of the noise ceiling":
          model_r >= CEILING_FRACTION * ceiling_r,
      f"the demo ends within its budget ({budget_s / 60:.0f} min)":
          total_s <= budget_s,
  }


def markdown(summary: dict) -> str:
  """demo_report.md: the table of r, the test scores, the plan, the checks."""
  val, test = summary["validation_pearson"], summary["test_scores"]
  plan, training = summary["plan"], summary["training"]
  lines = [
      "# madlab-dream demo", "",
      f"Machine: {summary['machine']}.", "",
      "| validation (simulated) | Pearson r |", "|---|---:|",
      f"| MadLab model (best epoch {training['best_epoch']} of "
      f"{training['epochs']}) | {val['model']:.4f} |",
      f"| ridge on k-mer counts | {val['baseline']:.4f} |",
      f"| noise ceiling (noiseless activity vs measured) | "
      f"{val['noise_ceiling']:.4f} |",
      f"| model / ceiling | {val['fraction_of_ceiling']:.1%} |", "",
      f"Test set, challenge scores: Pearson score {test['pearson_score']:.4f}, "
      f"Spearman score {test['spearman_score']:.4f}.", "",
      f"Plan: {plan['steps']:,} steps in {plan['epochs']} "
      f"epoch{'s' * (plan['epochs'] != 1)} at "
      f"{plan['train_seq_per_s']:,.0f} training seq/s measured at start; ran "
      f"{training['steps_run']:,} steps at "
      f"{training['throughput_seq_per_s']:,.0f} seq/s "
      f"({training['stopped']}). Learning curve: `learning_curve.png`.", "",
      *[f"- [{'x' if ok else ' '}] {name}"
        for name, ok in summary["checks"].items()], "",
      "Seconds: " + ", ".join(f"{step} {seconds:.0f}" for step, seconds in
                              summary["seconds"].items()) +
      f"; total {summary['total_seconds']:.0f} of {plan['budget_s']:.0f}.", ""]
  return "\n".join(lines)


def learning_curve(path: str, history: list[dict], baseline_r: float,
                   ceiling_r: float) -> None:
  """The run's validation r by training minute, with the targets drawn."""
  plots.learning_curve(path, history, baseline_r, {
      f"{CEILING_FRACTION:.0%} of the noise ceiling": CEILING_FRACTION *
      ceiling_r,
      f"baseline + {MARGIN_OVER_BASELINE}": baseline_r + MARGIN_OVER_BASELINE})


def write(out: str, summary: dict) -> str:
  """demo_report.json and .md in `out`; returns the Markdown."""
  text = markdown(summary)
  files.write_text(os.path.join(out, "demo_report.json"),
                   json.dumps(summary, indent=1))
  files.write_text(os.path.join(out, "demo_report.md"), text)
  return text
