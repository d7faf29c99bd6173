"""How every command runs: `python -m madlab_dream.<command>`.

`run(main, prog, define_flags)` defines the command's flags, parses them,
refuses positional arguments, and calls `main()`, which builds its configs
from the flags and returns an exit status (None = 0). Whatever goes wrong
in a way the user can fix ends as one line on stderr and a documented exit
status, never a traceback:

  InputError, a flag error, positional arguments   -> 2
  a path flag that is not valid UTF-8 (before any work) -> 2
  the system refusing a file: no space left on device, quota, read-only
    filesystem, I/O error, permission (an OSError with an errno, or a
    framework error saying "No space left on device"): one line naming
    the path                                         -> 2
  Ctrl-C (KeyboardInterrupt) outside the training loop -> 130
  SIGTERM outside the training loop                -> 143

SIGTERM is turned into `errors.Terminated`, a KeyboardInterrupt, so it
unwinds like Ctrl-C (the training loop installs its own handlers while it
fits). Outputs are written atomically (`madlab_dream.io.files`), so an
interrupted command leaves no half-written file behind.
"""

from __future__ import annotations

import errno
import os
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


def _flagfile_arg(arg: str) -> str | None:
  for prefix in ("--flagfile=", "-flagfile="):
    if arg.startswith(prefix):
      return arg[len(prefix):]
  return None


def flagfile_origins(args: list[str], chain: tuple[str, ...] = ()
                     ) -> dict[str, str]:
  """{flag name: "FILE:LINE"} of the flags set in the flagfiles of `args`
  (nested ones too); InputError for a flagfile that is missing, unreadable
  or includes itself. A relative flagfile path, in a flagfile as on the
  command line, is relative to the current directory (absl's rule)."""
  origins = {}
  for arg in args:
    path = _flagfile_arg(arg)
    if path is None:
      continue
    if not path:
      raise errors.InputError("--flagfile= needs a path")
    key = os.path.realpath(path)
    if key in chain:
      raise errors.InputError("flagfile includes itself (via "
                              f"{' -> '.join(chain + (key,))})", path)
    try:
      with open(path, encoding="utf-8") as f:
        lines = [line.strip() for line in f]
    except FileNotFoundError:
      raise errors.InputError("no such flagfile", path) from None
    except (OSError, UnicodeDecodeError) as e:
      raise errors.InputError(f"cannot read the flagfile: {e}", path) \
          from None
    for number, line in enumerate(lines, 1):
      if line.startswith("-") and _flagfile_arg(line) is None:
        name = line.lstrip("-").split("=", 1)[0]
        origins.setdefault(name, f"{path}:{number}")
    nested = [line for line in lines if _flagfile_arg(line) is not None]
    origins.update(flagfile_origins(nested, chain + (key,)))
  return origins


def with_origin(message: str, origins: dict[str, str]) -> str:
  """A flag error with the flagfile line that set the flag, if one did."""
  for name, where in origins.items():
    bare = name[2:] if name.startswith("no") else name
    if f"'{name}'" in message or f"--{name}" in message or \
        f"'{bare}'" in message:
      return f"{where}: {message}"
  return message


def check_utf8_settings() -> None:
  """Refuses, before any work, a setting (a path) that is not valid UTF-8:
  outputs (flags.txt, config.json, reports) record the paths as text."""
  for name in flags.FLAGS:
    flag = flags.FLAGS[name]
    values = flag.value if isinstance(flag.value, list) else [flag.value]
    for value in values:
      if not isinstance(value, str):
        continue
      try:
        value.encode("utf-8")
      except UnicodeEncodeError:
        shown = ascii(os.fsencode(value))[2:-1]
        raise errors.InputError(
            f"--{name}={shown}: not valid UTF-8 (run files record paths as "
            "text); rename the file or directory") from None


def system_error(e: BaseException) -> str | None:
  """One line for an error of the system (a full disk...), else None."""
  if isinstance(e, OSError) and e.errno:
    name = e.filename if e.filename is not None else ""
    if isinstance(name, bytes):
      name = ascii(name)[2:-1]
    reason = os.strerror(e.errno).lower()
    detail = e.strerror or reason
    if detail.lower().startswith(reason):
      detail = detail[len(reason):].lstrip(": ")
    code = errno.errorcode.get(e.errno, str(e.errno))
    text = f"{reason} ({code})" + (f": {detail}" if detail else "")
    return f"{name}: {text}" if name else text
  message = str(e)
  if "No space left on device" in message or "errno = 28" in message:
    first = " ".join(message.split())[:300]
    return f"no space left on device (ENOSPC): {first}"
  return None


#: The signals received in this process (SIGINT, SIGTERM), so that an
#: interruption is reported as one even when the exception it raised was
#: replaced on its way up: TensorFlow 2.21's C++ code (e.g. the
#: EagerTensor constructor) turns a KeyboardInterrupt raised inside it into
#: a TypeError or SystemError.
RECEIVED: list[int] = []


def _terminate(signum, frame):
  RECEIVED.append(signum)
  raise errors.Terminated()


def _interrupt(signum, frame):
  RECEIVED.append(signum)
  raise KeyboardInterrupt


#: The line and exit status of a Ctrl-C.
INTERRUPTED = ("interrupted (Ctrl-C); no output was left half-written",
               errors.EXIT_INTERRUPTED)


def signal_line() -> tuple[str, int] | None:
  """(message, exit status) of the first signal received, or None."""
  if not RECEIVED:
    return None
  if RECEIVED[0] == signal.SIGTERM:
    return ("terminated (SIGTERM); no output was left half-written",
            errors.EXIT_TERMINATED)
  return INTERRUPTED


def list_in_help(names: list[str]) -> None:
  """--help and --helpshort list the command's own flags: absl lists the
  key flags of the main module, and the flags are defined in
  `commands.flags`, so they are made key flags of the main module."""
  for name in names:
    flags.FLAGS.register_key_flag_for_module(sys.argv[0], flags.FLAGS[name])


def show_usage_of(module) -> None:
  """--help prints the command module's docstring (absl prints that of
  `__main__`, here the module `python -m madlab_dream.<command>` runs)."""
  main_module = sys.modules.get("__main__")
  if main_module is not None and module.__doc__:
    main_module.__doc__ = module.__doc__


def run(main: Callable[[], int | None], prog: str,
        define_flags: Callable[[], None]) -> None:
  """Defines the flags, parses argv and runs `main()` (see module doc)."""
  defined = set(flags.FLAGS)
  define_flags()
  list_in_help([name for name in flags.FLAGS if name not in defined])
  show_usage_of(sys.modules[main.__module__])

  def parse(argv):
    try:
      origins = flagfile_origins(argv[1:])
    except errors.InputError as e:
      fail(prog, e)
    for arg in argv[1:]:  # a flag given on the command line is named there
      origins.pop(arg.lstrip("-").split("=", 1)[0], None)
    try:
      return flags.FLAGS(argv)
    except flags.Error as e:
      fail(prog, with_origin(str(e), origins))

  def wrapped(argv):
    if len(argv) > 1:
      fail(prog, f"unexpected arguments: {' '.join(argv[1:])} (every "
           "setting is a --flag; see --helpfull)")
    logging.set_verbosity(logging.WARNING)  # TF's INFO lines (export)
    signal.signal(signal.SIGTERM, _terminate)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
      signal.signal(signal.SIGINT, _interrupt)
    try:
      check_utf8_settings()
      status = main()
    except errors.InputError as e:
      fail(prog, e)
    except (errors.Terminated, KeyboardInterrupt):
      fail(prog, *(signal_line() or INTERRUPTED))
    except Exception as e:  # the system refusing a write: one line
      line = signal_line() or (system_error(e), errors.EXIT_INPUT_ERROR)
      if line[0] is None:
        raise
      fail(prog, *line)
    if status:
      sys.exit(status)

  app.run(wrapped, flags_parser=parse)
