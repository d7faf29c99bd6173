"""Figures of a training run: predicted vs measured on validation."""

from __future__ import annotations

import numpy as np

from madlab_dream.io import files


def validation_scatter(path: str, measured: np.ndarray, predicted: np.ndarray,
                       r: float) -> None:
  """PNG of predicted vs measured (hexbin above 2,000 points)."""
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
  ax.set_xlabel("measured expression")
  ax.set_ylabel("predicted expression")
  ax.set_title(f"validation, n={len(measured):,}, Pearson r={r:.3f}")
  fig.tight_layout()
  files.save_figure(fig, path)
