"""MadLab's row filter and the split (data.select)."""

import numpy as np
import pytest

from madlab_dream import data
from madlab_dream.config import DataConfig
from madlab_dream.errors import InputError


def test_singleton_keep_extremes():
  y = np.array([1.0, 2.5, 3.0, 4.25, 5.0])
  keep, _, counts = data.select_rows(
      y, DataConfig(singleton_keep=1.0, val_fraction=0.0, seed=0))
  assert keep.all() and counts["dropped"] == 0
  keep, _, counts = data.select_rows(
      y, DataConfig(singleton_keep=0.0, val_fraction=0.0, seed=0))
  np.testing.assert_array_equal(keep, [False, True, False, True, False])


def test_validation_floor_raises_a_small_split_and_says_so():
  y = np.arange(5000) + 0.5  # no whole numbers: every row kept
  _, val, counts = data.select_rows(y, DataConfig(val_fraction=0.02))
  assert counts["validation"] == int(val.sum()) == 1000
  assert counts["train"] == 4000
  assert "raised to 1,000 by --min_val_rows" in counts["validation_rule"]
  _, _, counts = data.select_rows(y, DataConfig(val_fraction=0.02,
                                                min_val_rows=0))
  assert counts["validation"] == 100


def test_validation_floor_never_takes_more_than_half():
  y = np.arange(800) + 0.5
  _, _, counts = data.select_rows(y, DataConfig())
  assert counts["validation"] == 400 and counts["train"] == 400


def test_validation_floor_leaves_large_files_alone():
  y = np.arange(60_000) + 0.5
  _, _, counts = data.select_rows(y, DataConfig())
  assert counts["validation"] == 1200
  assert counts["validation_rule"] == "--val_fraction"


def test_exact_validation_rows():
  y = np.arange(3000) + 0.5
  _, val, counts = data.select_rows(y, DataConfig(val_rows=250))
  assert counts["validation"] == int(val.sum()) == 250
  with pytest.raises(InputError, match="--val_rows=3000 leaves no training"):
    data.select_rows(y, DataConfig(val_rows=3000))


def test_tail_split_takes_the_last_kept_rows_of_the_file():
  y = np.array([1.5, 2.0, 3.5, 4.0, 5.5, 6.5, 7.0, 8.5, 9.5, 10.5])
  keep, val, counts = data.select_rows(
      y, DataConfig(split="tail", val_rows=3, singleton_keep=0.0))
  kept_rows = np.flatnonzero(keep)
  np.testing.assert_array_equal(kept_rows, [0, 2, 4, 5, 7, 8, 9])
  np.testing.assert_array_equal(kept_rows[val], [7, 8, 9])
  assert counts["validation"] == 3 and counts["train"] == 4


@pytest.mark.parametrize("y, config, message", [
    (np.arange(10) + 0.5, DataConfig(val_fraction=0.1, min_val_rows=0),
     "a validation set of 1 row"),
    (np.r_[np.arange(8) + 0.5, 3.5, 3.5], DataConfig(val_rows=2,
                                                     split="tail"),
     "all 2 validation targets are equal"),
])
def test_a_validation_set_without_a_pearson_r_is_refused(y, config, message):
  with pytest.raises(InputError, match=message):
    data.select_rows(y, config)
