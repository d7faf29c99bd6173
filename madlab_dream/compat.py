"""Every TensorFlow / Keras workaround of the package, in one place.

Written for and tested with TensorFlow 2.21 and Keras 3.15 (setup.cfg
bounds the versions: `KERAS_SUPPORTED`), and Keras on JAX 0.10 (the test
extra). Importing this module needs neither TensorFlow nor Keras; the
TensorFlow ones import it only when called, so the model path
(`config`, `layers`, `model`) runs on JAX or PyTorch where TensorFlow is
not installed. Each workaround names the problem it works around, so it
can be removed when the framework fixes it:

  * `tensorflow()`: a quiet import. TensorFlow writes start-up lines to
    stderr (oneDNN notice, CUDA stubs, cuInit failures) before absl logging
    is set up; our commands promise one line per error on stderr.
  * `build_for_strategy`, `patch_keras_log_reduction`: Keras 3 under a
    tf.distribute strategy (reaches into Keras internals; see each).
  * `jit_blockers`, `assert_jit_compatible`: Keras silently compiles without
    XLA when a layer has `supports_jit=False` (a cuDNN-eligible LSTM) or op
    determinism is on.
  * `scan_carry`: `keras.ops.scan` on TensorFlow builds a loop whose
    gradient XLA cannot compile (no `maximum_iterations`); `layers.BiLSTM`
    loops through this instead.

Workarounds that must sit in a layer's code are marked there with
a `compat-workaround:` comment (grep for it), each naming the versions:

  * layers/attention.py: TensorFlow 2.21's oneDNN CPU kernel for a batch
    matmul with a broadcast batch axis returns wrong values (and corrupts
    memory in eager mode); no product of the attention has one.
  * layers/conv.py: Keras accepts `BatchNormalization(synchronized=True)`
    on TensorFlow only; MultiScaleConv asks for it there alone.
  * layers/recurrent.py: `NoCudnnLSTM`, an LSTM that keeps
    `use_cudnn=False` through Bidirectional and `load_model` (a
    cuDNN-eligible LSTM turns XLA off).
  * layers/encoding.py: PyTorch's one_hot rejects codes >= depth; OneHot
    maps them to -1 (zeros on every backend).
  * layers/positional.py: keras.ops has no lgamma; the gamma basis carries
    its own (Stirling's series).

`require_supported_keras()` refuses an untested Keras with one clear line
instead of failing deep inside these private APIs; set
MADLAB_ALLOW_UNTESTED_KERAS=1 to try anyway.
"""

from __future__ import annotations

import contextlib
import os
import sys
from importlib import metadata

import numpy as np

from madlab_dream.errors import InputError

#: Keras versions these workarounds were written for: (lowest, below).
KERAS_SUPPORTED = ((3, 13), (3, 16))
#: TensorFlow versions tested with them.
TENSORFLOW_SUPPORTED = ((2, 16), (2, 22))


def _version_tuple(text: str) -> tuple[int, int]:
  parts = []
  for piece in text.split(".")[:2]:
    digits = "".join(c for c in piece if c.isdigit())
    parts.append(int(digits or 0))
  return tuple(parts + [0] * (2 - len(parts)))  # type: ignore[return-value]


def _check_version(package: str, supported) -> None:
  try:
    found = metadata.version(package)
  except metadata.PackageNotFoundError:
    return
  low, high = supported
  if not low <= _version_tuple(found) < high:
    if os.environ.get("MADLAB_ALLOW_UNTESTED_KERAS") == "1":
      return
    raise InputError(
        f"{package} {found} is not supported: madlab_dream was written for "
        f"{package} >= {low[0]}.{low[1]}, < {high[0]}.{high[1]} (its "
        f"workarounds reach into {package} internals); install "
        f"'{package}>={low[0]}.{low[1]},<{high[0]}.{high[1]}' or set "
        "MADLAB_ALLOW_UNTESTED_KERAS=1 to try anyway")


def require_supported_keras() -> None:
  """Raises InputError for a Keras (or TensorFlow) outside the tested range."""
  _check_version("keras", KERAS_SUPPORTED)
  if "tensorflow" in sys.modules or _backend() == "tensorflow":
    _check_version("tensorflow", TENSORFLOW_SUPPORTED)


def _backend() -> str:
  return os.environ.get("KERAS_BACKEND", "tensorflow")


def keras_backend() -> str:
  """The backend Keras runs (or will run: KERAS_BACKEND, default
  TensorFlow), without importing Keras."""
  if "keras" in sys.modules:
    return sys.modules["keras"].backend.backend()
  return _backend()


# --- Quiet start-up ---------------------------------------------------------------

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


def keras():
  """Returns `keras`, imported quietly (with its backend) and version-checked.

  File descriptor 2 points at /dev/null only during the import
  (MADLAB_TF_LOGS=1 shows those lines). Does not start the TensorFlow
  runtime, so a distribution strategy can still be created afterwards.
  """
  if "keras" in sys.modules:
    return sys.modules["keras"]
  os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
  require_supported_keras()
  with _silenced_fd2():  # the quiet import this function exists for
    # Keras imported when used: importing it starts a framework.
    import keras as keras_module
  return keras_module


def tensorflow(before_init=None):
  """Returns the `tensorflow` module, imported and initialised quietly.

  File descriptor 2 points at /dev/null only during the import and the
  device initialisation (MADLAB_TF_LOGS=1 shows those lines).
  `before_init(tf)`, if given, runs after the import and before the runtime
  starts (a MultiWorkerMirroredStrategy must configure collective ops before
  anything initialises the runtime); its result is returned beside the
  module: `(tf, result)`.
  """
  keras()
  result = None
  with _silenced_fd2():  # the quiet import this function exists for
    # TensorFlow imported when used: importing it starts its runtime (seconds).
    import tensorflow as tf
    if before_init is not None:
      result = before_init(tf)
    tf.config.list_physical_devices()
    tf.constant(0)  # initialises the runtime and its devices
  return tf if before_init is None else (tf, result)


# --- tf.distribute -----------------------------------------------------------------
#
# Keras 3 (3.13-3.15) under a multi-replica strategy, both covered by the
# two-process test in tests/test_train_distribute.py:
#  * fit() builds its loss/metric state by pulling one real batch from the
#    training iterator (never trained on, so the data stream shifts) and
#    averaging it across replicas (fails for uint8 codes).
#  * Under MultiWorkerMirroredStrategy, fit() reduces the scalar step logs
#    with strategy.reduce("MEAN", v, axis=0), which fails for scalars.

def build_for_strategy(model, strategy, seq_len: int) -> None:
  """Builds loss/metric/optimizer state from shapes before `fit`."""
  sample = (np.zeros((2, seq_len), np.uint8), np.zeros((2, 1), np.float32))
  with strategy.scope():
    model._symbolic_build(data_batch=sample)  # pylint: disable=protected-access
  model._maybe_symbolic_build = lambda iterator=None, data_batch=None: None


def patch_keras_log_reduction() -> None:
  """Makes Keras reduce scalar per-replica logs across workers correctly."""
  # TensorFlow-only (this module imports no framework; see its docstring).
  import tensorflow as tf
  from keras.src.backend.tensorflow import trainer
  if getattr(trainer.reduce_per_replica, "_madlab_patched", False):
    return
  original = trainer.reduce_per_replica

  def reduce_per_replica(values, strategy, reduction):
    if (reduction in ("auto", "mean") and
        trainer._collective_all_reduce_multi_worker(strategy)):
      def reduce(v):
        rank0 = all(t.shape.rank == 0
                    for t in strategy.experimental_local_results(v))
        return strategy.reduce("MEAN", v, axis=None if rank0 else 0)
      return tf.nest.map_structure(reduce, values)
    return original(values, strategy, reduction)

  reduce_per_replica._madlab_patched = True
  trainer.reduce_per_replica = reduce_per_replica


# --- XLA ------------------------------------------------------------------------------

def scan_carry(step, init, xs):
  """The final carry of `step(carry, x)` over xs[0], xs[1], ... (a loop).

  `keras.ops.scan` on every backend but TensorFlow. On TensorFlow, Keras
  3.15's `ops.scan` builds a `tf.while_loop` without `maximum_iterations`,
  and XLA cannot compile the gradient of such a loop ("XLA compilation
  requires a fixed tensor list size"): `jit_compile=True` training would
  fail. Here the same loop gets `maximum_iterations` (xs read through a
  TensorArray, as Keras's own RNN loop does), so XLA compiles it.

  Args:
    step: (carry, x) -> new carry (same structure, shapes and dtypes).
    init: the initial carry (a tensor or a tuple of tensors).
    xs: [T, ...] the per-step inputs.

  Returns:
    The carry after T steps.
  """
  # Keras on any backend; TensorFlow only on its own (this module imports
  # no framework; see its docstring).
  from keras import backend
  from keras import ops
  if backend.backend() != "tensorflow":
    return ops.scan(lambda carry, x: (step(carry, x), None), init, xs)[0]
  # TensorFlow imported when used: importing it starts its runtime (seconds).
  import tensorflow as tf
  xs = tf.convert_to_tensor(xs)
  steps = xs.shape[0] if xs.shape[0] is not None else tf.shape(xs)[0]
  inputs = tf.TensorArray(xs.dtype, size=steps,
                          element_shape=xs.shape[1:]).unstack(xs)

  def body(t, carry):
    return t + 1, step(carry, inputs.read(t))

  _, carry = tf.while_loop(lambda t, carry: t < steps, body,
                           (tf.constant(0), init),
                           maximum_iterations=steps)
  return carry

def jit_blockers(model) -> list[str]:
  """Names of the (nested) layers whose `supports_jit` is False."""
  return [f"{layer.name} ({type(layer).__name__})"
          for layer in model._flatten_layers(include_self=False,
                                             recursive=True)
          if not getattr(layer, "supports_jit", True)]


def op_determinism_enabled() -> bool:
  """Whether tf.config.experimental.enable_op_determinism() is on."""
  if "tensorflow" not in sys.modules:
    return False
  # No public getter exists; Keras reads the same private function (here
  # only when TensorFlow is already imported).
  from tensorflow.python.framework import config  # pylint: disable=g-direct-tensorflow-import
  return bool(config.is_op_determinism_enabled())


def assert_jit_compatible(model) -> None:
  """Raises ValueError if `compile(jit_compile=True)` would drop XLA."""
  problems = []
  blockers = jit_blockers(model)
  if blockers:
    problems.append("layers with supports_jit=False: " + ", ".join(blockers))
  if op_determinism_enabled():
    problems.append("tf.config.experimental.enable_op_determinism() is on")
  if problems:
    raise ValueError("XLA (jit_compile=True) would be switched off: "
                     + "; ".join(problems))
