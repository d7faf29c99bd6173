"""layers/positional.py: Enformer's basis functions against NumPy references.

Backend-neutral: tests/test_backends.py also runs this file on JAX.
"""

import numpy as np
import pytest
import scipy.special
from keras import ops
from layer_references import MADLAB_FUNCTIONS
from layer_references import NP_FUNCTIONS
from layer_references import distances
from layer_references import np_features
from layer_references import np_gamma
from layer_references import tolerance

from madlab_dream import layers
from madlab_dream.layers import positional


def features(*args, **kwargs):
  return ops.convert_to_numpy(layers.positional_features(*args, **kwargs))


@pytest.mark.parametrize("name", sorted(NP_FUNCTIONS))
@pytest.mark.parametrize("symmetric", [False, True])
def test_each_basis_matches_numpy(name, symmetric):
  for length in (1, 2, 7, 50, 110):
    for k in (1, 2, 3, 16):
      if name == "positional_features_sin_cos" and k % 2:
        continue
      num = k * (1 if symmetric else 2)
      d = distances(length)
      got = features(d, num, length, [name], symmetric)
      want = np_features(d, num, length, [name], symmetric)
      assert got.shape == (1, 2 * length - 1, num)
      assert got.dtype == np.float32
      np.testing.assert_allclose(got, want, rtol=0,
                                 atol=tolerance(name, length),
                                 err_msg=f"{name} L={length} k={k}")


@pytest.mark.parametrize("length,num,symmetric", [
    (110, 96, False),  # MadLab's attention
    (110, 48, True),
    (37, 6, False),
    (5, 30, False),
])
def test_madlab_function_list_matches_numpy(length, num, symmetric):
  d = distances(length)
  got = features(d, num, length, MADLAB_FUNCTIONS, symmetric)
  want = np_features(d, num, length, MADLAB_FUNCTIONS, symmetric)
  np.testing.assert_allclose(got, want, rtol=0, atol=3e-3)
  # Outside the gamma block everything agrees to float32 rounding.
  k = num // (len(MADLAB_FUNCTIONS) * (1 if symmetric else 2))
  not_gamma = np.ones(num, bool)
  for block in range(num // (3 * k)):
    not_gamma[block * 3 * k + 2 * k:block * 3 * k + 3 * k] = False
  np.testing.assert_allclose(got[..., not_gamma], want[..., not_gamma],
                             rtol=0, atol=1e-5)
  # Each gamma feature peaks at 1 along the distance axis.
  gamma = got[..., ~not_gamma]
  np.testing.assert_allclose(gamma.max(axis=1), 1.0, atol=1e-6)


def test_default_functions_and_inferred_length():
  d = distances(12)
  np.testing.assert_allclose(
      features(d, 12),  # L = max|d| + 1 = 12
      np_features(d, 12, 12, MADLAB_FUNCTIONS, False), atol=1e-4)


def test_one_dimensional_input_keeps_the_axis_1_quirk():
  # The original normalises gamma over axis 1, which for 1-D distances is
  # the feature axis.
  d = np.arange(-9.0, 10.0)
  got = features(d, 4, 10, ["positional_features_gamma"], symmetric=True)
  np.testing.assert_allclose(got, np_gamma(np.abs(d), 4, 10), atol=1e-4)
  np.testing.assert_allclose(got.max(axis=1), 1.0, atol=1e-6)
  batched = features(d[None], 4, 10, ["positional_features_gamma"],
                     symmetric=True)[0]
  assert not np.allclose(got, batched, atol=1e-3)


@pytest.mark.parametrize("length,num,names,symmetric", [
    (110, 96, MADLAB_FUNCTIONS, False),  # MadLab's attention
    (37, 6, MADLAB_FUNCTIONS, False),
    (50, 12, sorted(NP_FUNCTIONS), True),
    (7, 24, ["positional_features_cosine", "positional_features_sin_cos"],
     False),
])
def test_attention_features_are_exact_constants(length, num, names,
                                                symmetric):
  # Computed in float64 then rounded: the exact values to float32 rounding
  # (gamma included), the same on every backend.
  got = layers.relative_position_features(length, num, names, symmetric)
  assert isinstance(got, np.ndarray) and got.dtype == np.float32
  assert got.shape == (1, 2 * length - 1, num)
  want = np_features(distances(length), num, length, names, symmetric)
  np.testing.assert_allclose(got, want, rtol=0, atol=2e-7)
  # Within float32's own error of the keras.ops evaluation.
  in_graph = features(distances(length), num, length, names, symmetric)
  np.testing.assert_allclose(got, in_graph, rtol=0, atol=3e-3)
  # One constant per setting.
  assert layers.relative_position_features(length, num, names,
                                           symmetric) is got
  assert not got.flags.writeable


def test_attention_features_of_a_tensor_length_are_computed_in_graph():
  length = ops.convert_to_tensor(np.int32(9))
  got = layers.relative_position_features(length, 12)
  assert not isinstance(got, np.ndarray)
  np.testing.assert_allclose(ops.convert_to_numpy(got),
                             layers.relative_position_features(9, 12),
                             rtol=0, atol=1e-5)


def test_lgamma_matches_scipy():
  # keras.ops has no lgamma: the gamma basis carries its own.
  x = np.concatenate([np.linspace(0.05, 4.0, 80),
                      4.0 * np.arange(1, 257) ** 2]).astype(np.float32)
  got = ops.convert_to_numpy(positional._lgamma(ops.convert_to_tensor(x)))
  want = scipy.special.gammaln(x.astype(np.float64))
  np.testing.assert_allclose(got, want, rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize("num,names,symmetric", [
    (9, MADLAB_FUNCTIONS, False),   # not divisible by 2n = 6
    (3, MADLAB_FUNCTIONS, False),
    (4, MADLAB_FUNCTIONS, True),    # not divisible by n = 3
    (3, ["positional_features_sin_cos"], True),   # odd per-function count
    (2, ["positional_features_sin_cos"], False),
    (6, ["positional_features_nope"], True),      # unknown function
])
def test_rejected_feature_counts_raise_value_error(num, names, symmetric):
  with pytest.raises(ValueError):
    layers.positional_features(distances(5), num, 5, names, symmetric)
