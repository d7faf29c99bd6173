"""Reading input files safely and writing outputs atomically.

Reading: `read_chunks` yields the bytes of a plain or gzip file in blocks and
turns every OS or gzip failure into an `InputError` naming the file.
Writing: `atomic_path` / `atomic_dir` write to a temporary sibling and rename
it into place, so an interrupted run never leaves a half-written output;
`write_text` and `save_figure` use them.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import shutil
import tempfile
import uuid
import zlib
from typing import Iterator

from madlab_dream.errors import InputError

CHUNK_BYTES = 16 << 20
_GZIP_MAGIC = b"\x1f\x8b"


def check_readable(path: str | os.PathLike) -> str:
  """Returns `path` as a string; raises InputError if it cannot be read."""
  path = os.fspath(path)
  if not os.path.exists(path):
    raise InputError("no such file", path)
  if os.path.isdir(path):
    raise InputError("is a directory, expected a file", path)
  if not os.access(path, os.R_OK):
    raise InputError("permission denied (not readable)", path)
  return path


def is_gzip(path: str) -> bool:
  with open(path, "rb") as f:
    return f.read(2) == _GZIP_MAGIC


def read_chunks(path: str | os.PathLike,
                chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
  """Yields the (decompressed) bytes of `path` in blocks of ~chunk_bytes."""
  path = check_readable(path)
  try:
    opener = gzip.open if is_gzip(path) else open
    with opener(path, "rb") as f:
      while True:
        block = f.read(chunk_bytes)
        if not block:
          return
        yield block
  except (EOFError, gzip.BadGzipFile, zlib.error) as e:
    raise InputError(f"truncated or corrupt gzip data ({e})", path) from None
  except OSError as e:
    raise InputError(f"cannot read: {e.strerror or e}", path) from None


def check_writable_dir(path: str | os.PathLike) -> str:
  """Creates `path` if needed and proves a file can be written there."""
  path = os.fspath(path)
  try:
    os.makedirs(path, exist_ok=True)
    probe = os.path.join(path, f".write-test-{uuid.uuid4().hex}")
    with open(probe, "wb") as f:
      f.write(b"\0" * 4096)
      f.flush()
      os.fsync(f.fileno())
    os.remove(probe)
  except OSError as e:
    raise InputError(f"output directory is not writable: {e.strerror or e}",
                     path) from None
  return path


def check_writable_file(path: str | os.PathLike) -> str:
  """Checks that the directory that will hold output file `path` is writable."""
  path = os.fspath(path)
  if os.path.isdir(path):
    raise InputError("is a directory, expected an output file path", path)
  check_writable_dir(os.path.dirname(os.path.abspath(path)))
  return path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[str]:
  """Yields a temporary path beside `path`; renames it onto `path` on success."""
  path = os.fspath(path)
  directory = os.path.dirname(os.path.abspath(path))
  os.makedirs(directory, exist_ok=True)
  base = os.path.basename(path)
  # Keep the whole suffix (".weights.h5", ".keras"): some writers check it.
  root, dot, suffix = base.partition(".")
  tag = uuid.uuid4().hex[:8]
  tmp = os.path.join(directory, f".{root or base}.tmp-{tag}{dot}{suffix}")
  try:
    yield tmp
    os.replace(tmp, path)
  finally:
    if os.path.isdir(tmp):
      shutil.rmtree(tmp, ignore_errors=True)
    elif os.path.exists(tmp):
      os.remove(tmp)


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike) -> Iterator[str]:
  """Yields a temporary directory; on success it replaces directory `path`."""
  path = os.fspath(path)
  parent = os.path.dirname(os.path.abspath(path))
  os.makedirs(parent, exist_ok=True)
  tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.tmp-", dir=parent)
  try:
    yield tmp
    old = None
    if os.path.exists(path):
      old = f"{tmp}.old"
      os.replace(path, old)
    os.replace(tmp, path)
    if old:
      shutil.rmtree(old, ignore_errors=True)
  finally:
    if os.path.exists(tmp):
      shutil.rmtree(tmp, ignore_errors=True)


def write_text(path: str | os.PathLike, text: str) -> None:
  """Writes a text file atomically."""
  with atomic_path(path) as tmp:
    with open(tmp, "w", encoding="utf-8") as f:
      f.write(text)


def save_figure(fig, path: str | os.PathLike) -> None:
  """Saves a Matplotlib figure as PNG atomically and closes it."""
  import matplotlib.pyplot as plt
  with atomic_path(path) as tmp:
    fig.savefig(tmp, format="png")
  plt.close(fig)


def pyplot():
  """matplotlib.pyplot on the Agg backend (no display needed)."""
  import matplotlib
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt
  return plt
