"""User-facing errors and the exit statuses of every command.

An `InputError` is bad input from the user: a file, a line in it, or a
setting. Commands (`madlab_dream.commands.cli.run`) print it as one line on stderr,
`prog: error: PATH:LINE: problem`, and exit with status 2, no traceback.
"""

from __future__ import annotations

import os

EXIT_OK = 0
EXIT_INPUT_ERROR = 2      # bad input, flags or files
EXIT_DIVERGED = 3         # training diverged; the best epoch is exported
EXIT_INTERRUPTED = 130    # SIGINT (128 + 2)
EXIT_TERMINATED = 143     # SIGTERM (128 + 15)


class Terminated(KeyboardInterrupt):
  """SIGTERM, raised like Ctrl-C's KeyboardInterrupt (see `cli.run`), so
  the same clean-up runs and nothing is left half-written."""


class InputError(Exception):
  """Bad input from the user: a file, a line in it, or a setting.

  Rendered as `PATH:LINE: problem`, `PATH: problem` or `problem`.
  """

  def __init__(self, problem: str, path: str | os.PathLike | None = None,
               line: int | None = None):
    super().__init__(problem)
    self.problem = problem
    self.path = None if path is None else os.fspath(path)
    self.line = line

  def __str__(self) -> str:
    if self.path is None:
      return self.problem
    if self.line is None:
      return f"{self.path}: {self.problem}"
    return f"{self.path}:{self.line}: {self.problem}"
