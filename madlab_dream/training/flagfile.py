"""A run's settings as a flagfile: `flags.txt`, which a training run
leaves and which re-runs its experiment (`--flagfile=flags.txt`), and the
experiments of `experiments/` read as settings for `madlab_dream.train`.

A flagfile holds one `--name=value` (`--name`, `--noname` for a yes/no
setting) per line; `#` and `//` lines are comments; `--flagfile=PATH`
includes another (a relative PATH is relative to the current directory, as
on the command line).
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from madlab_dream import config as cfg
from madlab_dream.errors import InputError


def as_flags(values: dict[str, Any]) -> list[str]:
  """`--name=value` arguments for settings (None omitted, bools as --[no]x)."""
  out = []
  for name, value in values.items():
    if value is None:
      continue
    if isinstance(value, bool):
      out.append(f"--{name}" if value else f"--no{name}")
    elif isinstance(value, (list, tuple)):
      out.append(f"--{name}={','.join(str(v) for v in value)}")
    else:
      out.append(f"--{name}={value}")
  return out


#: Settings that are paths: absolute in a run's flags.txt, so that it
#: re-runs the experiment from any directory.
PATH_SETTINGS = ("train_data", "model_dir", "cache_dir")


def flagfile_text(run: cfg.RunConfig) -> str:
  """A flagfile that re-runs the experiment `run` describes (its paths
  made absolute: a relative path in a flagfile is relative to the
  directory the command runs in)."""
  values: dict[str, Any] = {}
  for part in (run.data, run.model, run.train):
    values.update(part.to_dict())
  for name in PATH_SETTINGS:
    if values.get(name):
      values[name] = os.path.abspath(values[name])
  lines = ["# Re-runs this experiment: python -m madlab_dream.train "
           "--flagfile=THIS_FILE"]
  lines += as_flags(dict(sorted(values.items())))
  return "\n".join(lines) + "\n"


def read_flagfile(path: str, chain: tuple[str, ...] = ()) -> dict[str, Any]:
  """{setting: value} of a flagfile and those it includes (values as
  written: the settings' validators convert them); InputError naming the
  file and line of a line that is not a setting."""
  key = os.path.realpath(path)
  if key in chain:
    raise InputError("flagfile includes itself", path)
  try:
    with open(path, encoding="utf-8") as f:
      lines = f.read().splitlines()
  except OSError as e:
    raise InputError(f"cannot read the flagfile: {e.strerror or e}",
                     path) from None
  values: dict[str, Any] = {}
  for number, line in enumerate(lines, 1):
    line = line.strip()
    if not line or line.startswith(("#", "//")):
      continue
    name, value = _setting(line, path, number)
    if name == "flagfile":
      values.update(read_flagfile(value, chain + (key,)))
    else:
      values[name] = value
  return values


def _setting(line: str, path: str, number: int) -> tuple[str, Any]:
  """(name, value) of one `--name=value`, `--name` or `--noname` line."""
  name, equals, value = line.lstrip("-").partition("=")
  known = set(cfg.setting_names()) | {"flagfile"}
  if not line.startswith("-") or not name:
    raise InputError(f"not a --name=value line: {line!r}", path, number)
  if not equals:
    if name in _YES_NO:
      return name, True
    if name.startswith("no") and name[2:] in _YES_NO:
      return name[2:], False
  if name not in known:
    raise InputError(f"--{name}: no such setting", path, number)
  if name in _YES_NO:
    if value.lower() not in ("true", "false", "1", "0"):
      raise InputError(f"--{name}={value}: expected true or false", path,
                       number)
    return name, value.lower() in ("true", "1")
  return name, value


#: The yes/no settings (written --name or --noname).
_YES_NO = frozenset(
    field.name for config_class in cfg.RunConfig.parts().values()
    for field in dataclasses.fields(config_class) if field.type == "bool")
