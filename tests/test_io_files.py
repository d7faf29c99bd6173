"""Reading inputs and writing outputs safely (madlab_dream.io.files)."""

import gzip
import os

import pytest

from madlab_dream.errors import InputError
from madlab_dream.io import files


def test_read_chunks_plain_and_gzip(tmp_path):
  data = b"ACGT\t1\n" * 10_000
  plain, gz = tmp_path / "a.txt", tmp_path / "a.txt.gz"
  plain.write_bytes(data)
  gz.write_bytes(gzip.compress(data))
  for path in (plain, gz):
    assert b"".join(files.read_chunks(path, chunk_bytes=1000)) == data


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing.txt", "no such file"),
    (lambda p: p, "is a directory"),
])
def test_unreadable_inputs(tmp_path, make, message):
  with pytest.raises(InputError, match=message):
    files.check_readable(make(tmp_path))


def test_truncated_gzip_names_the_file(tmp_path):
  gz = tmp_path / "t.gz"
  blob = gzip.compress(os.urandom(200_000))
  gz.write_bytes(blob[:len(blob) // 2])
  with pytest.raises(InputError, match=f"{gz}: truncated or corrupt gzip"):
    b"".join(files.read_chunks(gz))


def test_atomic_path_replaces_only_on_success(tmp_path):
  out = tmp_path / "out.txt"
  out.write_text("old")
  with pytest.raises(RuntimeError):
    with files.atomic_path(out) as tmp:
      with open(tmp, "w") as f:
        f.write("half")
      raise RuntimeError("killed")
  assert out.read_text() == "old"
  assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]
  files.write_text(out, "new")
  assert out.read_text() == "new"
  assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_atomic_dir_swaps_the_whole_directory(tmp_path):
  target = tmp_path / "model"
  target.mkdir()
  (target / "stale.txt").write_text("x")
  with files.atomic_dir(target) as tmp:
    with open(os.path.join(tmp, "fresh.txt"), "w") as f:
      f.write("y")
  assert [p.name for p in target.iterdir()] == ["fresh.txt"]
  assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_writable_checks(tmp_path):
  assert files.check_writable_dir(tmp_path / "new" / "dir")
  with pytest.raises(InputError, match="is a directory"):
    files.check_writable_file(tmp_path)
  blocker = tmp_path / "file"
  blocker.write_text("x")
  with pytest.raises(InputError, match="not writable"):
    files.check_writable_dir(blocker / "sub")


def test_save_figure_writes_a_png(tmp_path):
  plt = files.pyplot()
  fig, ax = plt.subplots()
  ax.plot([0, 1], [1, 0])
  files.save_figure(fig, tmp_path / "f.png")
  assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
  assert sorted(p.name for p in tmp_path.iterdir()) == ["f.png"]
