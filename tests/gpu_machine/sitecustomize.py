"""Every Python process started with this directory on PYTHONPATH runs as
on the GPU machines the GPU check is written for: no TensorFlow and no
Matplotlib (Python with JAX's build, NumPy, SciPy, pandas, absl-py, h5py,
ml-dtypes and rich). Children inherit PYTHONPATH, so the commands the check
starts are blocked too."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
import no_tensorflow  # noqa: E402  (tests/, put on sys.path just above)

no_tensorflow.block(("tensorflow", "matplotlib"))
