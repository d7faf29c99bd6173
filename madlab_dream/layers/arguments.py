"""What the layers accept, importable without a framework.

The layers check their arguments with these functions before
`super().__init__`, and `madlab_dream.config.ModelConfig` validates its
settings with the same rules, so building a config imports no Keras.

  RELATIVE_POSITION_FUNCTIONS          Enformer's basis function names
  DEFAULT_RELATIVE_POSITION_FUNCTIONS  MadLab's three (Enformer's default)
  relative_position_feature_count      the attention's feature count F
  features_per_function                F split over the basis functions
  positive_int, rate, boolean, ...     checks with Keras's "Received:
                                       name=value" messages
"""

from __future__ import annotations

import numbers
from typing import Any
from typing import Sequence

import numpy as np

#: The relative-position basis functions, by their names in Enformer's
#: `attention_module.py` (`layers.positional.POSITIONAL_FUNCTIONS` holds
#: their code).
RELATIVE_POSITION_FUNCTIONS = ("positional_features_exponential",
                               "positional_features_central_mask",
                               "positional_features_gamma",
                               "positional_features_cosine",
                               "positional_features_linear_masks",
                               "positional_features_sin_cos")
#: MadLab's basis functions (also Enformer's default list).
DEFAULT_RELATIVE_POSITION_FUNCTIONS = RELATIVE_POSITION_FUNCTIONS[:3]
def _invalid(name: str, value: Any, expected: str) -> ValueError:
  return ValueError(f"Invalid value for argument `{name}`: expected "
                    f"{expected}. Received: {name}={value!r}")


def positive_int(name: str, value: Any) -> int:
  """`value` as an int >= 1; ValueError for anything else (2.5, "2", True)."""
  if (isinstance(value, (bool, np.bool_))
      or not isinstance(value, numbers.Integral) or value < 1):
    raise _invalid(name, value, "a positive integer")
  return int(value)


def optional_positive_int(name: str, value: Any) -> int | None:
  """None, or `positive_int`."""
  return None if value is None else positive_int(name, value)


def non_negative_float(name: str, value: Any) -> float:
  """`value` as a float >= 0 (finite); ValueError otherwise."""
  if (isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real)
      or not 0 <= value < float("inf")):
    raise _invalid(name, value, "a finite number >= 0")
  return float(value)


def rate(name: str, value: Any) -> float:
  """A dropout rate: a number in [0, 1); ValueError otherwise."""
  if (isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real)
      or not 0 <= value < 1):
    raise _invalid(name, value, "a number in [0, 1)")
  return float(value)


def boolean(name: str, value: Any) -> bool:
  """`value` if it is a bool (True, False); ValueError otherwise."""
  if not isinstance(value, (bool, np.bool_)):
    raise _invalid(name, value, "True or False")
  return bool(value)


def positive_ints(name: str, values: Any) -> list[int]:
  """A non-empty sequence of positive ints, as a list."""
  if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
    raise _invalid(name, values, "a list of positive integers")
  if not values:
    raise _invalid(name, values, "at least one positive integer")
  return [positive_int(name, v) for v in values]


def function_names(name: str, values: Any) -> list[str]:
  """Relative-position basis function names (`RELATIVE_POSITION_FUNCTIONS`),
  at least one, as a list."""
  if isinstance(values, str) or not isinstance(values, Sequence):
    raise _invalid(name, values, "a list of function names, not one string")
  if not values:
    raise _invalid(name, values, "at least one positional feature function")
  for value in values:
    if value not in RELATIVE_POSITION_FUNCTIONS:
      raise ValueError(f"Function {value} not available in "
                       f"{list(RELATIVE_POSITION_FUNCTIONS)}. Received: "
                       f"{name}={list(values)!r}")
  return list(values)


def features_per_function(feature_size: int, functions: Sequence[str],
                          symmetric: bool) -> int:
  """F / n (symmetric) or F / 2n for n functions, checked like Enformer's
  `positional_features_all`: ValueError if F does not divide, or if
  sin_cos gets an odd count."""
  functions = function_names("relative_position_functions", functions)
  num_components = len(functions) * (1 if symmetric else 2)
  if feature_size < 0:
    raise ValueError(f"feature_size must be >= 0. Received: "
                     f"feature_size={feature_size}")
  if feature_size % num_components != 0:
    raise ValueError(f"feature_size has to be divisible by {num_components}. "
                     f"Received: feature_size={feature_size}")
  per_function = feature_size // num_components
  if "positional_features_sin_cos" in functions and per_function % 2:
    raise ValueError("feature_size needs to be divisible by 2 per function "
                     f"for positional_features_sin_cos. Received: "
                     f"feature_size={feature_size}")
  return per_function


def default_relative_position_features(value_size: int,
                                       num_functions: int) -> int:
  """Enformer's default feature count: (value_size // 2n) * 2n."""
  divisible_by = 2 * num_functions
  return (value_size // divisible_by) * divisible_by


def relative_position_feature_count(value_size: int,
                                    num_features: int | None,
                                    functions: Sequence[str],
                                    symmetric: bool) -> int:
  """The attention's feature count F: `num_features`, or Enformer's default
  for None; ValueError if the basis functions cannot split it or it is 0."""
  functions = function_names("relative_position_functions", functions)
  if num_features is None:
    features = default_relative_position_features(value_size, len(functions))
  else:
    features = positive_int("num_relative_position_features", num_features)
  features_per_function(features, functions, symmetric)
  if features == 0:
    raise ValueError(
        f"the number of relative-position features is 0 (value_size "
        f"{value_size} is below 2 x {len(functions)} functions); set "
        "num_relative_position_features")
  return features
