"""The run's written record: report.json / report.md and history.csv.

The report holds Table 3 of MadLab's report recomputed exactly (MSE, R^2,
Pearson r and r^2 on train and validation, for the exported weights),
beside their published figures, with the counts, speed, hardware and the
settings of the run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from madlab_dream.io import files

MADLAB_TABLE3 = {
    "train": {"mse": 0.4404, "r2_determination": 0.5710,
              "reported_pearson": 0.5807},
    "validation": {"mse": 0.4494, "r2_determination": 0.5608,
                   "reported_pearson": 0.5719},
    "note": ("MadLab's 'Pearson correlation' was r squared averaged over "
             "batches: 0.5719 is r^2, i.e. r ~ 0.756."),
}


def metric_notes(train_rows: int, sampled: bool) -> str:
  """What the report's metrics are, and on which training rows."""
  if not sampled:
    return "mse on the standardised target; whole sets"
  return ("mse on the standardised target; pearson is r over the whole set; "
          "pearson_squared is r^2; r2_determination is 1 - SSE/SST. Training "
          f"metrics on a seeded sample of {train_rows:,} rows")


def selection_rule(settings, num_targets: int) -> str:
  """report.json's "selection": how the best epoch was chosen."""
  if not settings.select_on_validation:
    return "last epoch"
  if settings.select_target:
    return f"best validation Pearson r of {settings.select_target}"
  if num_targets > 1:
    return "best mean validation Pearson r over the targets"
  return "best validation Pearson r"


def summary_line(best_epoch: int, train: dict, validation: dict | None,
                 test: dict | None = None) -> str:
  """The run's last line of figures: train, validation (and test) r;
  each target's validation r with several targets."""
  line = f"best epoch {best_epoch}: train r {train['pearson']:.4f}"
  if validation:
    line += (f", validation r {validation['pearson']:.4f} (r^2 "
             f"{validation['pearson_squared']:.4f}, MSE "
             f"{validation['mse']:.4f})")
    if "targets" in validation:
      line += " [" + ", ".join(f"{name} {m['pearson']:.4f}" for name, m in
                               validation["targets"].items()) + "]"
  if test:
    line += f"; test r {test['pearson']:.4f}"
  return line


def _score_row(name: str, scores: dict) -> str:
  return (f"| {name} | {scores['n']:,} | {scores['mse']:.4f} | "
          f"{scores['r2_determination']:.4f} | {scores['pearson']:.4f} | "
          f"{scores['pearson_squared']:.4f} |")


def _target_rows(report: dict) -> list[str]:
  """Per-target rows of each set, with several targets."""
  rows = []
  for set_name in ("train", "validation", "test"):
    scores = report.get(set_name)
    for target, per in (scores or {}).get("targets", {}).items():
      rows.append(_score_row(f"{set_name}: {target}", per))
  if not rows:
    return []
  return ["", f"Per target ({', '.join(report['targets'])}; the rows above "
          "are their means):", "",
          "| set: target | rows | MSE | R² (determination) | Pearson r | r² |",
          "|---|---:|---:|---:|---:|---:|", *rows]


def _data_lines(report: dict) -> list[str]:
  counts, scaler = report["data"]["counts"], report["data"]["scaler"]
  if "whole_number" not in counts:  # a table with a header row
    read = ", ".join(f"{role} {n:,}" for role, n in counts["read"].items())
    skipped = "; ".join(f"{role}: " + ", ".join(
        f"{n:,} {reason}" for reason, n in by_reason.items())
        for role, by_reason in counts["skipped"].items()) or "none"
    means, sds = np.atleast_1d(scaler["mean"]), np.atleast_1d(scaler["sd"])
    return [
        f"Rows read: {read}; skipped: {skipped}; train {counts['train']:,}; "
        f"validation {counts['validation']:,}; test {counts['test']:,} "
        f"(split: {counts['split_rule']}); trimmed {counts['trimmed']:,}; "
        f"padded {counts['padded']:,}.",
        "Targets (training mean, sd): " + "; ".join(
            f"{name} {m:.4f}, {s:.4f}" for name, m, s in
            zip(report["targets"], means, sds)) + "."]
  return [
      f"Rows read {counts['read']:,}; whole-number "
      f"{counts['whole_number']:,}; dropped {counts['dropped']:,}; kept "
      f"{counts['kept']:,}; train {counts['train']:,}; validation "
      f"{counts['validation']:,}; trimmed {counts['trimmed']:,}; padded "
      f"{counts['padded']:,}.",
      f"Target mean {scaler['mean']:.4f}, sd {scaler['sd']:.4f}."]


def report_markdown(report: dict) -> str:
  row = _score_row
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
  if report.get("test"):
    lines.append(row("test", report["test"]))
  lines += _target_rows(report)
  if report.get("init_from"):
    init = report["init_from"]
    lines += ["", f"Initialised from {init['from']} ({len(init['copied'])} "
              "layers copied" + (f"; re-initialised: "
                                 f"{', '.join(init['reinitialised'])}"
                                 if init["reinitialised"] else "") + ")."]
  if report.get("frozen"):
    lines += [f"Kept fixed: {', '.join(report['frozen'])}."]
  ref = MADLAB_TABLE3
  lines += [
      "", "MadLab's report (Table 3) for comparison: training MSE "
      f"{ref['train']['mse']}, R² {ref['train']['r2_determination']}, "
      f"'Pearson' {ref['train']['reported_pearson']}; validation MSE "
      f"{ref['validation']['mse']}, R² {ref['validation']['r2_determination']}"
      f", 'Pearson' {ref['validation']['reported_pearson']}. "
      + ref["note"], ""]
  if report.get("baseline"):
    baseline = report["baseline"]
    lines += ["## Baseline", "",
              f"{baseline['description']}: validation Pearson r "
              f"{baseline['validation']['pearson']:.4f} (model "
              f"{report['validation']['pearson']:.4f}); fitted in "
              f"{baseline['seconds']:.1f} s.", ""]
  lines += _loss_spikes(report.get("loss_spikes"))
  lines += ["## Data", "", *_data_lines(report), "",
      "## Speed", "",
      f"Wall time {report['wall_seconds']:.1f} s; training "
      f"{report['train_seconds']:.1f} s; "
      f"throughput {report['throughput_seq_per_s']:,.0f} sequences/s "
      f"(batch {report['config']['train']['batch_size']}, "
      f"{report['steps_per_epoch']} "
      f"steps/epoch, XLA {'on' if report['jit_compile'] else 'off'}, "
      f"precision {_precision(report)}).", "",
      "## Hardware", "",
      ", ".join(f"{k}: {v}" for k, v in report["hardware"].items()), "",
      "## Settings (flags.txt; config.json has the same as JSON)", "", "```",
      report["flagfile"].rstrip(), "```", ""]
  return "\n".join(lines)


def _loss_spikes(summary: dict | None) -> list[str]:
  """report.md's lines for report.json's "loss_spikes" (absent: none)."""
  if not summary:
    return []
  if summary.get("not_counted"):
    return [f"Loss spikes: not counted ({summary['not_counted']}).", ""]
  if not summary["count"]:
    return [f"Loss spikes: none ({summary['rule']}).", ""]
  steps = ", ".join(f"{s:,}" for s in summary["first_steps"])
  return [f"Loss spikes: **{summary['count']}** ({summary['rule']}); first "
          f"at steps {steps}; largest batch loss "
          f"{summary['largest_loss']:.3g}.", ""]


def _precision(report: dict) -> str:
  """'mixed_bfloat16', or 'none (auto: <why>)' for --mixed_precision=auto."""
  precision = report.get("precision") or {}
  value = precision.get("mixed_precision", "none")
  if precision.get("requested") == "auto":
    return f"{value} (auto: {precision.get('reason', '')})"
  return value


def write_history(path: str, history: list[dict]) -> None:
  """history.csv: one row per epoch (columns in order of appearance)."""
  files.write_text(path, pd.DataFrame(history).to_csv(index=False))
