"""One training run per run directory, enforced with a lock file.

`RunLock(run_dir)` takes an exclusive `fcntl.flock` on `<run_dir>/.lock`
and writes its PID there. The kernel releases the lock when the process
ends, however it ends (kill -9 included), so a lock left by a crashed run
is stale by construction and the next run simply takes it. A second live
run on the same directory gets a one-line InputError naming the holder.
"""

from __future__ import annotations

import fcntl
import os

from madlab_dream.errors import InputError

LOCK_FILE = ".lock"


class RunLock:
  """An exclusive lock on a run directory, held until `release()`."""

  def __init__(self, run_dir: str):
    self.path = os.path.join(run_dir, LOCK_FILE)
    self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
      fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
      holder = os.pread(self._fd, 64, 0).decode("ascii", "replace").strip()
      os.close(self._fd)
      raise InputError(
          f"another training run (PID {holder or 'unknown'}) is using this "
          "--model_dir; wait for it to finish or use another --model_dir",
          run_dir) from None
    os.ftruncate(self._fd, 0)
    os.pwrite(self._fd, f"{os.getpid()}\n".encode(), 0)

  def release(self) -> None:
    if self._fd is not None:
      fcntl.flock(self._fd, fcntl.LOCK_UN)
      os.close(self._fd)
      self._fd = None

  def __enter__(self):
    return self

  def __exit__(self, *exc):
    self.release()
