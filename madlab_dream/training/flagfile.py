"""A run's settings written back as flags: the `flags.txt` a training run
leaves, which re-runs its experiment (`--flagfile=flags.txt`)."""

from __future__ import annotations

import os
from typing import Any

from madlab_dream import config as cfg


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
