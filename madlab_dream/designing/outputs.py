"""A design run's files, all written or none.

  <output>                 the designs, TSV in design order (see
                           `designer.design_table`)
  <stem>.trajectory.tsv    one row per round / generation: evaluations,
                           guard hits, the designs' prediction median, min
                           and max, sd median, edits median
  <stem>.png               prediction by round: median and range over the
                           designs (the trusted range's edge when guarded)
  <stem>.summary.json      counts, guard, timings, notes and the options

Every file goes to a temporary sibling and all are renamed together at the
end, so Ctrl-C (or an error) leaves none of them half-written.
"""

from __future__ import annotations

import contextlib
import json
import os

import numpy as np

from madlab_dream.designing.objective import KINDS
from madlab_dream.errors import InputError
from madlab_dream.io import files


def stem(output: str) -> str:
  """The output's name without .tsv / .tsv.gz / .txt."""
  for suffix in (".tsv.gz", ".txt.gz", ".tsv", ".txt", ".gz"):
    if output.endswith(suffix):
      return output[:-len(suffix)]
  return output


def default_paths(output: str) -> dict[str, str]:
  s = stem(output)
  return {"trajectory": s + ".trajectory.tsv", "plot": s + ".png",
          "summary": s + ".summary.json"}


def check_paths(paths: dict[str, str], inputs=()) -> None:
  """Vets every output path before any work (distinct, writable)."""
  real = [os.path.realpath(p) for p in paths.values()]
  if len(set(real)) != len(real):
    raise InputError(f"output paths must differ: {sorted(paths.values())}")
  for name, path in paths.items():
    files.check_output(path, inputs, gzip_ok=name in ("output",
                                                      "trajectory"))
    if name in ("output", "trajectory"):
      files.check_format(path, "TSV")


def write_all(result, paths: dict[str, str]) -> None:
  """Writes the result's files (`paths`: output, trajectory, plot, summary)."""
  table_text = result.table.to_csv(sep="\t", index=False, float_format="%.9g")
  trajectory_text = result.trajectory.to_csv(sep="\t", index=False,
                                             float_format="%.9g")
  summary_text = json.dumps(result.summary, indent=1, default=float) + "\n"
  with contextlib.ExitStack() as stack:
    for key, text in (("output", table_text),
                      ("trajectory", trajectory_text),
                      ("summary", summary_text)):
      stack.enter_context(files.open_output(paths[key])).write(text)
    png = stack.enter_context(files.atomic_path(paths["plot"]))
    trajectory_png(png, result.trajectory, result.summary)


def trajectory_png(path: str, trajectory, summary: dict) -> None:
  """Prediction by round: the designs' median and their range."""
  plt = files.pyplot()
  fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=100)
  x = trajectory["round"].to_numpy()
  ax.fill_between(x, trajectory["prediction_min"],
                  trajectory["prediction_max"], alpha=0.25,
                  label="range over designs")
  ax.plot(x, trajectory["prediction_median"], marker="o", label="median")
  if summary.get("trusted_range"):
    kind = KINDS[summary["objective"]]
    edge = summary["trusted_range"][kind.plotted_edge]
    if np.isfinite(edge):
      ax.axhline(edge, color="grey", linestyle="--",
                 label="trusted range edge")
  if KINDS[summary["objective"]].needs_target:
    ax.axhline(summary["options"]["target_value"], color="black",
               linestyle=":", label="target")
  # Matplotlib imported when drawing: slow to import, only plots need it.
  from matplotlib.ticker import MaxNLocator
  ax.xaxis.set_major_locator(MaxNLocator(integer=True))
  ax.set_xlabel("generation" if summary["method"] == "evolve" else "round")
  ax.set_ylabel("predicted expression (models' mean)")
  ax.set_title(f"{summary['designs']} designs, objective "
               f"{summary['objective']}, {summary['method']}")
  ax.legend(loc="best", fontsize=8)
  fig.tight_layout()
  fig.savefig(path, format="png")
  plt.close(fig)
