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


def tensorflow(before_init=None):
  """Returns the `tensorflow` module, imported and initialised quietly.

  `before_init(tf)`, if given, runs after the import and before the runtime
  starts (for example to create a MultiWorkerMirroredStrategy, which must
  configure collective ops before anything initialises the runtime); its
  result is returned beside the module: `(tf, result)`.
  """
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  result = None
  with _silenced_fd2():
    import tensorflow as tf
    import keras  # noqa: F401
    if before_init is not None:
      result = before_init(tf)
    tf.config.list_physical_devices()
    tf.constant(0)  # initialises the runtime and its devices
  return tf if before_init is None else (tf, result)
