"""Sequence logos drawn with Matplotlib alone (no logo package needed).

`draw_logo(ax, weights)` draws a [K, 4] matrix as letters A, C, G, T whose
heights are the values, stacked above zero for positive values and below
for negative ones (the largest farthest from zero), in the usual colours. `contribution_logo_png` writes one sequence's contributions;
`logo_pngs` the first few sequences of a result; `pattern_logo_png` a
motif's contribution-weight matrix.
"""

from __future__ import annotations

import os

import numpy as np

from madlab_dream.io import files

BASES = "ACGT"
COLOURS = {"A": "#109648", "C": "#255C99", "G": "#F7B32B", "T": "#D62839"}
_GLYPHS: dict = {}


def _glyph(letter: str):
  """The letter's outline, scaled to the unit square [0, 1] x [0, 1]."""
  if letter not in _GLYPHS:
    # Matplotlib imported when drawing: slow to import, only plots need it.
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath
    from matplotlib.transforms import Affine2D
    path = TextPath((0, 0), letter, size=1,
                    prop=FontProperties(family="DejaVu Sans", weight="bold"))
    box = path.get_extents()
    _GLYPHS[letter] = Affine2D().translate(-box.x0, -box.y0).scale(
        1 / box.width, 1 / box.height).transform_path(path)
  return _GLYPHS[letter]


def _letter(ax, letter: str, x: float, bottom: float, height: float) -> None:
  # Matplotlib imported when drawing: slow to import, only plots need it.
  from matplotlib.patches import PathPatch
  from matplotlib.transforms import Affine2D
  path = Affine2D().scale(0.9, height).translate(
      x - 0.45, bottom).transform_path(_glyph(letter))
  ax.add_patch(PathPatch(path, facecolor=COLOURS[letter], edgecolor="none"))


def draw_logo(ax, weights: np.ndarray, first_position: int = 1) -> None:
  """Draws weights [K, 4] (A, C, G, T) on `ax`, position i at x = i +
  `first_position`."""
  weights = np.asarray(weights, np.float64)
  for i, row in enumerate(weights):
    up = down = 0.0
    for b in np.argsort(np.abs(row)):
      value = row[b]
      if value > 0:
        _letter(ax, BASES[b], i + first_position, up, value)
        up += value
      elif value < 0:
        _letter(ax, BASES[b], i + first_position, down + value, -value)
        down += value
  low = min(0.0, float(np.minimum(weights, 0).sum(axis=1).min(initial=0)))
  high = max(0.0, float(np.maximum(weights, 0).sum(axis=1).max(initial=0)))
  span = (high - low) or 1.0
  ax.set_xlim(first_position - 0.6, first_position + len(weights) - 0.4)
  ax.set_ylim(low - 0.05 * span, high + 0.05 * span)
  ax.axhline(0, color="0.6", linewidth=0.5)
  for side in ("top", "right"):
    ax.spines[side].set_visible(False)


def contribution_logo_png(path: str, contributions: np.ndarray,
                          title: str) -> None:
  """One sequence's contributions [L, 4] as a PNG logo."""
  plt = files.pyplot()
  length = len(contributions)
  fig, ax = plt.subplots(figsize=(max(6.0, length * 0.14), 2.2), dpi=100)
  draw_logo(ax, contributions)
  ax.set_xlabel("position")
  ax.set_ylabel("contribution")
  ax.set_title(title, fontsize=9)
  fig.tight_layout()
  files.save_figure(fig, path)


def logo_pngs(directory: str, result: dict, count: int,
              method: str) -> list[str]:
  """The first `count` sequences' contribution logos as
  `<directory>/sequence_<i>.png` (1-based i); returns the paths."""
  os.makedirs(directory, exist_ok=True)
  paths = []
  for i in range(min(count, len(result["contributions"]))):
    path = os.path.join(directory, f"sequence_{i + 1}.png")
    title = (f"sequence {i + 1}: {method}, prediction "
             f"{result['prediction'][i]:.3f}")
    if np.isfinite(result["baseline_prediction"][i]):
      title += f" (baseline {result['baseline_prediction'][i]:.3f})"
    contribution_logo_png(path, result["contributions"][i], title)
    paths.append(path)
  return paths


def pattern_logo_png(path: str, weights: np.ndarray, title: str) -> None:
  """A motif's weights [K, 4] as a small PNG logo."""
  plt = files.pyplot()
  fig, ax = plt.subplots(figsize=(max(3.0, len(weights) * 0.3), 1.6),
                         dpi=100)
  draw_logo(ax, weights)
  ax.set_title(title, fontsize=8)
  ax.set_xticks([])
  fig.tight_layout()
  files.save_figure(fig, path)
