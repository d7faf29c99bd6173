"""Figures of a training run: predicted vs measured on validation."""

from __future__ import annotations

import importlib.util

import numpy as np

from madlab_dream.io import files

#: What a run without Matplotlib says instead of drawing its figures.
MISSING = ("figures skipped: Matplotlib is not installed (pip install "
           "matplotlib); the figures' numbers are in report.json")


def available() -> bool:
  """Whether Matplotlib can be imported: machines with only a numerical
  stack (e.g. a GPU machine without a package index) may lack it."""
  return importlib.util.find_spec("matplotlib") is not None


def validation_scatter(path: str, measured: np.ndarray, predicted: np.ndarray,
                       r: float, label: str = "expression") -> None:
  """PNG of predicted vs measured `label` (hexbin above 2,000 points)."""
  plt = files.pyplot()
  fig, ax = plt.subplots(figsize=(5, 5), dpi=100)
  if len(measured) > 2000:
    ax.hexbin(measured, predicted, gridsize=60, bins="log", cmap="viridis",
              mincnt=1)
  else:
    ax.scatter(measured, predicted, s=4, alpha=0.5)
  lo = float(min(measured.min(), predicted.min()))
  hi = float(max(measured.max(), predicted.max()))
  ax.plot([lo, hi], [lo, hi], "k--", lw=0.8)
  ax.set_xlabel(f"measured {label}")
  ax.set_ylabel(f"predicted {label}")
  ax.set_title(f"validation, n={len(measured):,}, Pearson r={r:.3f}")
  fig.tight_layout()
  files.save_figure(fig, path)


def learning_curve(path: str, history: list[dict],
                   baseline_r: float | None = None,
                   targets: dict[str, float] | None = None) -> None:
  """PNG: validation Pearson r and training loss against training minutes.

  One point per epoch (at the fit time elapsed when it ended); the best
  epoch is marked; `baseline_r` (the k-mer ridge) and `targets` ({label:
  r}) are drawn as horizontal lines.
  """
  plt = files.pyplot()
  minutes = [h.get("elapsed_seconds", 0.0) / 60 for h in history]
  fig, (top, bottom) = plt.subplots(2, 1, figsize=(6, 5), dpi=100,
                                    sharex=True)
  values = [h.get("val_pearson", float("nan")) for h in history]
  top.plot(minutes, values, "o-", label="model (validation)")
  if any(v == v for v in values):
    best = max(range(len(values)), key=lambda i: (values[i] == values[i],
                                                   values[i]))
    top.plot([minutes[best]], [values[best]], "r*", markersize=12,
             label=f"best: epoch {history[best]['epoch']}, r "
                   f"{values[best]:.3f}")
  if baseline_r is not None:
    top.axhline(baseline_r, color="gray", ls="--",
                label=f"k-mer ridge {baseline_r:.3f}")
  for i, (label, r) in enumerate((targets or {}).items()):
    top.axhline(r, color=f"C{i + 2}", ls=":", label=f"{label} {r:.3f}")
  top.set_ylabel("validation Pearson r")
  top.legend(loc="lower right", fontsize=8)
  top.grid(alpha=0.3)
  bottom.plot(minutes, [h["loss"] for h in history], "s-", color="C1")
  bottom.set_ylabel("training loss")
  bottom.set_xlabel("training time (min)")
  bottom.grid(alpha=0.3)
  fig.tight_layout()
  files.save_figure(fig, path)
