"""The model on every Keras backend: TensorFlow, JAX and (if installed)
PyTorch.

Keras picks its backend when it is imported, so JAX and PyTorch run in
subprocesses (tests/backend_worker.py) with TensorFlow made unimportable
(tests/no_tensorflow.py), as on a machine without it; this process is the
TensorFlow side. With the same weights (a `.keras` file written here) the
outputs and one training step's gradients agree to 1e-5 in float32.
"""

import importlib.util
import json
import pathlib
import re
import subprocess
import sys

import backend_worker
import keras
import numpy as np
import pytest
from helpers import REPO
from helpers import env

from madlab_dream import model as model_lib
from madlab_dream.config import TINY_MODEL

pytestmark = [
    pytest.mark.slow,
    # The test extra installs JAX wherever it can: a missing JAX on 3.11+
    # fails these tests rather than skipping them.
    pytest.mark.skipif(sys.version_info < (3, 11),
                       reason="JAX 0.10 needs Python >= 3.11")]

TESTS = pathlib.Path(__file__).parent
WORKER = TESTS / "backend_worker.py"
TOLERANCE = 1e-5          # float32, absolute: the bar
BACKENDS = ["jax", pytest.param("torch", marks=pytest.mark.skipif(
    importlib.util.find_spec("torch") is None,
    reason="PyTorch is not installed (optional; not in the test extra)"))]


def run_python(backend, *args, timeout=300):
  e = env()
  e["KERAS_BACKEND"] = backend
  proc = subprocess.run([sys.executable, *map(str, args)], env=e, cwd=REPO,
                        capture_output=True, text=True, timeout=timeout)
  assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
  return proc


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
  """A tiny model saved here (TensorFlow), a batch, and its outputs here."""
  assert keras.backend.backend() == "tensorflow"
  d = tmp_path_factory.mktemp("backends")
  model = model_lib.build_model(TINY_MODEL, seq_len=32, seed=3)
  rng = np.random.default_rng(7)
  # The attention output projections start at zero; nonzero, every weight
  # of the attention gets a gradient.
  for v in model.weights:
    if "output_kernel" in v.path or "bias" in v.path:
      v.assign((rng.normal(size=v.shape) * 0.2).astype("float32"))
  codes = rng.integers(0, 5, (16, 32)).astype(np.uint8)
  y = rng.normal(size=16).astype(np.float32)
  model.save(d / "model.keras")
  np.savez(d / "batch.npz", codes=codes, y=y)
  predictions, loss, grads = backend_worker.outputs(model, codes, y)
  assert np.ptp(predictions) > 0.05  # the output depends on the input
  assert all(np.abs(g).max() > 0 for _, g in grads), [
      p for p, g in grads if not np.abs(g).max()]
  return {"dir": d, "predictions": predictions, "loss": loss,
          "grads": grads}


def max_differences(reference, result) -> dict:
  """Largest |difference| of predictions, loss and any gradient entry."""
  wanted = reference["grads"]
  assert len(result["paths"]) == len(wanted)
  grads = [result[f"grad:{i}"] for i in range(len(wanted))]
  per_weight = []
  for (path, want), got in zip(wanted, grads):
    assert got.shape == want.shape, path
    per_weight.append((float(np.abs(got - want).max()), path))
  return {
      "predictions": float(np.abs(result["predictions"]
                                  - reference["predictions"]).max()),
      "loss": abs(float(result["loss"]) - reference["loss"]),
      "gradients": max(per_weight)[0], "worst_weight": max(per_weight)[1],
      "largest_gradient": max(float(np.abs(g).max()) for _, g in wanted),
  }


@pytest.mark.parametrize("backend", BACKENDS)
def test_same_weights_same_outputs_and_gradients(reference, backend):
  d = reference["dir"]
  out = d / f"{backend}.npz"
  run_python(backend, WORKER, "outputs", d / "model.keras", d / "batch.npz",
             out)
  result = np.load(out)
  assert not result["tensorflow_imported"]
  diff = max_differences(reference, result)
  print(f"{backend} vs tensorflow, max |difference|: {diff}")
  assert diff["predictions"] <= TOLERANCE, diff
  assert diff["loss"] <= TOLERANCE, diff
  assert diff["gradients"] <= TOLERANCE, diff


@pytest.mark.parametrize("name", [
    pytest.param("tiny_v0.2.0", marks=pytest.mark.long),
    "tiny_v0.2_keras_ops_gather",
    pytest.param("tiny_v0.2_keras_ops_shift", marks=pytest.mark.long)])
def test_a_model_saved_by_0_2_0_on_tensorflow_predicts_the_same_on_jax(
    tmp_path, name):
  """The files of tests/data/README.md: TensorFlow-ops layers, and the
  keras.ops layers with either relative_logits."""
  path = TESTS / "data" / f"{name}.keras"
  saved = np.load(path.with_name(f"{name}_predictions.npz"))
  np.savez(tmp_path / "batch.npz", codes=saved["codes"],
           y=np.zeros(len(saved["codes"]), np.float32))
  run_python("jax", WORKER, "outputs", path, tmp_path / "batch.npz",
             tmp_path / "out.npz")
  got = np.load(tmp_path / "out.npz")["predictions"]
  np.testing.assert_allclose(got, saved["predictions"], rtol=0,
                             atol=TOLERANCE)


@pytest.mark.long
def test_jax_fit_on_numpy_arrays_with_xla(tmp_path):
  run_python("jax", WORKER, "fit", tmp_path / "fit.json")
  fit = json.loads((tmp_path / "fit.json").read_text())
  assert fit["backend"] == "jax" and fit["jit_compile"]
  assert not fit["tensorflow_imported"]
  losses = fit["losses"]
  assert np.isfinite(losses).all(), losses
  assert losses[-1] < 0.7 * losses[0], losses
  assert all(b < a for a, b in zip(losses[2:], losses[3:])), losses


IMPORT_WITHOUT_TENSORFLOW = """
import importlib.util, sys
import numpy as np
import madlab_dream.config, madlab_dream.layers, madlab_dream.model
from madlab_dream.config import TINY_MODEL
try:
  import tensorflow
  raise SystemExit("tensorflow was importable")
except ImportError:
  pass
assert importlib.util.find_spec("tensorflow") is None
model = madlab_dream.model.build_model(TINY_MODEL, seq_len=20)
out = model.predict(np.zeros((3, 20), np.uint8), verbose=0)
assert out.shape == (3, 1) and np.isfinite(out).all()
assert sys.modules.get("tensorflow") is None
print("ok", model.count_params())
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_model_imports_and_predicts_without_tensorflow(backend):
  proc = run_python(backend, TESTS / "no_tensorflow.py", "-c",
                    IMPORT_WITHOUT_TENSORFLOW)
  assert proc.stdout.startswith("ok ")


#: The layers whose numerics the model-level comparison above reaches only
#: in part (other basis functions, symmetric mode, shapes), on JAX against
#: the same NumPy references (eager JAX is slow: the rest is left out).
LAYER_TESTS = ["test_layers_positional.py", "test_layers_attention.py",
               "test_layers_encoding.py"]


@pytest.mark.long
def test_layer_tests_pass_on_jax_without_tensorflow():
  proc = run_python("jax", TESTS / "no_tensorflow.py", "-m", "pytest", "-q",
                    "-p", "no:cacheprovider", "-p", "no:warnings",
                    *(TESTS / t for t in LAYER_TESTS), timeout=600)
  summary = proc.stdout.strip().splitlines()[-1]
  assert re.match(r"\d+ passed(, \d+ skipped)? in ", summary), summary
