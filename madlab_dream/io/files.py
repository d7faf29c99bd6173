"""Reading inputs once and writing outputs without damage.

Reading: `open_input` opens a plain or gzip file, or a pipe, once: it reads
the gzip magic and the first line (`head`) from that one stream and gives
them back, then `chunks()` streams the rest, so nothing is read twice and
nothing is lost from a pipe. Every OS or gzip failure is an `InputError`
naming the file (for truncated gzip, also the last complete line).

Writing: `check_output` vets an output path before any work (not a
directory, not one of the inputs, `.gz` only where the writer can honour
it). `atomic_path` / `atomic_dir` write a regular file or a directory of
a known kind through a temporary sibling renamed into place (a directory
of outputs goes through `io.output_dirs`), so an interrupted run never
leaves a half-written output; a symlinked output is written through to its
target (the link stays); a FIFO or a character device (a terminal,
/dev/null) is written straight, never replaced. Temporaries are named
`.NAME.tmp-HOST-PID-RANDOM...`: each writer first removes those of dead
writers on this host (kill -9 litter), never those of a live one.
`open_output` and `write_text` add text and gzip; `save_figure` PNG.

Bounds: every text input is read in blocks whose unfinished line may not
grow past `MAX_LINE_BYTES` (a file with no newline, `/dev/zero`, is an
error once the limit is passed, with memory bounded by it); an output may
not be an input nor lie inside an input directory (a model directory);
`sidecar` gives the path of a file written beside an output, or None
beside a device or pipe; `check_free_space` refuses a large write before
it starts when the filesystem cannot hold it.
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import hashlib
import io
import os
import re
import shutil
import socket
import stat
import uuid
import zlib
from typing import Iterator

from madlab_dream.errors import InputError

CHUNK_BYTES = 16 << 20
HEAD_BYTES = 1 << 16
MAX_LINE_BYTES = 64 << 20  # longer than any sequence a command can use
_GZIP_MAGIC = b"\x1f\x8b"
_HOST = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:6]


# --- Reading ---------------------------------------------------------------

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


def check_regular_file(path: str | os.PathLike, why: str) -> str:
  """Refuses a pipe or device where the input must be read more than once."""
  path = check_readable(path)
  if not stat.S_ISREG(os.stat(path).st_mode):
    raise InputError(f"is a pipe or device, not a regular file: {why}; save "
                     "it to a file first", path)
  return path


class _Replay(io.RawIOBase):
  """`head`, then the rest of `stream`: bytes read ahead, given back."""

  def __init__(self, head: bytes, stream):
    self._head = memoryview(head)
    self._stream = stream

  def readable(self) -> bool:
    return True

  def readinto(self, buffer) -> int:
    if self._head.nbytes:
      n = min(len(buffer), self._head.nbytes)
      buffer[:n] = self._head[:n]
      self._head = self._head[n:]
      return n
    return self._stream.readinto(buffer)


class Input:
  """An input file opened once (see `open_input`).

  Attributes:
    path: the file's name, for messages.
    gzip: whether it is gzip-compressed.
    head: its first line (decompressed, with its newline), at most
      HEAD_BYTES; `chunks()` yields it again.
    lines: complete lines read so far (named when gzip data end early).
  """

  def __init__(self, path: str, raw):
    self.path = path
    self.lines = 0
    magic = raw.read(len(_GZIP_MAGIC))
    self.gzip = magic == _GZIP_MAGIC
    stream = io.BufferedReader(_Replay(magic, raw))
    self._stream = gzip.GzipFile(fileobj=stream) if self.gzip else stream
    self.head = self._read(self._stream.readline, HEAD_BYTES)
    self.lines = self.head.count(b"\n")

  def chunks(self, chunk_bytes: int = CHUNK_BYTES,
             max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[bytes]:
    """Yields the (decompressed) bytes in blocks of about chunk_bytes.

    Raises InputError as soon as a line (the bytes since the last newline)
    is longer than `max_line_bytes`, so a caller gathering a line holds
    at most that much.
    """
    block, self.head = self.head, b""
    open_line = 0  # bytes of the line not yet ended
    while True:
      data = self._read(self._stream.read, chunk_bytes)
      self.lines += data.count(b"\n")
      block += data
      if not block:
        return
      cut = block.rfind(b"\n")
      if cut < 0:
        open_line += len(block)
      elif open_line + block.find(b"\n") > max_line_bytes:
        line = self.lines - block.count(b"\n") + 1
        raise line_too_long(self.path, line, max_line_bytes)
      else:
        open_line = len(block) - cut - 1
      if open_line > max_line_bytes:
        raise line_too_long(self.path, self.lines + 1, max_line_bytes)
      yield block
      block = b""

  def _read(self, read, size: int) -> bytes:
    try:
      return read(size)
    except (EOFError, gzip.BadGzipFile, zlib.error) as e:
      if self.lines:
        raise InputError(f"truncated or corrupt gzip data after line "
                         f"{self.lines:,} ({e})", self.path,
                         self.lines + 1) from None
      raise InputError(f"truncated or corrupt gzip data ({e})",
                       self.path) from None
    except OSError as e:
      raise InputError(f"cannot read: {e.strerror or e}", self.path) from None


def line_too_long(path: str, line: int, limit: int) -> InputError:
  return InputError(f"line longer than {limit:,} bytes (the limit for a "
                    "line of a text input; is this a binary file?)", path,
                    line)


def read_bounded(path: str | os.PathLike,
                 max_line_bytes: int = MAX_LINE_BYTES) -> bytes:
  """The whole (decompressed) content of a text file whose lines are at
  most `max_line_bytes` long (InputError past the limit)."""
  with open_input(path) as source:
    return b"".join(source.chunks(max_line_bytes=max_line_bytes))


@contextlib.contextmanager
def open_input(path: str | os.PathLike) -> Iterator[Input]:
  """Opens `path` (plain, gzip, a pipe) once for reading; see `Input`."""
  path = check_readable(path)
  try:
    raw = open(path, "rb")
  except OSError as e:
    raise InputError(f"cannot read: {e.strerror or e}", path) from None
  with raw:
    yield Input(path, raw)


def read_chunks(path: str | os.PathLike,
                chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
  """Yields the (decompressed) bytes of `path` in blocks of ~chunk_bytes."""
  with open_input(path) as source:
    yield from source.chunks(chunk_bytes)


# --- Checking outputs --------------------------------------------------------

def check_writable_dir(path: str | os.PathLike) -> str:
  """Creates `path` if needed and proves a file can be written there."""
  path = os.fspath(path)
  created = _missing_parents(path)
  try:
    os.makedirs(path, exist_ok=True)
    probe = os.path.join(path, f".write-test-{uuid.uuid4().hex}")
    try:
      with open(probe, "wb") as f:
        f.write(b"\0" * 4096)
        f.flush()
        os.fsync(f.fileno())
    finally:  # also when interrupted (Ctrl-C, SIGTERM)
      if os.path.lexists(probe):
        os.remove(probe)
  except OSError as e:
    for directory in created:  # what this check made, innermost first
      with contextlib.suppress(OSError):
        os.rmdir(directory)
    raise InputError(f"output directory is not writable: {e.strerror or e}",
                     path) from None
  return path


def _missing_parents(path: str) -> list[str]:
  """`path` and its ancestors that do not exist yet, innermost first."""
  missing = []
  path = os.path.abspath(path)
  while path and not os.path.exists(path):
    missing.append(path)
    parent = os.path.dirname(path)
    if parent == path:
      break
    path = parent
  return missing


def is_gzip_name(path: str | os.PathLike) -> bool:
  return os.fspath(path).endswith(".gz")


def check_output(path: str | os.PathLike, inputs=(),
                 gzip_ok: bool = True) -> str:
  """Checks output file `path` before any work; returns it as a string.

  Refuses a directory, a block device or socket, a `.gz` name when
  `gzip_ok` is False, and a path that is one of `inputs` (the same file
  after links, which would be overwritten; a character device such as a
  terminal may be both). A FIFO or character device must be writable;
  otherwise the directory that will hold the file (the link target's, for
  a symlink) must be.
  """
  path = os.fspath(path)
  if is_gzip_name(path) and not gzip_ok:
    raise InputError("cannot write gzip here; give a name without .gz", path)
  mode = _mode(path)
  if mode is not None and stat.S_ISDIR(mode):
    raise InputError("is a directory, expected an output file path", path)
  for source in inputs:
    _check_not_input(path, mode, source)
  if mode is not None and _write_straight(path, mode):
    if not os.access(path, os.W_OK):
      raise InputError("permission denied (not writable)", path)
    return path
  check_writable_dir(os.path.dirname(os.path.realpath(path)))
  return path


#: Extensions that name a format other than text tables.
OTHER_FORMATS = {".json": "JSON", ".csv": "CSV", ".png": "PNG",
                 ".npz": "NumPy", ".npy": "NumPy", ".h5": "HDF5",
                 ".keras": "Keras", ".pdf": "PDF", ".svg": "SVG",
                 ".md": "Markdown", ".fa": "FASTA", ".fasta": "FASTA",
                 ".meme": "MEME", ".html": "HTML"}


def check_format(path: str | os.PathLike, writes: str) -> None:
  """Refuses output `path` whose extension names another format than the
  `writes` (e.g. "TSV") a command writes there (`d.json` for a table)."""
  name = os.fspath(path).lower().removesuffix(".gz")
  extension = os.path.splitext(name)[1]
  other = OTHER_FORMATS.get(extension)
  if other and other != writes:
    raise InputError(f"the name says {other} ({extension}) but this output "
                     f"is {writes}; give a name ending in .tsv (or .txt)",
                     os.fspath(path))


def _check_not_input(path: str, mode: int | None, source) -> None:
  """Refuses output `path` if it is input file `source`, or lies inside
  input directory `source` (a model directory, a folder of subsets)."""
  if not source or not os.path.exists(source):
    return
  source = os.fspath(source)
  if os.path.isdir(source):
    inside = os.path.realpath(path)
    root = os.path.realpath(source)
    if inside == root or inside.startswith(root.rstrip(os.sep) + os.sep):
      raise InputError(f"lies inside the input directory {source}: refusing "
                       "to write there; choose another output", path)
    return
  if (mode is not None and not stat.S_ISCHR(mode) and
      os.path.samefile(path, source)):
    raise InputError(f"is also the input {source}: refusing to overwrite "
                     "it; choose another output", path)


def sidecar(path: str | os.PathLike, suffix: str) -> str | None:
  """The path of a file written beside output `path` (same stem, `suffix`),
  or None when `path` is a device or a pipe (nothing is written beside
  /dev/null)."""
  path = os.fspath(path)
  mode = _mode(path)
  if mode is not None and not stat.S_ISREG(mode):
    return None
  return os.path.splitext(path)[0] + suffix


def check_free_space(directory: str | os.PathLike, needed: int,
                     what: str) -> None:
  """Raises OSError(ENOSPC) naming `directory` when its filesystem has
  less than `needed` bytes (plus 1 %) free, before `what` is written."""
  directory = os.fspath(directory)
  probe = directory
  while probe and not os.path.exists(probe):
    probe = os.path.dirname(probe)
  try:
    free = shutil.disk_usage(probe or ".").free
  except OSError:
    return  # cannot tell: the write itself will say
  if free < needed * 1.01:
    raise OSError(errno.ENOSPC, f"no space left on device: {what} needs "
                  f"about {_size(needed)}, {_size(free)} free", directory)


def _size(n: float) -> str:
  for unit in ("bytes", "KB", "MB", "GB"):
    if n < 1000 or unit == "GB":
      return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
    n /= 1000
  return f"{n:,.1f} TB"


def _mode(path: str) -> int | None:
  """st_mode of what `path` leads to (links followed), None if nothing."""
  try:
    return os.stat(path).st_mode
  except FileNotFoundError:
    return None
  except OSError as e:
    raise InputError(f"cannot use as output: {e.strerror or e}",
                     path) from None


def _write_straight(path: str, mode: int) -> bool:
  """True for a FIFO or character device; raises for other non-files."""
  if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
    return True
  if not stat.S_ISREG(mode):
    raise InputError("is not a regular file, a FIFO or a character device; "
                     "cannot write output there", path)
  return False


# --- Writing -----------------------------------------------------------------

def _temp_name(directory: str, base: str) -> str:
  """`.ROOT.tmp-HOST-PID-RANDOM.SUFFIX` beside `base` in `directory`.

  The whole suffix (".weights.h5", ".keras") is kept: some writers check
  it; the host and PID let a later writer tell whether this one is alive.
  """
  root, dot, suffix = base.partition(".")
  tag = uuid.uuid4().hex[:8]
  return os.path.join(directory, f".{root or base}.tmp-{_HOST}-{os.getpid()}"
                      f"-{tag}{dot}{suffix}")


def _alive(pid: int) -> bool:
  try:
    os.kill(pid, 0)
  except ProcessLookupError:
    return False
  except PermissionError:  # another user's process
    return True
  return True


def remove_stale_temporaries(directory: str, base: str) -> list[str]:
  """Removes the temporaries of `base` left in `directory` by writers on
  this host that are no longer running; returns their paths."""
  root, dot, suffix = base.partition(".")
  pattern = re.compile(rf"\.{re.escape(root or base)}\.tmp-{_HOST}-(\d+)-"
                       rf"[0-9a-f]{{8}}{re.escape(dot + suffix)}(\.old)?")
  removed = []
  try:
    names = os.listdir(directory)
  except OSError:
    return removed
  for name in names:
    match = pattern.fullmatch(name)
    if not match or _alive(int(match[1])):
      continue
    stale = os.path.join(directory, name)
    try:
      if os.path.isdir(stale) and not os.path.islink(stale):
        shutil.rmtree(stale)
      else:
        os.remove(stale)
      removed.append(stale)
    except OSError:
      pass  # gone already, or not ours to remove
  return removed


def _remove(path: str) -> None:
  if os.path.isdir(path) and not os.path.islink(path):
    shutil.rmtree(path, ignore_errors=True)
  elif os.path.lexists(path):
    os.remove(path)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[str]:
  """Yields the path to write `path`'s new content to (see module doc).

  A regular file (or a new path) gets a temporary sibling, renamed onto it
  on success and removed on failure; a symlink's target is replaced, not
  the link. A FIFO or character device is yielded as itself.
  """
  path = os.fspath(path)
  mode = _mode(path)
  if mode is not None and _write_straight(path, mode):
    with naming(path):
      yield path
    return
  target = os.path.realpath(path)
  directory = os.path.dirname(target)
  os.makedirs(directory, exist_ok=True)
  remove_stale_temporaries(directory, os.path.basename(target))
  tmp = _temp_name(directory, os.path.basename(target))
  try:
    with naming(path):
      yield tmp
    os.replace(tmp, target)
  finally:
    _remove(tmp)


@contextlib.contextmanager
def naming(path: str) -> Iterator[None]:
  """Gives a write failure the output's name: an OSError without a file
  name (a full disk on write or close), or a framework's error saying "No
  space left on device", becomes OSError(errno, reason, path)."""
  try:
    yield
  except OSError as e:
    if e.filename is not None or not e.errno:
      raise
    raise OSError(e.errno, e.strerror, path) from None
  except Exception as e:  # TensorFlow's and h5py's errors
    if "No space left on device" not in str(e) and "errno = 28" not in str(e):
      raise
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path) from None


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike, marker: str) -> Iterator[str]:
  """Yields a new empty directory; on success it replaces directory `path`
  (a symlink's target, for a link). Made like any directory: the umask
  applies.

  Only a directory of the same kind is replaced: an existing `path` must
  be empty or hold file `marker` (a SavedModel's saved_model.pb), else
  InputError before anything is written. A command's own output
  directories go through `io.output_dirs`, which never replaces one.
  """
  target = os.path.realpath(path)
  if os.path.isdir(target) and os.listdir(target) and not os.path.isfile(
      os.path.join(target, marker)):
    raise InputError(f"exists and is not what this writes (no {marker} in "
                     "it): refusing to replace it; choose another path",
                     os.fspath(path))
  parent = os.path.dirname(target)
  os.makedirs(parent, exist_ok=True)
  base = os.path.basename(target)
  remove_stale_temporaries(parent, base)
  while True:
    tmp = _temp_name(parent, base)
    try:
      os.mkdir(tmp)
      break
    except FileExistsError:
      continue
  try:
    with naming(os.fspath(path)):
      yield tmp
    old = None
    if os.path.lexists(target):
      old = f"{tmp}.old"
      os.replace(target, old)
    os.replace(tmp, target)
    if old:
      _remove(old)
  finally:
    _remove(tmp)


@contextlib.contextmanager
def open_output(path: str | os.PathLike,
                encoding: str = "utf-8") -> Iterator[io.TextIOBase]:
  """A text stream that writes `path` through `atomic_path`; gzip when the
  name ends in `.gz`."""
  path = os.fspath(path)
  with atomic_path(path) as tmp:
    with open(tmp, "wb") as raw:
      if is_gzip_name(path):
        name = os.path.basename(path)[:-3]
        with gzip.GzipFile(name, "wb", fileobj=raw) as gz:
          with io.TextIOWrapper(gz, encoding=encoding) as text:
            yield text
      else:
        with io.TextIOWrapper(raw, encoding=encoding) as text:
          yield text


def write_text(path: str | os.PathLike, text: str) -> None:
  """Writes a text file atomically (gzip for a `.gz` name)."""
  with open_output(path) as f:
    f.write(text)


def save_figure(fig, path: str | os.PathLike) -> None:
  """Saves a Matplotlib figure as PNG atomically and closes it."""
  import matplotlib.pyplot as plt  # heavy; only figures need it (`pyplot`)
  with atomic_path(path) as tmp:
    fig.savefig(tmp, format="png")
  plt.close(fig)


def pyplot():
  """matplotlib.pyplot on the Agg backend (no display needed)."""
  # Heavy, and pyplot must come after the backend is chosen: here, when a
  # figure is drawn.
  import matplotlib
  matplotlib.use("Agg")
  # Matplotlib imported when drawing: slow to import, only plots need it.
  import matplotlib.pyplot as plt
  return plt
