"""Progress of a long loop, on stderr, never mixed into an output.

`Progress(total, unit)` shows `12,345 / 71,103 sequences (17 %)` (or
`12,345 sequences` when the total is unknown, a pipe) on one line of
stderr, redrawn at most twice a second, only when stderr is a terminal:
into a file or a pipe it writes nothing, so logs and `2>` captures hold no
carriage returns or escape codes. Standard output stays for the results.

>>> import io
>>> bar = Progress(100, "sequences", stream=io.StringIO())
>>> bar.update(50)
>>> bar.text()
'50 / 100 sequences (50 %)'
"""

from __future__ import annotations

import sys
import time


class Progress:
  """A one-line progress display (see the module docstring)."""

  def __init__(self, total: int | None, unit: str = "sequences",
               stream=None, interval: float = 0.5):
    self.total = total
    self.unit = unit
    self.stream = sys.stderr if stream is None else stream
    self.interval = interval
    isatty = getattr(self.stream, "isatty", None)
    self.live = bool(isatty and isatty())
    self._shown = 0.0
    self.done = 0

  def text(self) -> str:
    if self.total:
      share = min(100.0, 100.0 * self.done / self.total)
      return f"{self.done:,} / {self.total:,} {self.unit} ({share:.0f} %)"
    return f"{self.done:,} {self.unit}"

  def update(self, done: int) -> None:
    """Records `done` items; redraws if the interval has passed."""
    self.done = done
    now = time.monotonic()
    if self.live and now - self._shown >= self.interval:
      self._shown = now
      self._draw()

  def _draw(self) -> None:
    self.stream.write("\r" + self.text())
    self.stream.flush()

  def close(self) -> None:
    """Draws the final count and ends the line (terminal only)."""
    if self.live:
      self._draw()
      self.stream.write("\n")
      self.stream.flush()
