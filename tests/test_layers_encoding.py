"""layers/encoding.py: OneHot.

Backend-neutral: tests/test_backends.py also runs this file on JAX.
"""

import numpy as np
from keras import ops

from madlab_dream import layers


def test_one_hot_of_n_and_above_is_zeros():
  codes = np.array([[0, 1, 2, 3, 4, 4, 0, 7]], np.uint8)
  got = ops.convert_to_numpy(layers.OneHot()(codes))
  want = np.zeros((1, 8, 4), np.float32)
  for pos, code in enumerate(codes[0]):
    if code < 4:
      want[0, pos, code] = 1.0
  np.testing.assert_array_equal(got, want)
  assert got.dtype == np.float32
