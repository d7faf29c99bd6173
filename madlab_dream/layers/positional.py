"""Enformer's relative-position basis (`positional_features_all` in DeepMind's
`enformer/attention_module.py`), written with `keras.ops` so it runs in the
graph of every Keras backend and under XLA.

  positional_features          float32 [*S, F] of any distances (keras.ops,
                               float32, as the original)
  relative_position_features   the attention's [1, 2L-1, F], computed once
                               in float64 when L is known: identical on
                               every backend
  POSITIONAL_FUNCTIONS         name -> basis function

The feature-count rule (F divisible by 2 x #functions in the asymmetric
mode MadLab used) is `arguments.features_per_function`.
"""

from __future__ import annotations

import functools
import math
from typing import Callable
from typing import Sequence

import numpy as np
from keras import ops

from madlab_dream.layers.arguments import DEFAULT_RELATIVE_POSITION_FUNCTIONS
from madlab_dream.layers.arguments import RELATIVE_POSITION_FUNCTIONS
from madlab_dream.layers.arguments import features_per_function

# Each takes `positions` (any shape S; `positional_features` passes
# |distance|), the number of features k and the characteristic length L, and
# returns [*S, k], computed with `xp`: `keras.ops` (float32 tensors, in the
# graph of any backend; the operations follow the original's order, so
# results agree with it to float32 rounding) or `HostOps` (NumPy float64).


def _length_or_default(positions, seq_length, xp):
  """L, or max |position| + 1 (a scalar) when L is None."""
  if seq_length is None:
    return xp.max(xp.abs(positions)) + 1.0
  return seq_length


class HostOps:
  """The `keras.ops` the basis functions use, on NumPy arrays in float64.

  Every dtype argument is ignored: all floats are float64 here.
  """
  abs = staticmethod(np.abs)
  exp = staticmethod(np.exp)
  log = staticmethod(np.log)
  power = staticmethod(np.power)
  cos = staticmethod(np.cos)
  sin = staticmethod(np.sin)
  sign = staticmethod(np.sign)
  where = staticmethod(np.where)
  equal = staticmethod(np.equal)
  greater = staticmethod(np.greater)
  expand_dims = staticmethod(np.expand_dims)
  concatenate = staticmethod(np.concatenate)
  max = staticmethod(np.max)

  @staticmethod
  def cast(x, dtype=None):
    del dtype
    return np.asarray(x, np.float64)

  @staticmethod
  def linspace(start, stop, num, dtype=None):
    del dtype
    return np.linspace(start, stop, num, dtype=np.float64)

  @staticmethod
  def arange(start, stop=None, step=1, dtype=None):
    del dtype
    return np.arange(start, stop, step, dtype=np.float64)


def _is_number(value) -> bool:
  return isinstance(value, (int, float, np.integer, np.floating))


def _column(positions, xp):
  """[*S] -> [*S, 1], to broadcast against the k features."""
  return xp.expand_dims(positions, -1)


def positional_features_exponential(positions, feature_size: int,
                                    seq_length=None,
                                    min_half_life: float = 3.0, *, xp=ops):
  """exp(-ln2 |d| / h), half-lives h = 2 ** linspace(3, log2(L), k).

  As in the original, `min_half_life` is the exponent of the first half-life
  (so half-lives run from 8 to L), not the half-life itself.
  """
  length = xp.cast(_length_or_default(positions, seq_length, xp), "float32")
  max_range = xp.log(length) / xp.log(2.0)
  half_life = xp.power(2.0, xp.linspace(min_half_life, max_range,
                                          feature_size, dtype="float32"))
  return xp.exp(-xp.log(2.0) / half_life * _column(xp.abs(positions), xp))


def positional_features_central_mask(positions, feature_size: int,
                                     seq_length=None, *, xp=ops):
  """1 where |d| < 2^i - 1 (i = 1..k), else 0."""
  del seq_length  # Unused, as in the original.
  widths = xp.power(2.0, xp.arange(1, feature_size + 1,
                                     dtype="float32")) - 1.0
  return xp.cast(xp.greater(widths, _column(xp.abs(positions), xp)), "float32")


def _xlogy(x, y, xp):
  """x log(y), and 0 where x == 0 (tf.math.xlogy)."""
  zero = xp.equal(x, 0.0)
  return xp.where(zero, 0.0, x * xp.log(xp.where(zero, 1.0, y)))


_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


# compat-workaround: keras.ops (Keras 3.13-3.15) has no lgamma, which the
# gamma basis needs (Enformer uses tf.math.lgamma); this is Stirling's series.
def _lgamma(x, xp=ops):
  """log Gamma(x) for x > 0, with `xp`.

  Stirling's series at z = x + 4, then log Gamma(x) = log Gamma(z) -
  log(x (x+1) (x+2) (x+3)). The series' truncation error is below 4e-9 for
  z >= 4; the gamma basis uses x = 4 (i+1)^2 >= 4.
  """
  z = x + 4.0
  inv = 1.0 / z
  inv2 = inv * inv
  series = inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 * (1.0 / 1260
                                                          - inv2 / 1680)))
  shift = xp.log(x) + xp.log(x + 1.0) + xp.log(x + 2.0) + xp.log(x + 3.0)
  return (z - 0.5) * xp.log(z) - z + _HALF_LOG_2PI + series - shift


def _gamma_pdf(x, concentration, rate, xp):
  log_unnormalized = _xlogy(concentration - 1.0, x, xp) - rate * x
  log_normalization = (_lgamma(concentration, xp)
                       - concentration * xp.log(rate))
  return xp.exp(log_unnormalized - log_normalization)


def positional_features_gamma(positions, feature_size: int, seq_length=None,
                              *, xp=ops):
  """Gamma densities at |d|, means linspace(L/k, L, k), sd L/(2k).

  Each density gets 1e-8 added and is divided by its maximum over axis 1
  (the original's quirk: for the attention's [1, 2L-1] distances that is the
  distance axis, so each feature peaks at 1; for a 1-D input it is the
  feature axis).
  """
  seq_length = _length_or_default(positions, seq_length, xp)
  k = feature_size
  if _is_number(seq_length):
    # A Python length: the constants are formed in double precision and
    # cast once, as the original does (rounded to float32 on keras.ops).
    length = float(seq_length)
    stddev = length / (2 * k) if k else math.inf
    stddev_t = xp.cast(stddev, "float32")
    variance_t = xp.cast(stddev ** 2, "float32")
    mean = xp.linspace(xp.cast(length / k if k else length, "float32"),
                       xp.cast(length, "float32"), k, dtype="float32")
  else:
    length = xp.cast(seq_length, "float32")
    stddev_t = length / (2 * k)
    variance_t = stddev_t ** 2
    mean = xp.linspace(length / k, length, k, dtype="float32")
  concentration = (mean / stddev_t) ** 2
  rate = mean / variance_t
  probabilities = _gamma_pdf(_column(xp.abs(positions), xp), concentration,
                             rate, xp)
  probabilities += 1e-8
  return probabilities / xp.max(probabilities, axis=1, keepdims=True)


def positional_features_cosine(positions, feature_size: int,
                               seq_length=None, *, xp=ops):
  """cos(2 pi d / (1.25 * 2^i)), i = 0..k-1."""
  del seq_length  # Unused, as in the original.
  periodicity = 1.25 * xp.power(2.0, xp.arange(0, feature_size,
                                                 dtype="float32"))
  return xp.cos(2 * np.pi * _column(positions, xp) / periodicity)


def positional_features_linear_masks(positions, feature_size: int,
                                     seq_length=None, *, xp=ops):
  """1 where |d| == i (i = 0..k-1), else 0."""
  del seq_length  # Unused, as in the original.
  distances = xp.arange(0, feature_size, dtype="float32")
  return xp.cast(xp.equal(distances, xp.abs(_column(positions, xp))),
                  "float32")


def positional_features_sin_cos(positions, feature_size: int,
                                seq_length=None, max_time: float = 10000.0,
                                *, xp=ops):
  """[sin(d / T^(i/k)), cos(d / T^(i/k))] for even i < k; k must be even."""
  del seq_length  # Unused, as in the original.
  if feature_size % 2 != 0:
    raise ValueError("feature_size needs to be divisible by 2.")
  i = xp.arange(0, feature_size, 2, dtype="float32")
  scale = xp.power(xp.cast(max_time, "float32"), i / feature_size)
  angle = _column(positions, xp) / scale
  return xp.concatenate([xp.sin(angle), xp.cos(angle)], axis=-1)


POSITIONAL_FUNCTIONS: dict[str, Callable] = dict(zip(
    RELATIVE_POSITION_FUNCTIONS,
    (positional_features_exponential, positional_features_central_mask,
     positional_features_gamma, positional_features_cosine,
     positional_features_linear_masks, positional_features_sin_cos)))


def _features(distances, feature_size, seq_length, functions, symmetric, xp):
  """`positional_features` with `xp` (see the basis functions)."""
  functions = list(DEFAULT_RELATIVE_POSITION_FUNCTIONS if functions is None
                   else functions)
  per_function = features_per_function(feature_size, functions, symmetric)
  distances = xp.cast(distances, "float32")
  magnitude = xp.abs(distances)
  embeddings = xp.concatenate(
      [POSITIONAL_FUNCTIONS[name](magnitude, per_function, seq_length, xp=xp)
       for name in functions], axis=-1)                      # [*S, F or F/2]
  if not symmetric:
    embeddings = xp.concatenate(
        [embeddings, _column(xp.sign(distances), xp) * embeddings], axis=-1)
  return embeddings


def positional_features(distances, feature_size: int, seq_length=None,
                        functions: Sequence[str] | None = None,
                        symmetric: bool = False):
  """Enformer's relative-position features (`positional_features_all`).

  Evaluated with `keras.ops` in float32, as the original (in TensorFlow).

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
  return _features(distances, feature_size, seq_length, functions, symmetric,
                   ops)


def relative_position_features(length, feature_size: int,
                               functions: Sequence[str] | None = None,
                               symmetric: bool = False):
  """The attention's features of the distances range(-(L-1), L).

  A Python `length` (always, but in a TensorFlow graph of unknown length):
  the features are a constant of the model, computed once in float64 NumPy
  (`HostOps`) and rounded to float32, so they are the same on every backend.
  In float32, backends' exp and log differ by an ulp, and the gamma basis's
  concentrations of up to (2k)^2 turn that into ~5e-4 (k = 16, MadLab's
  attention); Enformer's float32 TensorFlow evaluation is as far from the
  exact values.
  A tensor `length`: `positional_features` in the graph.

  Returns:
    float32 [1, 2L-1, F]: a NumPy array, or a tensor for a tensor length.
  """
  if _is_number(length):
    return _host_features(int(length), int(feature_size),
                          tuple(DEFAULT_RELATIVE_POSITION_FUNCTIONS
                                if functions is None else functions),
                          bool(symmetric))
  distances = ops.expand_dims(ops.arange(1 - length, length,
                                         dtype="float32"), 0)
  return positional_features(distances, feature_size, length, functions,
                             symmetric)


@functools.lru_cache(maxsize=64)
def _host_features(length: int, feature_size: int, functions: tuple,
                   symmetric: bool) -> np.ndarray:
  distances = np.arange(1 - length, length, dtype=np.float64)[None]
  with np.errstate(divide="ignore"):  # the gamma's log(0) at distance 0
    out = _features(distances, feature_size, length, functions, symmetric,
                    HostOps).astype(np.float32)
  out.flags.writeable = False
  return out
