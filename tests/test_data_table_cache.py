"""Tables into the cache: splits from a column, from files or seeded;
each target standardised on its own training rows."""

import pathlib

import numpy as np
import pytest
from conftest import REPO

from madlab_dream import data
from madlab_dream.config import DataConfig
from madlab_dream.errors import InputError

DIR = REPO / "tests" / "data"
TRAIN, VAL, TEST = (str(DIR / f"deepstarr_mini_{s}.txt")
                    for s in ("train", "val", "test"))
TARGETS = ("Dev_log2_enrichment", "Hk_log2_enrichment")


def config(**changes):
  return DataConfig(**{"seq_len": 249, "sequence_column": "Sequence",
                       "target_columns": TARGETS, **changes})


def test_file_split_standardises_each_target_and_is_reused(tmp_path):
  logs = []
  cache = data.preprocess_table(TRAIN, str(tmp_path), config(), logs.append,
                                val_path=VAL, test_path=TEST)
  assert cache.train_targets.shape == (200, 2)
  assert cache.val_codes.shape == (100, 249) and cache.has_test
  assert cache.target_names == list(TARGETS)
  np.testing.assert_allclose(cache.train_targets.mean(axis=0), 0, atol=1e-6)
  np.testing.assert_allclose(cache.train_targets.std(axis=0), 1, atol=1e-5)
  raw = np.loadtxt(TRAIN, skiprows=1, usecols=(6, 7))
  np.testing.assert_allclose(cache.mean, raw.mean(axis=0))
  np.testing.assert_allclose(cache.to_expression(cache.train_targets), raw,
                             atol=1e-5)
  assert cache.meta["counts"]["split_rule"] == "files"
  assert "singleton_keep applies to the DREAM format only" in logs[0]
  again = data.preprocess_table(TRAIN, str(tmp_path), config(), logs.append,
                                val_path=VAL, test_path=TEST)
  assert "reusing cache" in logs[-2]
  np.testing.assert_array_equal(again.test_rows, np.arange(2, 102))


def test_split_column_and_the_seeded_split(tmp_path):
  table = tmp_path / "folds.tsv"
  lines = pathlib.Path(TRAIN).read_text().splitlines()
  header = lines[0].split("\t")
  rows = [line.split("\t") for line in lines[1:]]
  for i, row in enumerate(rows):
    row[header.index("set")] = str(i % 10)
  table.write_text("\n".join(["\t".join(header)] +
                             ["\t".join(r) for r in rows]) + "\n")
  one = config(target_columns=("Dev_log2_enrichment",), split_column="set",
               val_values=("8",), test_values=("9",))
  cache = data.preprocess_table(str(table), str(tmp_path / "a"), one,
                                lambda _: None)
  assert (len(cache.train_codes), len(cache.val_codes),
          len(cache.test_codes)) == (160, 20, 20)
  assert cache.train_targets.ndim == 1 and isinstance(cache.mean, float)
  assert cache.val_rows.tolist() == list(range(10, 202, 10))
  seeded = data.preprocess_table(TRAIN, str(tmp_path / "b"),
                                 config(val_rows=50), lambda _: None)
  assert (len(seeded.train_codes), len(seeded.val_codes)) == (150, 50)
  assert not seeded.has_test


def test_a_constant_target_is_refused(tmp_path):
  table = tmp_path / "flat.tsv"
  table.write_text("seq\ty\n" + "ACGT\t1\n" * 6)
  with pytest.raises(InputError, match="target 'y' is constant|validation "
                     "targets are equal"):
    data.preprocess_table(str(table), str(tmp_path / "c"), DataConfig(
        seq_len=4, sequence_column="seq", target_columns=("y",),
        val_rows=2), lambda _: None)


def test_validation_rows_also_in_training_are_counted_and_said(tmp_path):
  logs = []
  cache = data.preprocess_table(TRAIN, str(tmp_path / "same"), config(),
                                logs.append, val_path=TRAIN)
  assert cache.meta["counts"]["val_in_train"] == 200
  assert any("warning: 200 of 200 --val_data rows hold a sequence that is "
             "also in --train_data (the same file)" in line for line in logs)
  logs.clear()
  cache = data.preprocess_table(TRAIN, str(tmp_path / "apart"), config(),
                                logs.append, val_path=VAL)
  assert cache.meta["counts"]["val_in_train"] == 0
  assert not any("warning" in line for line in logs)
