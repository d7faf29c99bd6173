"""The simulator as the oracle: how much of a design's predicted gain is real.

The simulator's hidden grammar (`simulator.grammar.activity`) gives the true,
noiseless activity of any sequence. For a set of designs this module
reports their predicted and true activity, the gap predicted - true (the
part of the gain that is the model's error), and the percentile of the
true activity among the training rows' own noiseless activity.
"""

from __future__ import annotations

import numpy as np

from madlab_dream.io.seqfiles import iter_sequences
from madlab_dream.tools.simulator import grammar

#: Percentiles of the training rows' true activity a design must pass.
MAX_PERCENTILE, MIN_PERCENTILE = 99.9, 0.1
#: A "target" design within this of the target (true activity) is a hit.
TARGET_TOLERANCE = 0.5


def training_activity(train_file: str) -> np.ndarray:
  """Sorted noiseless activity of every row of a training file."""
  parts = [grammar.activity(rows.codes) for rows in
           iter_sequences(train_file, grammar.SEQ_LEN)]
  return np.sort(np.concatenate(parts))


def percentile(reference: np.ndarray, values) -> np.ndarray:
  """% of `reference` (sorted) at or below each value."""
  return 100.0 * np.searchsorted(reference, np.asarray(values),
                                 side="right") / len(reference)


def hit(objective: str, true: np.ndarray, reference: np.ndarray,
        target: float) -> np.ndarray:
  """bool per design: beyond the 99.9th (max) / below the 0.1th (min)
  percentile of the training rows, or within TARGET_TOLERANCE (target)."""
  if objective == "max":
    return true > np.percentile(reference, MAX_PERCENTILE)
  if objective == "min":
    return true < np.percentile(reference, MIN_PERCENTILE)
  return np.abs(true - target) <= TARGET_TOLERANCE


def case_row(models: str, objective: str, method: str, table, summary: dict,
             reference: np.ndarray, target: float) -> dict:
  """One line of the proof's table for a set of designs."""
  true = grammar.activity(list(table["sequence"]))
  pred = table["prediction"].to_numpy(np.float64)
  return {"models": models, "objective": objective, "method": method,
          "designs": len(table), "evaluations": summary.get("evaluations", 0),
          "guard_hits": summary.get("guard_hits", 0),
          "predicted_median": float(np.median(pred)),
          "true_median": float(np.median(true)),
          "gap_median": float(np.median(pred - true)),
          "true_percentile_median": float(np.median(percentile(reference,
                                                               true))),
          "hits": (int(hit(objective, true, reference, target).sum())
                   if objective in ("max", "min", "target") else None),
          "sd_median": float(np.median(table["prediction_sd"])),
          "edits_median": float(np.median(table["edits"])),
          "seconds": summary.get("seconds", 0.0)}


def checks(rows: list[dict], reference: np.ndarray) -> dict[str, bool]:
  """The proof's targets, by name -> met."""
  out = {}
  for r in rows:
    if r["method"] == "start":
      continue
    name = f"{r['models']}, {r['objective']}, {r['method']}"
    if r["objective"] == "max":
      out[f"{name}: true median above the training rows' "
          f"{MAX_PERCENTILE}th percentile"] = (
              r["true_percentile_median"] > MAX_PERCENTILE)
    elif r["objective"] == "min":
      out[f"{name}: true median below the training rows' "
          f"{MIN_PERCENTILE}th percentile"] = (
              r["true_percentile_median"] < MIN_PERCENTILE)
  single = {(r["objective"], r["method"]): r for r in rows
            if r["models"] == "single model" and r["method"] != "start"}
  for r in rows:
    key = (r["objective"], r["method"])
    if r["models"] != "single model" and key in single and key[0] != "target":
      gap = abs(single[key]["gap_median"])
      out[f"{r['models']}, {key[0]}, {key[1]}: |predicted - true| at most "
          f"half the single model's ({abs(r['gap_median']):.3g} vs "
          f"{gap:.3g})"] = abs(r["gap_median"]) <= 0.5 * gap
  return out


COLUMNS = (("models", "models", "{}"), ("objective", "objective", "{}"),
           ("method", "method", "{}"), ("evaluations", "candidates", "{:,}"),
           ("guard_hits", "guard hits", "{:,}"),
           ("predicted_median", "predicted", "{:.2f}"),
           ("true_median", "true", "{:.2f}"),
           ("gap_median", "predicted - true", "{:+.2f}"),
           ("true_percentile_median", "true percentile", "{:.2f}"),
           ("hits", "hits", "{}"), ("sd_median", "sd", "{:.3f}"),
           ("edits_median", "edits", "{:g}"))


def markdown_table(rows: list[dict]) -> str:
  """The rows as a Markdown table (medians over the designs)."""
  head = "| " + " | ".join(title for _, title, _ in COLUMNS) + " |"
  rule = "|" + "|".join("---" if i < 3 else "---:"
                        for i in range(len(COLUMNS))) + "|"
  body = ["| " + " | ".join("-" if r[key] is None else fmt.format(r[key])
                           for key, _, fmt in COLUMNS) + " |" for r in rows]
  return "\n".join([head, rule, *body])
