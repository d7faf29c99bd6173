"""Import and initialise TensorFlow without its start-up noise on stderr.

TensorFlow 2.21 writes several lines to stderr while it loads and looks for
devices (oneDNN notice, CUDA stubs, cuInit failures on machines without a
GPU driver), before absl logging is initialised, so TF_CPP_MIN_LOG_LEVEL
cannot silence them. Our commands promise one line per error on stderr, so
file descriptor 2 is pointed at /dev/null only during the import and device
initialisation. Set MADLAB_TF_LOGS=1 to see those lines.
"""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def _silenced_fd2():
  if os.environ.get("MADLAB_TF_LOGS") == "1":
    yield
    return
  sys.stderr.flush()
  saved = os.dup(2)
  devnull = os.open(os.devnull, os.O_WRONLY)
  try:
    os.dup2(devnull, 2)
    yield
  finally:
    sys.stderr.flush()
    os.dup2(saved, 2)
    os.close(saved)
    os.close(devnull)


def tensorflow():
  """Returns the `tensorflow` module, imported and initialised quietly."""
  if "tensorflow" in sys.modules and getattr(tensorflow, "_done", False):
    return sys.modules["tensorflow"]
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  with _silenced_fd2():
    import tensorflow as tf
    import keras  # noqa: F401
    tf.config.list_physical_devices()
    tf.constant(0)  # initialises the runtime and its devices
  tensorflow._done = True
  return tf
