"""The settings system: the one base of every command's settings and the
one set of validators.

Every command's settings are frozen dataclasses of `Settings` (defaults
written once, in the fields); each validates its fields in `__post_init__`
with the validators below, which normalise a value (a flag's "3" or 3.0
becomes 3) or raise `ConfigError` naming the setting as its flag:
`--val_fraction=1.5: must be below 1` (one line, exit status 2 on the
command line). A field's help text is its `metadata["help"]` (`setting`).

No framework is imported here; `keras_activation` imports Keras (quietly,
`compat.keras`) when it checks a name (Keras's own registry).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any
from typing import Mapping
from typing import Sequence

from madlab_dream import compat
from madlab_dream.errors import InputError


class ConfigError(InputError):
  """A setting with a value that cannot work; names the setting as a flag."""

  def __init__(self, name: str, value: Any, problem: str):
    super().__init__(f"--{name}={show(value)}: {problem}")
    self.setting = name


def show(value: Any) -> str:
  if isinstance(value, (list, tuple)):
    return ",".join(str(v) for v in value)
  return str(value)


def check(condition: bool, name: str, value: Any, problem: str) -> None:
  if not condition:
    raise ConfigError(name, value, problem)


def whole_number(name: str, value: Any, low: int | None = None,
         optional: bool = False, high: int | None = None,
         why_high: str = "") -> int | None:
  if value is None and optional:
    return None
  if isinstance(value, bool) or not _is_integral(value):
    raise ConfigError(name, value, "must be a whole number")
  value = int(value)
  if low is not None:
    check(value >= low, name, value, f"must be at least {low}")
  if high is not None:
    check(value <= high, name, value, f"must be at most {high:,}{why_high}")
  return value


def _is_integral(value: Any) -> bool:
  try:
    return float(value) == int(float(value))
  except (TypeError, ValueError, OverflowError):
    return False


def number(name: str, value: Any, low: float | None = None,
           high: float | None = None, high_open: bool = False,
           optional: bool = False) -> float | None:
  if value is None and optional:
    return None
  try:
    value = float(value)
  except (TypeError, ValueError):
    raise ConfigError(name, value, "must be a number") from None
  check(math.isfinite(value), name, value, "must be finite")
  if low is not None:
    check(value >= low, name, value, f"must be at least {low:g}")
  if high is not None:
    ok = value < high if high_open else value <= high
    check(ok, name, value, f"must be {'below' if high_open else 'at most'} "
           f"{high:g}")
  return value


def choice(name: str, value: Any, choices: Sequence[str]) -> str:
  check(value in choices, name, value, f"must be one of {', '.join(choices)}")
  return value


def whole_numbers(name: str, value: Any, low: int = 1) -> tuple[int, ...]:
  items = value.split(",") if isinstance(value, str) else list(value)
  out = []
  for item in items:
    if isinstance(item, str):
      item = item.strip()
    if isinstance(item, bool) or not _is_integral(item):
      raise ConfigError(name, value, f"{item!r} is not a whole number")
    out.append(int(float(item)))
  check(bool(out), name, value, "needs at least one value")
  check(min(out) >= low, name, value, f"every value must be at least {low}")
  return tuple(out)


def weights(name: str, value: Any) -> tuple[float, ...]:
  items = value.split(",") if isinstance(value, str) else list(value)
  out = tuple(number(name, item, low=0.0) for item in items)
  check(bool(out) and sum(out) > 0, name, value,
         "needs non-negative values, not all zero")
  return out


def names(name: str, value: Any) -> tuple[str, ...]:
  items = value.split(",") if isinstance(value, str) else list(value)
  out = tuple(str(v).strip() for v in items if str(v).strip())
  check(bool(out), name, value, "needs at least one value")
  return out


_UNITS = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def duration_seconds(name: str, value: Any) -> float | None:
  """Seconds from 600, "600", "600s", "10m", "1.5h"; None stays None."""
  if value is None or value == "":
    return None
  text = str(value).strip().lower()
  unit = next((u for u in sorted(_UNITS, key=len, reverse=True)
               if text.endswith(u)), "s")
  number = text[:-len(unit)] if text.endswith(unit) else text
  try:
    seconds = float(number) * _UNITS[unit]
  except ValueError:
    raise ConfigError(name, value, "is not a duration (e.g. 600, 600s, 10m, "
                      "1.5h)") from None
  check(math.isfinite(seconds) and seconds > 0, name, value,
         "must be a positive duration")
  return seconds


def keras_activation(name: str, value: Any) -> str:
  """A name Keras knows as an activation (swish, relu, gelu, tanh, ...):
  looked up in Keras's own registry (`keras.activations.get`)."""
  # Keras imported quietly here, when a name is checked (compat.keras):
  # importing and validating the other settings imports no framework.
  keras = compat.keras()
  try:
    known = isinstance(value, str) and keras.activations.get(value)
  except ValueError:
    known = False
  check(bool(known), name, value,
        "is not a Keras activation (e.g. swish, relu, gelu, tanh)")
  return value


def positive_whole_number(name: str, value: Any) -> int:
  """An int of at least 1 (not a bool, a float or a string)."""
  if isinstance(value, bool) or not isinstance(value, int) or value < 1:
    raise ConfigError(name, value, "must be a whole number of at least 1")
  return value


def setting(default: Any = dataclasses.MISSING, help: str = "",  # noqa: A002
            **metadata: Any) -> Any:
  """A settings field: its default and its help text (the flag's, --help's
  and the docs' table's), with any other metadata: `choices` (the values
  of an enum flag), `flag_type` (absl's flag kind when not the field's
  type's: "string", "list"), `flag` (the flag's name when not the
  field's), `result` (TrainConfig: whether it changes the results)."""
  return dataclasses.field(default=default,
                           metadata={"help": help, **metadata})


class Settings:
  """The base of every command's settings: frozen dataclasses whose
  `__post_init__` validates each field (`validate_field`)."""

  def replace(self, **changes: Any):
    """A copy with `changes`, validated again."""
    return dataclasses.replace(self, **changes)

  def to_dict(self) -> dict[str, Any]:
    """JSON-ready values (tuples as lists)."""
    return {f.name: _jsonable(getattr(self, f.name))
            for f in dataclasses.fields(self)}

  @classmethod
  def from_dict(cls, values: Mapping[str, Any]):
    """Builds the config; an unknown key is a TypeError naming the known."""
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = set(values) - known
    if unknown:
      raise TypeError(f"unknown {cls.__name__} settings: {sorted(unknown)}; "
                      f"known: {sorted(known)}")
    return cls(**values)

  @classmethod
  def field_names(cls) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))

  @classmethod
  def help_of(cls, name: str) -> str:
    """The help text of field `name` (its metadata; "" if none)."""
    return {f.name: f.metadata.get("help", "")
            for f in dataclasses.fields(cls)}[name]

  @classmethod
  def default(cls, name: str) -> Any:
    """The default of field `name` (the one place it is written)."""
    return {f.name: f.default for f in dataclasses.fields(cls)}[name]

  def validate_field(self, name: str, rule, *args, **kwargs) -> None:
    """Replaces field `name` by `rule(name, value, *args, **kwargs)`: its
    value checked (ConfigError) and normalised."""
    object.__setattr__(self, name, rule(name, getattr(self, name), *args,
                                        **kwargs))


def _jsonable(value: Any) -> Any:
  return list(value) if isinstance(value, tuple) else value
