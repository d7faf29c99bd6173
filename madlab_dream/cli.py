"""How every command runs: `python -m madlab_dream.<command>`.

`run(main, prog, define_flags)` defines the command's flags, parses them,
refuses positional arguments, and calls `main()`, which builds its configs
from the flags and returns an exit status (None = 0). Whatever goes wrong
in a way the user can fix ends as one line on stderr and a documented exit
status, never a traceback:

  InputError, a flag error, positional arguments   -> 2
  Ctrl-C (KeyboardInterrupt) outside the training loop -> 130
  SIGTERM outside the training loop                -> 143

SIGTERM is turned into `errors.Terminated`, a KeyboardInterrupt, so it
unwinds like Ctrl-C (the training loop installs its own handlers while it
fits). Outputs are written atomically (`madlab_dream.io.files`), so an
interrupted command leaves no half-written file behind.
"""

from __future__ import annotations

import signal
import sys
from typing import Callable

from absl import app
from absl import flags
from absl import logging

from madlab_dream import errors


def fail(prog: str, message: str, status: int = errors.EXIT_INPUT_ERROR):
  """Prints `prog: error: message` on one line and exits with `status`."""
  message = " ".join(str(message).split())
  sys.stdout.flush()
  sys.stderr.write(f"{prog}: error: {message}\n")
  sys.stderr.flush()
  sys.exit(status)


def _terminate(signum, frame):
  raise errors.Terminated()


def run(main: Callable[[], int | None], prog: str,
        define_flags: Callable[[], None]) -> None:
  """Defines the flags, parses argv and runs `main()` (see module doc)."""
  define_flags()

  def parse(argv):
    try:
      return flags.FLAGS(argv)
    except flags.Error as e:
      fail(prog, e)

  def wrapped(argv):
    if len(argv) > 1:
      fail(prog, f"unexpected arguments: {' '.join(argv[1:])} (every "
           "setting is a --flag; see --helpfull)")
    logging.set_verbosity(logging.WARNING)  # TF's INFO lines (export)
    signal.signal(signal.SIGTERM, _terminate)
    try:
      status = main()
    except errors.InputError as e:
      fail(prog, e)
    except errors.Terminated:
      fail(prog, "terminated (SIGTERM); no output was left half-written",
           errors.EXIT_TERMINATED)
    except KeyboardInterrupt:
      fail(prog, "interrupted (Ctrl-C); no output was left half-written",
           errors.EXIT_INTERRUPTED)
    if status:
      sys.exit(status)

  app.run(wrapped, flags_parser=parse)
