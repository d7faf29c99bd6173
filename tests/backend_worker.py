"""The model on one Keras backend, for tests/test_backends.py.

  KERAS_BACKEND=jax python tests/backend_worker.py outputs MODEL BATCH OUT
  KERAS_BACKEND=jax python tests/backend_worker.py fit OUT

Keras picks its backend when it is imported, so each backend runs in a
process of its own. On any backend but TensorFlow, TensorFlow is made
unimportable first (tests/no_tensorflow.py), as on a machine without it.

  outputs  loads the `.keras` file MODEL and the arrays of BATCH (.npz:
           `codes` uint8 [n, L], `y` float32 [n]) and writes OUT (.npz):
           `predictions` (inference), `loss` and `grad:<i>` for the i-th
           trainable weight (Keras's order; `paths` names them): the
           gradient of the training-mode MSE.
  fit      fits a tiny model on NumPy arrays with jit_compile=True and
           writes OUT (.json): the loss of every epoch and whether XLA
           stayed on.

Both also record whether TensorFlow was imported.
"""

import json
import os
import sys

BACKEND = os.environ.get("KERAS_BACKEND", "tensorflow")


def mse(predictions, y):
  from keras import ops
  y = ops.convert_to_tensor(y, "float32")
  return ops.mean(ops.square(ops.cast(predictions[:, 0], "float32") - y))


def outputs(model, codes, y):
  """(predictions, loss, [(path, gradient)]) as NumPy, on this backend.

  Predictions are inference mode; the loss is the MSE in training mode
  (batch statistics), and the gradients are taken w.r.t. every trainable
  weight.
  """
  import keras
  from keras import ops
  backend = keras.backend.backend()
  predictions = ops.convert_to_numpy(model(codes, training=False))
  variables = model.trainable_variables
  if backend == "tensorflow":
    import tensorflow as tf
    with tf.GradientTape() as tape:
      loss = mse(model(codes, training=True), y)
    grads = tape.gradient(loss, variables)
  elif backend == "jax":
    import jax
    non_trainable = [v.value for v in model.non_trainable_variables]

    def loss_of(trainable):
      pred, _ = model.stateless_call(trainable, non_trainable, codes,
                                     training=True)
      return mse(pred, y)

    loss, grads = jax.value_and_grad(loss_of)([v.value for v in variables])
  elif backend == "torch":
    for v in variables:
      v.value.grad = None
    loss = mse(model(codes, training=True), y)
    loss.backward()
    grads = [v.value.grad for v in variables]
  else:
    raise ValueError(f"backend {backend} is not covered")
  return (predictions, float(ops.convert_to_numpy(loss)),
          [(v.path, ops.convert_to_numpy(g)) for v, g in zip(variables, grads)])


def tensorflow_imported() -> bool:
  return sys.modules.get("tensorflow") is not None


def run_outputs(model_path, batch_path, out_path):
  import keras
  import numpy as np

  import madlab_dream.model  # noqa: F401  (registers the layers)
  batch = np.load(batch_path)
  model = keras.models.load_model(model_path)
  predictions, loss, grads = outputs(model, batch["codes"],
                                     batch["y"].astype(np.float32))
  np.savez(out_path, predictions=predictions, loss=loss,
           tensorflow_imported=tensorflow_imported(),
           paths=np.array([path for path, _ in grads]),
           **{f"grad:{i}": g for i, (_, g) in enumerate(grads)})


def run_fit(out_path):
  """A tiny model learns a count of G on NumPy arrays, XLA on."""
  import keras
  import numpy as np

  from madlab_dream import model as model_lib
  from madlab_dream.config import TINY_MODEL
  rng = np.random.default_rng(0)
  codes = rng.integers(0, 5, (256, 24)).astype(np.uint8)
  y = (codes == 2).sum(1).astype(np.float32)
  y = (y - y.mean()) / y.std()
  model = model_lib.build_model(TINY_MODEL, seq_len=24, l2=0.0, seed=0)
  model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse",
                jit_compile=True)
  history = model.fit(codes, y, batch_size=32, epochs=6, verbose=0,
                      shuffle=False)
  with open(out_path, "w") as f:
    json.dump({"backend": keras.backend.backend(),
               "losses": [float(v) for v in history.history["loss"]],
               "jit_compile": model.jit_compile is True,
               "tensorflow_imported": tensorflow_imported()}, f)


def main(argv):
  if BACKEND != "tensorflow":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import no_tensorflow
    no_tensorflow.block()
  if argv[:1] == ["outputs"] and len(argv) == 4:
    run_outputs(*argv[1:])
  elif argv[:1] == ["fit"] and len(argv) == 2:
    run_fit(argv[1])
  else:
    sys.exit(__doc__)


if __name__ == "__main__":
  main(sys.argv[1:])
