"""training.plots: figures of a run, and runs on machines without Matplotlib."""

import sys

import numpy as np

from madlab_dream.training import plots


def test_available_follows_whether_matplotlib_can_be_imported(monkeypatch):
  assert plots.available()
  monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed
  assert not plots.available()
  assert "pip install matplotlib" in plots.MISSING


def test_validation_scatter_writes_a_png(tmp_path):
  path = tmp_path / "scatter.png"
  measured = np.linspace(0, 1, 50)
  plots.validation_scatter(str(path), measured, measured ** 2, 0.97)
  assert path.read_bytes()[:4] == b"\x89PNG"
