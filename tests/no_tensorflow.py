"""Python as on a machine where TensorFlow is not installed.

  python tests/no_tensorflow.py -m MODULE [ARGS...]   # like python -m
  python tests/no_tensorflow.py -c CODE [ARGS...]     # like python -c

`block()` makes the import system answer for `tensorflow` as it does where
the package is missing: `import tensorflow` (and of any `tensorflow.*`
module) raises ModuleNotFoundError and `importlib.util.find_spec` returns
None (PyTorch and Keras probe that way), so Keras treats TensorFlow as
unavailable.
Set KERAS_BACKEND=jax (or torch) in the environment: Keras's default
backend is TensorFlow.
"""

import importlib.abc
import runpy
import sys

BLOCKED = "tensorflow"


class _Missing(importlib.abc.MetaPathFinder):
  """Finds no submodule of the blocked packages (each is None in
  sys.modules)."""

  def __init__(self, names):
    self.names = tuple(names)

  def find_spec(self, name, path=None, target=None):
    del path, target
    if name.startswith(tuple(n + "." for n in self.names)):
      raise ModuleNotFoundError(f"No module named '{name}' (blocked by "
                                "tests/no_tensorflow.py)", name=name)
    return None


def block(names=(BLOCKED,)) -> None:
  """Makes `import NAME` fail from now on for each of `names` (before
  Keras is imported)."""
  for blocked in names:
    if any((name == blocked and module is not None)
           or name.startswith(blocked + ".")
           for name, module in sys.modules.items()):
      raise RuntimeError(f"{blocked} is already imported")
    # None in sys.modules: import raises ModuleNotFoundError, find_spec None.
    sys.modules[blocked] = None
  sys.meta_path.insert(0, _Missing(names))


def main(argv) -> None:
  if len(argv) < 2 or argv[0] not in ("-m", "-c"):
    sys.exit(__doc__)
  block()
  mode, target, rest = argv[0], argv[1], argv[2:]
  if mode == "-m":
    sys.argv = [target, *rest]
    runpy.run_module(target, run_name="__main__", alter_sys=True)
  else:
    sys.argv = ["-c", *rest]
    code = compile(target, "<string>", "exec")
    exec(code, {"__name__": "__main__"})  # pylint: disable=exec-used


if __name__ == "__main__":
  main(sys.argv[1:])
