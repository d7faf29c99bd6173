"""Tables with a header row: columns by name, TSV/CSV/.gz, bad rows."""

import gzip

import numpy as np
import pytest
from conftest import REPO

from madlab_dream.config import DataConfig
from madlab_dream.errors import InputError
from madlab_dream.io import tables

MINI = REPO / "tests" / "data" / "deepstarr_mini_train.txt"
TARGETS = ("Dev_log2_enrichment", "Hk_log2_enrichment")


def config(**changes):
  return DataConfig(**{"seq_len": 249, "sequence_column": "Sequence",
                       "target_columns": TARGETS, **changes})


def test_reads_the_deepstarr_table_by_column_names():
  rows = tables.read_table(str(MINI), config(split_column="set",
                                             val_values=("Val",)))
  assert rows.codes.shape == (200, 249) and rows.targets.shape == (200, 2)
  assert rows.lines[0] == 2 and rows.lines[-1] == 201
  assert set(rows.split) == {"Train"}
  first = MINI.read_text().splitlines()[1].split("\t")
  np.testing.assert_allclose(rows.targets[0], [float(first[6]),
                                               float(first[7])])
  assert rows.counts == {"read": 200, "kept": 200, "skipped": {}}
  assert tables.longest_sequence(str(MINI), config()) == 249


def write(path, header, lines, gz=False):
  text = "\n".join([header, *lines]) + "\n"
  if gz:
    with gzip.open(path, "wt") as f:
      f.write(text)
  else:
    path.write_text(text)
  return str(path)


def test_csv_by_name_gzip_and_the_length_policy(tmp_path):
  path = write(tmp_path / "t.csv.gz", "id,seq,a,fold",
               ["x,ACGT,1.5,0", "y,acgtACGTAA,2,9"], gz=True)
  rows = tables.read_table(path, DataConfig(
      seq_len=6, sequence_column="seq", target_columns=("a",)))
  np.testing.assert_array_equal(rows.codes, [[4, 4, 0, 1, 2, 3],
                                             [0, 1, 2, 3, 0, 0]])
  assert rows.lengths.tolist() == [4, 10]
  np.testing.assert_allclose(rows.targets[:, 0], [1.5, 2.0])
  semicolon = write(tmp_path / "t.txt", "seq;a", ["ACGT;1"])
  assert len(tables.read_table(semicolon, DataConfig(
      seq_len=4, sequence_column="seq", target_columns=("a",),
      delimiter=";")).codes) == 1


def test_bad_rows_name_file_line_and_column_or_are_skipped(tmp_path):
  path = write(tmp_path / "bad.tsv", "seq\ta\tb",
               ["ACGT\t1\t2", "ACXT\t1\t2", "ACGT\t\t2", "ACGT\t1\tlow"])
  settings = DataConfig(seq_len=4, sequence_column="seq",
                        target_columns=("a", "b"))
  with pytest.raises(InputError) as e:
    tables.read_table(path, settings)
  assert e.value.line == 3 and "'seq'" in str(e.value)
  assert "invalid character 'X' at position 3" in str(e.value)
  assert "--skip_bad_rows" in str(e.value)
  rows = tables.read_table(path, settings.replace(skip_bad_rows=True))
  assert rows.lines.tolist() == [2]
  assert rows.counts["skipped"] == {"bad sequence": [3],
                                    "missing target": [4],
                                    "non-numeric target": [5]}
  line = tables.skipped_summary(path, rows.counts)
  assert "1 non-numeric target (line 5)" in line
  with pytest.raises(InputError, match=r"bad.tsv:5: column 'b': "
                     "non-numeric target \\('low'\\)"):
    tables.read_table(write(tmp_path / "bad.tsv", "seq\ta\tb",
                            ["ACGT\t1\t2"] * 3 + ["ACGT\t1\tlow"]), settings)


def test_a_column_named_twice_or_a_target_past_float32_is_refused(tmp_path):
  settings = DataConfig(seq_len=4, sequence_column="seq",
                        target_columns=("a",))
  twice = write(tmp_path / "twice.tsv", "seq\ta\ta", ["ACGT\t1\t2"])
  with pytest.raises(InputError, match=r"twice.tsv:1: the header names "
                     r"column\(s\) 'a' more than once"):
    tables.read_table(twice, settings)
  huge = write(tmp_path / "huge.tsv", "seq\ta", ["ACGT\t1", "ACGT\t-1e300"])
  with pytest.raises(InputError, match=r"huge.tsv:3: column 'a': target too "
                     r"large \('-1e300'"):
    tables.read_table(huge, settings)
  rows = tables.read_table(huge, settings.replace(skip_bad_rows=True))
  assert rows.counts["skipped"] == {"target too large": [3]}


def test_a_missing_column_names_the_header(tmp_path):
  path = write(tmp_path / "t.tsv", "seq\ta", ["ACGT\t1"])
  with pytest.raises(InputError, match=r"t.tsv:1: no column 'b' in the "
                     r"header \(columns: seq, a"):
    tables.read_table(path, DataConfig(seq_len=4, sequence_column="seq",
                                       target_columns=("a", "b")))
