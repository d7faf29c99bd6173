"""Activations and initializers given to the layers as names, callables or
configs: checked before `super().__init__`, kept in a serialisable form for
`get_config`, and made fresh for each weight."""

from __future__ import annotations

import copy
import random
from typing import Any
from typing import Callable

import keras


def check_activation(name: str, value: Any) -> str | Callable:
  """`value` if Keras can use it as an activation (a name, a callable, a
  serialised config; None is linear); ValueError otherwise."""
  try:
    keras.activations.get(value)
  except (ValueError, TypeError):
    raise ValueError(f"Invalid value for argument `{name}`: expected a Keras "
                     f"activation. Received: {name}={value!r}") from None
  return value


def serialized_activation(value: Any) -> Any:
  """A name stays a name (None: "linear"); anything else its Keras config."""
  if value is None:
    return "linear"
  if isinstance(value, str):
    return value
  return keras.activations.serialize(keras.activations.get(value))


def serialized_initializer(name: str, value: Any) -> Any:
  """A name stays a name; anything else its Keras config. ValueError if
  Keras cannot use `value` as an initializer."""
  if isinstance(value, str):
    # Instantiating an unseeded initializer draws its seed from Python's
    # random state, which the layer's weights are to draw from: kept.
    state = random.getstate()
    try:
      _initializer(name, value)
    finally:
      random.setstate(state)
    return value
  return keras.initializers.serialize(_initializer(name, value))


def _initializer(name: str, value: Any) -> keras.initializers.Initializer:
  try:
    initializer = keras.initializers.get(value)
  except (ValueError, TypeError):
    initializer = None
  if initializer is None:
    raise ValueError(f"Invalid value for argument `{name}`: expected a Keras "
                     f"initializer. Received: {name}={value!r}")
  return initializer


def fresh_initializer(serialized: Any) -> keras.initializers.Initializer:
  """A new instance from a name or config: an unseeded instance used for
  several weights would give them the same values."""
  return keras.initializers.get(copy.deepcopy(serialized))
