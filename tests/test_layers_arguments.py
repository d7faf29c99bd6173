"""layers/arguments.py: the framework-free rules match Keras and the
layers; the checks refuse what a silent conversion would accept."""

import numpy as np
import pytest

from madlab_dream.layers import arguments
from madlab_dream.layers import positional


def test_function_names_are_the_basis_functions():
  assert tuple(positional.POSITIONAL_FUNCTIONS) == (
      arguments.RELATIVE_POSITION_FUNCTIONS)
  for name, function in positional.POSITIONAL_FUNCTIONS.items():
    assert function.__name__ == name
  assert arguments.DEFAULT_RELATIVE_POSITION_FUNCTIONS == (
      "positional_features_exponential", "positional_features_central_mask",
      "positional_features_gamma")


@pytest.mark.parametrize("check,good,want", [
    (arguments.positive_int, np.int64(3), 3),
    (arguments.optional_positive_int, None, None),
    (arguments.non_negative_float, 0, 0.0),
    (arguments.rate, 0.5, 0.5),
    (arguments.boolean, np.bool_(True), True),
    (arguments.positive_ints, (3, 5), [3, 5]),
    (arguments.function_names, ("positional_features_gamma",),
     ["positional_features_gamma"]),
])
def test_checks_pass_and_normalise_good_values(check, good, want):
  got = check("x", good)
  assert got == want and type(got) is type(want)


@pytest.mark.parametrize("check,bad", [
    (arguments.positive_int, 0), (arguments.positive_int, 2.5),
    (arguments.positive_int, "2"), (arguments.positive_int, True),
    (arguments.positive_int, None),
    (arguments.non_negative_float, -1e-3),
    (arguments.non_negative_float, float("inf")),
    (arguments.non_negative_float, "0.1"),
    (arguments.rate, 1.0), (arguments.rate, False),
    (arguments.boolean, 0), (arguments.boolean, "True"),
    (arguments.positive_ints, []), (arguments.positive_ints, "3,5"),
    (arguments.positive_ints, [3, 0]),
    (arguments.function_names, "positional_features_gamma"),
    (arguments.function_names, ["positional_features_nope"]),
])
def test_checks_refuse_with_keras_messages(check, bad):
  with pytest.raises(ValueError, match="Received: x="):
    check("x", bad)


def test_feature_count_rules():
  names = arguments.DEFAULT_RELATIVE_POSITION_FUNCTIONS
  assert arguments.relative_position_feature_count(96, None, names,
                                                   False) == 96
  assert arguments.relative_position_feature_count(20, None, names,
                                                   False) == 18
  assert arguments.features_per_function(12, names, symmetric=False) == 2
  with pytest.raises(ValueError, match="divisible by 6"):
    arguments.relative_position_feature_count(96, 7, names, False)
  with pytest.raises(ValueError, match="is 0"):
    arguments.relative_position_feature_count(4, None, names, False)
  with pytest.raises(ValueError, match="divisible by 2"):
    arguments.features_per_function(3, ["positional_features_sin_cos"], True)
