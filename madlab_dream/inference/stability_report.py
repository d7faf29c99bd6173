"""The stability report's Markdown, from `stability.report`'s figures."""

from __future__ import annotations

import math


def _figure(value: float) -> str:
  if math.isnan(value):  # the state overflowed
    return "nan"
  return f"{value:.3g}" if abs(value) < 1e6 else f"{value:.2e}"


def model_table(figures: dict, column: str) -> list[str]:
  """One Markdown table: a row per probe unit, a column per run length."""
  lengths = sorted({row["run_length"] for row in figures["probes"]})
  lines = ["| probe | " + " | ".join(f"{k} nt" for k in lengths) + " |",
           "|---" * (len(lengths) + 1) + "|"]
  by_unit: dict = {}
  for row in figures["probes"]:
    by_unit.setdefault((row["kind"], row["unit"]), {})[row["run_length"]] = (
        row[column])
  for (kind, unit), values in by_unit.items():
    name = f"{unit * 3 if kind == 'homopolymer' else unit}..."
    lines.append(f"| {name} | " + " | ".join(
        _figure(values[k]) for k in lengths) + " |")
  return lines


def markdown(figures: dict) -> str:
  """The whole report: per model, the two tables; then the run counts."""
  lines = ["# Stability on low-complexity sequences", ""]
  for name, model in figures["models"].items():
    trusted = model["trusted_range"]
    random = model["random"]
    lines += [f"## {name}", "",
              f"Random 80-nt regions: largest |prediction| "
              f"{_figure(random['max_abs_prediction'])}, largest |cell "
              f"state| {_figure(random['max_cell'])}. Trusted range "
              + (f"[{trusted[0]:.3g}, {trusted[1]:.3g}]." if trusted else
                 "unknown."), "",
              "Largest |prediction| (expression scale) by run length:", ""]
    lines += model_table(model, "max_abs_prediction")
    lines += ["", "Largest |BiLSTM cell state| by run length:", ""]
    lines += model_table(model, "max_cell")
    outside = {u: k for u, k in model["first_run_outside"].items() if k}
    lines += ["", "Shortest run leaving the trusted range: " + (
        ", ".join(f"{u} {k} nt" for u, k in outside.items()) if outside
        else "none of the probes") + ".", ""]
  if not figures["run_lengths"]:
    return "\n".join(lines)
  lines += ["## Sequences with long homopolymer runs", "",
            "| file | rows | " + " | ".join(
                f">= {k} nt" for k in _thresholds(figures)) + " |",
            "|---|---|" + "---|" * len(_thresholds(figures))]
  for name, counts in figures["run_lengths"].items():
    lines.append(f"| {name} | {counts['rows']:,} | " + " | ".join(
        f"{counts['at_least'][k]:,}" for k in _thresholds(figures)) + " |")
  return "\n".join(lines) + "\n"


def _thresholds(figures: dict) -> list:
  first = next(iter(figures["run_lengths"].values()), {"at_least": {}})
  return list(first["at_least"])
