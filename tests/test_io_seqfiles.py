"""Sequences to predict (io.seqfiles): formats, pipes, long lines."""

import gzip
import tracemalloc

import numpy as np
import pytest
from helpers import run_through_fifo

from madlab_dream.errors import InputError
from madlab_dream.io import sequences
from madlab_dream.io.seqfiles import iter_sequences


def random_sequences(n, seed=0):
  rng = np.random.default_rng(seed)
  return ["".join(rng.choice(list("ACGT"), rng.integers(80, 150)))
          for _ in range(n)]


def read_all(path, seq_len=110):
  text, codes, lines = [], [], []
  for rows in iter_sequences(str(path), seq_len):
    text += rows.text
    codes.append(rows.codes)
    lines.append(rows.first_line)
  return text, np.concatenate(codes), lines


@pytest.mark.parametrize("kind", ["tsv", "lines", "fasta", "tsv.gz"])
def test_a_pipe_gives_every_row_in_order(tmp_path, kind):
  """`cat file | predict --input=/dev/stdin` must not lose the first bytes."""
  seqs = random_sequences(30_000)
  if kind.startswith("tsv"):
    data = "".join(f"{s}\t\n" for s in seqs).encode()
  elif kind == "lines":
    data = "\n".join(seqs).encode()
  else:
    data = "".join(f">s{i}\n{s[:60]}\n{s[60:]}\n"
                   for i, s in enumerate(seqs)).encode()
  if kind.endswith(".gz"):
    data = gzip.compress(data)
  fifo = tmp_path / "stdin"
  text, codes, _ = run_through_fifo(fifo, data, lambda: read_all(fifo))
  assert text == seqs
  np.testing.assert_array_equal(codes, sequences.encode(seqs, 110))


@pytest.mark.parametrize("kind", ["tsv", "fasta"])
def test_a_long_line_is_held_once_not_many_times(tmp_path, kind):
  """A 24 MB single line: peak Python/NumPy memory stays near one copy of
  the line plus its text, not the ~10 copies a block-wide parse makes."""
  rng = np.random.default_rng(1)
  size = 24 << 20
  line = np.frombuffer(b"ACGT", np.uint8)[rng.integers(0, 4, size)].tobytes()
  path = tmp_path / "long.txt"
  path.write_bytes(line + b"\t\nACGT\t\n" if kind == "tsv" else
                   b">long\n" + line + b"\n>short\nACGT\n")
  tracemalloc.start()
  try:
    blocks = list(iter_sequences(str(path), 110))
    _, peak = tracemalloc.get_traced_memory()
  finally:
    tracemalloc.stop()
  text = [s for b in blocks for s in b.text]
  assert text == [line.decode(), "ACGT"]
  assert [b.first_line for b in blocks] == ([1, 2] if kind == "tsv" else [1])
  np.testing.assert_array_equal(blocks[0].codes[0],
                                sequences.encode([line[-110:]], 110)[0])
  assert blocks[0].lengths[0] == size
  assert peak < 2.6 * size, f"peak {peak / size:.1f} x the line"


@pytest.mark.parametrize("content, line, message", [
    (b"A" * 5_000_000 + b"CXG\t\nACGT\t\n", 1,
     "invalid character 'X' at position 5000002"),
    (b"ACGT\t\n" + b"A" * 5_000_000 + b"\t1\t2\n", 2,
     "wrong number of columns"),
    (b"ACGT\t\n" + b"A" * 5_000_000 + b"\x00\t\n", 2, "binary"),
    (b"ACGT\t\n" + b"A" * 5_000_000 + b"\t" + b"1" * 100 + b"\n", 2,
     "not a number"),
])
def test_long_lines_are_checked_like_short_ones(tmp_path, content, line,
                                                message):
  path = tmp_path / "bad.txt"
  path.write_bytes(content)
  with pytest.raises(InputError, match=f"{path}:{line}: .*{message}"):
    list(iter_sequences(str(path), 110))
