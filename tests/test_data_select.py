"""MadLab's row filter and the split (data.select)."""

import numpy as np

from madlab_dream import data


def test_singleton_keep_extremes():
  y = np.array([1.0, 2.5, 3.0, 4.25, 5.0])
  keep, _, counts = data.select_rows(y, 1.0, 0.0, 0)
  assert keep.all() and counts["dropped"] == 0
  keep, _, counts = data.select_rows(y, 0.0, 0.0, 0)
  np.testing.assert_array_equal(keep, [False, True, False, True, False])
