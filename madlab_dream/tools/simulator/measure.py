"""The measurement model: noiseless activity -> the values in the files.

Training rows are on the 0-17 bin scale: a singleton row (a read observed
once) is round(activity + N(0, SD_SINGLE)) clipped to 0..17; an average row
is activity + N(0, SD_AVERAGE) clipped, written with at most VALUE_DECIMALS
decimals and never a whole number. Test rows are on a MAUDE-like scale:
(activity + N(0, SD_TEST) - TEST_CENTER) / TEST_SCALE. The noise ceiling is
the Pearson r between noiseless activity and measured values.
"""

from __future__ import annotations

import numpy as np

from madlab_dream import metrics

SINGLETON_FRACTION = 0.57
SD_SINGLE = 1.8          # noise of a read observed once (then rounded)
SD_AVERAGE = 0.8         # noise of an average over several reads
SD_TEST = 0.35           # the test set's measurement noise (activity scale)
TEST_CENTER, TEST_SCALE = 9.5, 4.3   # test values: (y - center) / scale
VALUE_DECIMALS = 6       # averages are written with at most 6 decimals


def measure(act: np.ndarray, singleton: np.ndarray,
            noise: np.ndarray) -> np.ndarray:
  """Training values on the 0-17 bin scale.

  Args:
    act: float64 [N] noiseless activity.
    singleton: bool [N]: observed once (rounded to a whole bin, noisier).
    noise: float64 [N] standard normal draws.

  Returns:
    float64 [N]: whole numbers where `singleton`; elsewhere averages with
    at most VALUE_DECIMALS decimals, never whole.
  """
  single = np.clip(np.rint(act + SD_SINGLE * noise), 0, 17)
  scale = 10 ** VALUE_DECIMALS
  q = np.rint(np.clip(act + SD_AVERAGE * noise, 0, 17) * scale)
  whole = q % scale == 0
  q[whole] += np.where(q[whole] >= 17 * scale, -1, 1)
  return np.where(singleton, single, q / scale)


def test_measure(act: np.ndarray, noise: np.ndarray) -> np.ndarray:
  """Test values on the MAUDE-like scale (about -1.5..1.7), 6 decimals."""
  return np.round((act + SD_TEST * noise - TEST_CENTER) / TEST_SCALE, 6)


def noise_ceiling(activity_values: np.ndarray, measured: np.ndarray) -> float:
  """Pearson r between noiseless activity [N] and measured values [N].

  The best r any model can reach on these measurements. NaN when undefined
  (fewer than 2 rows, a constant side); ValueError if the lengths differ.
  """
  return metrics.pearson(activity_values, measured)


def measurement() -> dict:
  """The measurement model as JSON-ready data."""
  return {
      "singleton_fraction": SINGLETON_FRACTION,
      "singleton": f"round(activity + N(0, {SD_SINGLE})) clipped to 0..17",
      "average": f"activity + N(0, {SD_AVERAGE}) clipped to 0..17, "
                 f"{VALUE_DECIMALS} decimals, never a whole number",
      "test": f"(activity + N(0, {SD_TEST}) - {TEST_CENTER}) / "
              f"{TEST_SCALE}, 6 decimals"}
