"""User-facing errors and the command-line wrapper that reports them.

Every command of the package runs its `main` through `run`, which turns an
`InputError` (or a flag error) into one line on stderr and exit status 2,
with no traceback.
"""

from __future__ import annotations

import os
import sys


class InputError(Exception):
  """Bad input from the user: a file, a line in it, or a flag.

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


EXIT_INPUT_ERROR = 2


def report_and_exit(prog: str, error: BaseException) -> None:
  """Prints `prog: error: message` on one line and exits with status 2."""
  message = " ".join(str(error).split("\n")).strip()
  sys.stderr.write(f"{prog}: error: {message}\n")
  sys.stderr.flush()
  sys.exit(EXIT_INPUT_ERROR)


def run(main, prog: str) -> None:
  """Runs an absl `main` with flag parsing; bad input exits 2 in one line."""
  from absl import app
  from absl import flags

  def parse(argv):
    try:
      return flags.FLAGS(argv)
    except flags.Error as e:
      report_and_exit(prog, e)

  def wrapped(argv):
    try:
      return main(argv)
    except InputError as e:
      report_and_exit(prog, e)
    except app.UsageError as e:
      report_and_exit(prog, e)

  app.run(wrapped, flags_parser=parse)
