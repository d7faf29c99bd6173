"""Enformer's relative-position basis (`positional_features_all` in DeepMind's
`enformer/attention_module.py`), in TensorFlow ops so it runs in the graph
and under XLA.

`positional_features(distances, F, L, functions)` gives float32 [*S, F];
`resolve_relative_features` is the one home of the feature-count rule
(F divisible by 2 x #functions in the asymmetric mode MadLab used).
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np
import tensorflow as tf

from madlab_dream.config import RELATIVE_FUNCTIONS as DEFAULT_FUNCTIONS

# Each takes `positions` (float32, any shape; `positional_features` passes
# |distance|), the number of features k and the characteristic length, and
# returns float32 `positions.shape + [k]`. The float32 operations follow the
# original's order, so results agree with it to float32 rounding.


def _seq_length_or_default(positions: tf.Tensor, seq_length):
  if seq_length is None:
    return tf.reduce_max(tf.abs(positions)) + 1.0
  return seq_length


def positional_features_exponential(positions: tf.Tensor, feature_size: int,
                                    seq_length=None,
                                    min_half_life: float = 3.0) -> tf.Tensor:
  """exp(-ln2 |d| / h), half-lives h = 2 ** linspace(3, log2(L), k).

  As in the original, `min_half_life` is the exponent of the first half-life
  (so half-lives run from 8 to L), not the half-life itself.
  """
  seq_length = tf.cast(_seq_length_or_default(positions, seq_length),
                       tf.float32)
  max_range = tf.math.log(seq_length) / tf.math.log(2.0)
  half_life = tf.pow(2.0, tf.linspace(tf.constant(min_half_life, tf.float32),
                                      max_range, feature_size))
  return tf.exp(-tf.math.log(2.0) / half_life
                * tf.abs(positions)[..., tf.newaxis])


def positional_features_central_mask(positions: tf.Tensor, feature_size: int,
                                     seq_length=None) -> tf.Tensor:
  """1 where |d| < 2^i - 1 (i = 1..k), else 0."""
  del seq_length  # Unused, as in the original.
  widths = tf.pow(2.0, tf.range(1, feature_size + 1, dtype=tf.float32)) - 1.0
  return tf.cast(widths > tf.abs(positions)[..., tf.newaxis], tf.float32)


def _gamma_pdf(x: tf.Tensor, concentration: tf.Tensor,
               rate: tf.Tensor) -> tf.Tensor:
  log_unnormalized = tf.math.xlogy(concentration - 1.0, x) - rate * x
  log_normalization = (tf.math.lgamma(concentration)
                       - concentration * tf.math.log(rate))
  return tf.exp(log_unnormalized - log_normalization)


def positional_features_gamma(positions: tf.Tensor, feature_size: int,
                              seq_length=None) -> tf.Tensor:
  """Gamma densities at |d|, means linspace(L/k, L, k), sd L/(2k).

  Each density gets 1e-8 added and is divided by its maximum over axis 1
  (the original's quirk: for the attention's [1, 2L-1] distances that is the
  distance axis, so each feature peaks at 1; for a 1-D input it is the
  feature axis).
  """
  seq_length = _seq_length_or_default(positions, seq_length)
  k = feature_size
  if isinstance(seq_length, (int, float, np.integer, np.floating)):
    # A Python length: the constants are formed in double precision and
    # rounded to float32 once, as the original does.
    length = float(seq_length)
    stddev = length / (2 * k) if k else math.inf
    start_mean = length / k if k else length
    stddev_t = tf.constant(stddev, tf.float32)
    variance_t = tf.constant(stddev ** 2, tf.float32)
    mean = tf.linspace(tf.constant(start_mean, tf.float32),
                       tf.constant(length, tf.float32), k)
  else:
    length = tf.cast(seq_length, tf.float32)
    stddev_t = length / (2 * k)
    variance_t = stddev_t ** 2
    mean = tf.linspace(length / k, length, k)
  concentration = (mean / stddev_t) ** 2
  rate = mean / variance_t
  probabilities = _gamma_pdf(tf.abs(positions)[..., tf.newaxis],
                             concentration, rate)
  probabilities += 1e-8
  return probabilities / tf.reduce_max(probabilities, axis=1, keepdims=True)


def positional_features_cosine(positions: tf.Tensor, feature_size: int,
                               seq_length=None) -> tf.Tensor:
  """cos(2 pi d / (1.25 * 2^i)), i = 0..k-1."""
  del seq_length  # Unused, as in the original.
  periodicity = 1.25 * tf.pow(2.0, tf.range(0, feature_size,
                                            dtype=tf.float32))
  return tf.math.cos(2 * np.pi * positions[..., tf.newaxis] / periodicity)


def positional_features_linear_masks(positions: tf.Tensor, feature_size: int,
                                     seq_length=None) -> tf.Tensor:
  """1 where |d| == i (i = 0..k-1), else 0."""
  del seq_length  # Unused, as in the original.
  distances = tf.range(0, feature_size, dtype=tf.float32)
  return tf.cast(distances == tf.abs(positions[..., tf.newaxis]), tf.float32)


def positional_features_sin_cos(positions: tf.Tensor, feature_size: int,
                                seq_length=None,
                                max_time: float = 10000.0) -> tf.Tensor:
  """[sin(d / T^(i/k)), cos(d / T^(i/k))] for even i < k; k must be even."""
  del seq_length  # Unused, as in the original.
  if feature_size % 2 != 0:
    raise ValueError("feature_size needs to be divisible by 2.")
  i = tf.range(0, feature_size, 2, dtype=tf.float32)
  scale = tf.pow(tf.constant(max_time, tf.float32), i / feature_size)
  angle = positions[..., tf.newaxis] / scale
  return tf.concat([tf.sin(angle), tf.cos(angle)], -1)


POSITIONAL_FUNCTIONS: dict[str, Callable[..., tf.Tensor]] = {
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
                        symmetric: bool = False) -> tf.Tensor:
  """Enformer's relative-position features (`positional_features_all`).

  Args:
    distances: relative positions, any shape S (the attention uses
      `range(-(L-1), L)[None]`, S = [1, 2L-1]).
    feature_size: F, the total number of features. Must be divisible by the
      number of functions n (symmetric) or 2n (asymmetric).
    seq_length: the characteristic length L (None: max |distance| + 1).
    functions: names as in the original (`positional_features_exponential`,
      `..._central_mask`, `..._gamma`, `..._cosine`, `..._linear_masks`,
      `..._sin_cos`). None: exponential, central mask, gamma.
    symmetric: if False, the F/2 features of |d| are followed by the same
      features multiplied by sign(d).

  Returns:
    float32 [*S, F].

  Raises:
    ValueError: F not divisible as above, an unknown function name, or an odd
      per-function count for sin_cos.
  """
  functions = list(DEFAULT_FUNCTIONS if functions is None else functions)
  per_function = _check_feature_count(feature_size, functions, symmetric)
  distances = tf.cast(distances, tf.float32)
  magnitude = tf.abs(distances)
  embeddings = tf.concat([POSITIONAL_FUNCTIONS[name](magnitude, per_function,
                                                     seq_length)
                          for name in functions], axis=-1)
  if not symmetric:
    embeddings = tf.concat(
        [embeddings, tf.sign(distances)[..., tf.newaxis] * embeddings],
        axis=-1)
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


