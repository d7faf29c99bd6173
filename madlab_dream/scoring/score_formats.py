"""The score as text for a terminal, Markdown and strict JSON."""

from __future__ import annotations

import math

import numpy as np

from madlab_dream.scoring.names import TOTAL_WEIGHT
from madlab_dream.scoring.names import WEIGHTS


def jsonable(value):
  """`value` with NaN/inf floats replaced by None (strict JSON)."""
  if isinstance(value, dict):
    return {k: jsonable(v) for k, v in value.items()}
  if isinstance(value, (list, tuple)):
    return [jsonable(v) for v in value]
  if isinstance(value, (float, np.floating)):
    value = float(value)
    return value if math.isfinite(value) else None
  if isinstance(value, np.integer):
    return int(value)
  return value


def _fmt(value: float, digits: int = 4) -> str:
  return "undefined" if value is None or math.isnan(value) else \
      f"{value:.{digits}f}"


def _score_note(result: dict) -> list[str]:
  notes = []
  if not result["complete"]:
    notes.append(
        f"INCOMPLETE: subset files missing: "
        f"{', '.join(result['missing_subsets'])}. The scores cover "
        f"{', '.join(result['score_covers'])} only and are divided by their "
        f"weight {result['score_weight']:g} instead of {TOTAL_WEIGHT}; they "
        "are not the official scores.")
  if result["undefined_subsets"]:
    notes.append(
        f"Undefined correlation (fewer than 2 items or a constant side) for: "
        f"{', '.join(result['undefined_subsets'])}; the scores are undefined.")
  return notes


def _mode_text(result: dict) -> str:
  return {"exclude": "public-leaderboard positions excluded (final "
                     "leaderboard)",
          "only": "public-leaderboard positions only (public leaderboard)",
          "ignore": "all positions (public-leaderboard positions not "
                    "filtered)"}[result["public_mode"]]


def to_text(result: dict) -> str:
  """A plain-text table of the result, for a terminal."""
  lines = [f"{'set':<20}{'weight':>7}{'n':>9}{'Pearson r':>11}{'r^2':>9}"
           f"{'Spearman':>10}"]
  for name, subset in result["subsets"].items():
    lines.append(f"{name:<20}{subset['weight']:>7g}{subset['n']:>9,}"
                 f"{_fmt(subset['pearson']):>11}"
                 f"{_fmt(subset['pearson_squared']):>9}"
                 f"{_fmt(subset['spearman']):>10}")
  for name in result["missing_subsets"]:
    lines.append(f"{name:<20}{WEIGHTS[name]:>7g}{'missing file':>39}")
  lines.append("")
  lines.append(f"Pearson score:  {_fmt(result['pearson_score'])}")
  lines.append(f"Spearman score: {_fmt(result['spearman_score'])}")
  lines.append(f"Scored on {_mode_text(result)}; "
               f"{result['counts']['skipped_missing_truth']:,} ground-truth "
               "rows without a value skipped.")
  lines.extend(_score_note(result))
  return "\n".join(lines) + "\n"


def to_markdown(result: dict, title: str = "DREAM Challenge 2022 score") -> str:
  """The result as a Markdown report."""
  out = [f"# {title}", ""]
  out.append("| | Pearson score | Spearman score |")
  out.append("|---|---:|---:|")
  out.append(f"| {'official' if result['complete'] else 'partial'} | "
             f"{_fmt(result['pearson_score'])} | "
             f"{_fmt(result['spearman_score'])} |")
  out.append("")
  for note in _score_note(result):
    out.append(f"**{note}**")
    out.append("")
  out.append(f"Scored on {_mode_text(result)}. Pearson score = "
             "sum(weight x r^2) / sum(weights); Spearman score = "
             "sum(weight x rho) / sum(weights); pairs are scored on "
             "within-pair differences.")
  out.append("")
  out.append("| set | kind | weight | n | Pearson r | r² | Spearman ρ |")
  out.append("|---|---|---:|---:|---:|---:|---:|")
  for name, subset in result["subsets"].items():
    out.append(f"| {name} | {subset['kind']} | {subset['weight']:g} | "
               f"{subset['n']:,} | {_fmt(subset['pearson'])} | "
               f"{_fmt(subset['pearson_squared'])} | "
               f"{_fmt(subset['spearman'])} |")
  for name in result["missing_subsets"]:
    out.append(f"| {name} | missing file | {WEIGHTS[name]:g} | - | - | - | - |")
  counts = result["counts"]
  out.append("")
  out.append(f"Ground truth: {counts['ground_truth_rows']:,} rows, "
             f"{counts['skipped_missing_truth']:,} without a measured value "
             f"(skipped). Public leaderboard: {counts['public_positions']:,} "
             f"positions, {counts['public_pairs']:,} pairs.")
  return "\n".join(out) + "\n"
