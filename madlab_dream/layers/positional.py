"""Enformer's relative-position basis (`positional_features_all` in DeepMind's
`enformer/attention_module.py`), written with `keras.ops` so it runs in the
graph of every Keras backend and under XLA.

`positional_features(distances, F, L, functions)` gives float32 [*S, F];
`resolve_relative_features` is the one home of the feature-count rule
(F divisible by 2 x #functions in the asymmetric mode MadLab used).
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np
from keras import ops

from madlab_dream.config import RELATIVE_FUNCTIONS as DEFAULT_FUNCTIONS

# Each takes `positions` (float32, any shape S; `positional_features` passes
# |distance|), the number of features k and the characteristic length L, and
# returns float32 [*S, k]. The float32 operations follow the original's
# order, so results agree with it to float32 rounding.


def _length_or_default(positions, seq_length):
  """L, or max |position| + 1 (a scalar tensor) when L is None."""
  if seq_length is None:
    return ops.max(ops.abs(positions)) + 1.0
  return seq_length


def _is_number(value) -> bool:
  return isinstance(value, (int, float, np.integer, np.floating))


def _float32(value: float) -> float:
  """`value` rounded to float32 (a Python float every backend keeps exact)."""
  return float(np.float32(value))


def _column(positions):
  """[*S] -> [*S, 1], to broadcast against the k features."""
  return ops.expand_dims(positions, -1)


def positional_features_exponential(positions, feature_size: int,
                                    seq_length=None,
                                    min_half_life: float = 3.0):
  """exp(-ln2 |d| / h), half-lives h = 2 ** linspace(3, log2(L), k).

  As in the original, `min_half_life` is the exponent of the first half-life
  (so half-lives run from 8 to L), not the half-life itself.
  """
  length = ops.cast(_length_or_default(positions, seq_length), "float32")
  max_range = ops.log(length) / ops.log(2.0)
  half_life = ops.power(2.0, ops.linspace(min_half_life, max_range,
                                          feature_size, dtype="float32"))
  return ops.exp(-ops.log(2.0) / half_life * _column(ops.abs(positions)))


def positional_features_central_mask(positions, feature_size: int,
                                     seq_length=None):
  """1 where |d| < 2^i - 1 (i = 1..k), else 0."""
  del seq_length  # Unused, as in the original.
  widths = ops.power(2.0, ops.arange(1, feature_size + 1,
                                     dtype="float32")) - 1.0
  return ops.cast(ops.greater(widths, _column(ops.abs(positions))), "float32")


def _xlogy(x, y):
  """x log(y), and 0 where x == 0 (tf.math.xlogy)."""
  zero = ops.equal(x, 0.0)
  return ops.where(zero, 0.0, x * ops.log(ops.where(zero, 1.0, y)))


_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def _lgamma(x):
  """log Gamma(x) for x > 0 (keras.ops has no lgamma).

  Stirling's series at z = x + 4, then log Gamma(x) = log Gamma(z) -
  log(x (x+1) (x+2) (x+3)). The series' truncation error is below 4e-9 for
  z >= 4; the gamma basis uses x = 4 (i+1)^2 >= 4.
  """
  z = x + 4.0
  inv = 1.0 / z
  inv2 = inv * inv
  series = inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 * (1.0 / 1260
                                                          - inv2 / 1680)))
  shift = ops.log(x) + ops.log(x + 1.0) + ops.log(x + 2.0) + ops.log(x + 3.0)
  return (z - 0.5) * ops.log(z) - z + _HALF_LOG_2PI + series - shift


def _gamma_pdf(x, concentration, rate):
  log_unnormalized = _xlogy(concentration - 1.0, x) - rate * x
  log_normalization = (_lgamma(concentration)
                       - concentration * ops.log(rate))
  return ops.exp(log_unnormalized - log_normalization)


def positional_features_gamma(positions, feature_size: int, seq_length=None):
  """Gamma densities at |d|, means linspace(L/k, L, k), sd L/(2k).

  Each density gets 1e-8 added and is divided by its maximum over axis 1
  (the original's quirk: for the attention's [1, 2L-1] distances that is the
  distance axis, so each feature peaks at 1; for a 1-D input it is the
  feature axis).
  """
  seq_length = _length_or_default(positions, seq_length)
  k = feature_size
  if _is_number(seq_length):
    # A Python length: the constants are formed in double precision and
    # rounded to float32 once, as the original does.
    length = float(seq_length)
    stddev = length / (2 * k) if k else math.inf
    stddev_t = _float32(stddev)
    variance_t = _float32(stddev ** 2)
    mean = ops.linspace(_float32(length / k if k else length),
                        _float32(length), k, dtype="float32")
  else:
    length = ops.cast(seq_length, "float32")
    stddev_t = length / (2 * k)
    variance_t = stddev_t ** 2
    mean = ops.linspace(length / k, length, k, dtype="float32")
  concentration = (mean / stddev_t) ** 2
  rate = mean / variance_t
  probabilities = _gamma_pdf(_column(ops.abs(positions)), concentration, rate)
  probabilities += 1e-8
  return probabilities / ops.max(probabilities, axis=1, keepdims=True)


def positional_features_cosine(positions, feature_size: int,
                               seq_length=None):
  """cos(2 pi d / (1.25 * 2^i)), i = 0..k-1."""
  del seq_length  # Unused, as in the original.
  periodicity = 1.25 * ops.power(2.0, ops.arange(0, feature_size,
                                                 dtype="float32"))
  return ops.cos(2 * np.pi * _column(positions) / periodicity)


def positional_features_linear_masks(positions, feature_size: int,
                                     seq_length=None):
  """1 where |d| == i (i = 0..k-1), else 0."""
  del seq_length  # Unused, as in the original.
  distances = ops.arange(0, feature_size, dtype="float32")
  return ops.cast(ops.equal(distances, ops.abs(_column(positions))),
                  "float32")


def positional_features_sin_cos(positions, feature_size: int,
                                seq_length=None, max_time: float = 10000.0):
  """[sin(d / T^(i/k)), cos(d / T^(i/k))] for even i < k; k must be even."""
  del seq_length  # Unused, as in the original.
  if feature_size % 2 != 0:
    raise ValueError("feature_size needs to be divisible by 2.")
  i = ops.arange(0, feature_size, 2, dtype="float32")
  scale = ops.power(_float32(max_time), i / feature_size)
  angle = _column(positions) / scale
  return ops.concatenate([ops.sin(angle), ops.cos(angle)], axis=-1)


POSITIONAL_FUNCTIONS: dict[str, Callable] = {
    "positional_features_exponential": positional_features_exponential,
    "positional_features_central_mask": positional_features_central_mask,
    "positional_features_gamma": positional_features_gamma,
    "positional_features_cosine": positional_features_cosine,
    "positional_features_linear_masks": positional_features_linear_masks,
    "positional_features_sin_cos": positional_features_sin_cos,
}


def _check_feature_count(feature_size: int, functions: Sequence[str],
                         symmetric: bool) -> int:
  """Validates like the original; returns features per function."""
  if isinstance(functions, str):
    raise TypeError("functions must be a list of names, not one string")
  if not functions:
    raise ValueError("at least one positional feature function is needed")
  num_components = len(functions) * (1 if symmetric else 2)
  if feature_size < 0:
    raise ValueError(f"feature_size must be >= 0, got {feature_size}")
  if feature_size % num_components != 0:
    raise ValueError(f"feature_size has to be divisible by {num_components}")
  for name in functions:
    if name not in POSITIONAL_FUNCTIONS:
      raise ValueError(f"Function {name} not available in "
                       f"{list(POSITIONAL_FUNCTIONS)}")
  per_function = feature_size // num_components
  if "positional_features_sin_cos" in functions and per_function % 2:
    raise ValueError("feature_size needs to be divisible by 2.")
  return per_function


def positional_features(distances, feature_size: int, seq_length=None,
                        functions: Sequence[str] | None = None,
                        symmetric: bool = False):
  """Enformer's relative-position features (`positional_features_all`).

  Args:
    distances: relative positions, any shape S (the attention uses
      `range(-(L-1), L)[None]`, S = [1, 2L-1]); an array or a tensor.
    feature_size: F, the total number of features. Must be divisible by the
      number of functions n (symmetric) or 2n (asymmetric).
    seq_length: the characteristic length L (None: max |distance| + 1).
    functions: names as in the original (`positional_features_exponential`,
      `..._central_mask`, `..._gamma`, `..._cosine`, `..._linear_masks`,
      `..._sin_cos`). None: exponential, central mask, gamma.
    symmetric: if False, the F/2 features of |d| are followed by the same
      features multiplied by sign(d).

  Returns:
    A float32 backend tensor [*S, F].

  Raises:
    ValueError: F not divisible as above, an unknown function name, or an odd
      per-function count for sin_cos.
  """
  functions = list(DEFAULT_FUNCTIONS if functions is None else functions)
  per_function = _check_feature_count(feature_size, functions, symmetric)
  distances = ops.cast(distances, "float32")
  magnitude = ops.abs(distances)
  embeddings = ops.concatenate(
      [POSITIONAL_FUNCTIONS[name](magnitude, per_function, seq_length)
       for name in functions], axis=-1)                      # [*S, F or F/2]
  if not symmetric:
    embeddings = ops.concatenate(
        [embeddings, _column(ops.sign(distances)) * embeddings], axis=-1)
  return embeddings


def default_relative_features(value_size: int, num_functions: int) -> int:
  """Enformer's default feature count: (value_size // 2n) * 2n."""
  divisible_by = 2 * num_functions
  return (value_size // divisible_by) * divisible_by


def resolve_relative_features(value_size: int, num_features: int | None,
                              functions: Sequence[str],
                              symmetric: bool) -> int:
  """The attention's feature count F, validated (ValueError if unusable)."""
  functions = list(functions)
  if num_features is None:
    features = default_relative_features(value_size, len(functions))
  else:
    features = int(num_features)
  _check_feature_count(features, functions, symmetric)
  if features == 0:
    raise ValueError(
        f"the number of relative-position features is 0 (value_size "
        f"{value_size} is below 2 x {len(functions)} functions); set "
        "num_relative_position_features")
  return features
