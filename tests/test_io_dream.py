"""The DREAM file reader on the real rows and on malformed files."""

import gzip

import numpy as np
import pytest

from madlab_dream.errors import InputError
from madlab_dream.io import dream as dream_io
from madlab_dream.io import sequences


def test_real_rows(demo_train):
  rows = dream_io.read(demo_train, seq_len=110)
  assert len(rows) == 6370  # the last line has no newline: still read
  assert rows.codes.shape == (6370, 110) and rows.codes.dtype == np.uint8
  assert rows.lengths.min() == 87 and rows.lengths.max() == 135
  assert (rows.lengths == 110).sum() == 5219
  assert ((rows.codes == 4).any(axis=1)).sum() > 1113  # padding + real N's
  whole = np.floor(rows.expression) == rows.expression
  assert whole.sum() == 3693  # 58 %, counted with awk independently
  assert 0 <= rows.expression.min() and rows.expression.max() <= 17


def test_real_rows_equal_a_per_line_parse(demo_train):
  rows = dream_io.read(demo_train, seq_len=110)
  lines = demo_train.read_text().splitlines()
  seqs = [line.split("\t")[0] for line in lines]
  vals = np.array([float(line.split("\t")[1]) for line in lines])
  np.testing.assert_array_equal(rows.codes, sequences.encode(seqs, 110))
  np.testing.assert_array_equal(rows.expression, vals)


def test_small_blocks_give_the_same_rows(demo_train):
  whole = dream_io.read(demo_train, 110)
  blocks = list(dream_io.iter_rows(demo_train, 110, chunk_bytes=4096))
  assert len(blocks) > 100
  joined = dream_io.concat(blocks, 110)
  np.testing.assert_array_equal(joined.codes, whole.codes)
  np.testing.assert_array_equal(joined.expression, whole.expression)
  assert [b.first_line for b in blocks[:2]] == [1, 1 + len(blocks[0])]


def test_gzip_crlf_lowercase_and_empty_test_column(tmp_path):
  path = tmp_path / "t.txt.gz"
  with gzip.open(path, "wb") as f:
    f.write(b"acgt\t1.5\r\nAAAAAA\t2\r\n")
  rows = dream_io.read(path, seq_len=4)
  assert sequences.decode(rows.codes) == ["ACGT", "AAAA"]
  np.testing.assert_array_equal(rows.expression, [1.5, 2.0])
  test = tmp_path / "test.txt"
  test.write_text("ACGT\t\nAC\t\n")
  rows = dream_io.read(test, 4, require_expression=False)
  assert np.isnan(rows.expression).all() and len(rows) == 2


@pytest.mark.parametrize("content, line, message", [
    (b"sequence\texpression\nACGT\t1\n", 1, "header"),
    (b"ACGT\t1\nACGT\n", 2, "wrong number of columns: 1"),
    (b"ACGT\t1\t3\n", 1, "wrong number of columns: 3"),
    (b"ACGT\t1\n\t2\n", 2, "empty sequence"),
    (b"ACGT\t1\n\n", 2, "empty line"),
    (b"ACGT\t1\nACZT\t2\n", 2, "invalid character 'Z'"),
    (b"ACGT\t1\nACGT\tx1\n", 2, "not a number"),
    (b"ACGT\t1\nACGT\tnan\n", 2, "not finite"),
    (b"ACGT\t1\nACGT\t-inf\n", 2, "not finite"),
    (b"ACGT\t1\nACGT\t-1e300\n", 2, "-1e+300 is too large"),
    (b"ACGT\t1\nACGT\t\n", 2, "empty expression"),
    (b"ACGT\t1\nA\x00\x01\x02\t1\n", 2, "binary"),
])
def test_malformed_rows_are_errors_with_line(tmp_path, content, line, message):
  path = tmp_path / "bad.txt"
  path.write_bytes(content)
  with pytest.raises(InputError) as e:
    dream_io.read(path, 4)
  assert str(e.value).startswith(f"{path}:{line}: ")
  assert message in str(e.value)


def test_error_line_numbers_across_blocks(tmp_path):
  path = tmp_path / "bad.txt"
  path.write_bytes(b"ACGT\t1\n" * 5000 + b"ACGU\t1\n")
  with pytest.raises(InputError, match=r":5001: invalid character 'U'"):
    list(dream_io.iter_rows(path, 4, chunk_bytes=1000))


@pytest.mark.parametrize("content, message", [
    (b"", "empty file"),
    (b"\x1f\x8b\x08\x00\x00\x00", "gzip"),
])
def test_file_level_errors(tmp_path, content, message):
  path = tmp_path / "f.txt"
  path.write_bytes(content)
  with pytest.raises(InputError, match=message):
    dream_io.read(path, 4)


def test_truncated_gzip(tmp_path):
  path = tmp_path / "t.gz"
  blob = gzip.compress(b"ACGT\t1\n" * 20000)
  path.write_bytes(blob[: len(blob) // 2])
  with pytest.raises(InputError, match="truncated or corrupt gzip"):
    dream_io.read(path, 4)


def test_missing_file(tmp_path):
  with pytest.raises(InputError, match="no such file"):
    dream_io.read(tmp_path / "nope.txt", 4)
