"""The benchmark's input: the generated DREAM file, commands timed with
their peak memory, and the extrapolation of MadLab's approach."""

import sys

import numpy as np
import pytest

from madlab_dream.io import dream
from madlab_dream.tools.bench import dream_file
from madlab_dream.tools.bench import preprocessing


def test_generated_file_looks_like_the_challenge_data(tmp_path):
  path = tmp_path / "train.txt"
  path.write_bytes(dream_file.generate_dream_lines(
      20_000, np.random.default_rng(0)))
  rows = dream.read(str(path), 110, keep_text=True)
  assert len(rows) == 20_000
  assert set(np.unique(rows.lengths)) <= set(range(104, 112))
  assert np.mean(rows.lengths == 110) == pytest.approx(0.82, abs=0.02)
  whole = np.floor(rows.expression) == rows.expression
  assert np.mean(whole) == pytest.approx(dream_file.WHOLE_FRACTION, abs=0.02)
  assert rows.expression.min() >= 0 and rows.expression.max() <= 17
  assert all(s.startswith(dream_file.FLANK5.decode()) and
             s.endswith(dream_file.FLANK3.decode()) for s in rows.text[:500])
  # Seeded: the same rows again for the same seed, other rows for another.
  assert dream_file.generate_dream_lines(
      20_000, np.random.default_rng(0)) == path.read_bytes()
  assert dream_file.generate_dream_lines(
      20_000, np.random.default_rng(1)) != path.read_bytes()
  _, info = dream_file.ensure_dream_file(str(tmp_path), 1000)
  assert not info["reused"]
  assert dream_file.ensure_dream_file(str(tmp_path), 1000)[1]["reused"]


def test_a_command_is_timed_with_its_own_peak_memory(tmp_path):
  grow = "import numpy; a = numpy.ones(50_000_000); print(a.sum())"
  ballast = np.ones(50_000_000)  # this process is larger than the command:
  small = preprocessing.run_measured([sys.executable, "-c", "pass"],
                                     str(tmp_path / "log"))
  assert small["peak_rss_bytes"] < 200e6 < ballast.nbytes  # its own figure
  found = preprocessing.run_measured([sys.executable, "-c", grow],
                                     str(tmp_path / "log"))
  assert found["peak_rss_bytes"] > 400e6 and found["wall_s"] > 0
  assert (tmp_path / "log").read_text().strip() == "50000000.0"
  with pytest.raises(RuntimeError, match="(?s)exit 3.*gone"):
    preprocessing.run_measured(
        [sys.executable, "-c", "print('gone'); raise SystemExit(3)"],
        str(tmp_path / "log"))


def test_linear_extrapolation():
  line = preprocessing.linear_extrapolation(1000, 2.0, 3000, 3.0, 11_000)
  assert line["per_row"] == pytest.approx(0.0005)
  assert line["fixed"] == pytest.approx(1.5)
  assert line["value"] == pytest.approx(7.0)
