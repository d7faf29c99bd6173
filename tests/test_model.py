"""The model factory: preset size, saving, training, XLA, seeding."""

import doctest
import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf

from madlab_dream import layers
from madlab_dream import model as model_lib
from madlab_dream.config import TINY_MODEL
from madlab_dream.config import ConfigError

TINY = dict(seq_len=20, conv_kernels=[3, 5], conv_filters=8, conv_reduced=8,
            num_blocks=1, num_heads=1, key_size=8, value_size=8,
            lstm_units=4, seed=0)


def tiny_data(n=64, length=20, seed=0):
  """Codes with a learnable standardised target (G count + 5' A count)."""
  rng = np.random.default_rng(seed)
  codes = rng.integers(0, 5, (n, length)).astype(np.uint8)
  y = ((codes == 2).sum(1) + 0.5 * (codes[:, :length // 2] == 0).sum(1))
  y = y.astype(np.float32)
  return codes, (y - y.mean()) / y.std()


def count(variables):
  return sum(int(np.prod(v.shape)) for v in variables)


def test_preset_parameter_counts():
  model = model_lib.build_model()
  assert model.count_params() == 319_657
  assert count(model.trainable_weights) == 317_353
  assert count(model.non_trainable_weights) == 2_304
  by_layer = {layer.name: layer.count_params() for layer in model.layers}
  assert by_layer["multi_scale_conv"] == 148_608
  assert by_layer["transformer_block_0"] == 83_520 + 2 * 2 * 96
  assert by_layer["transformer_block_1"] == 83_520 + 2 * 2 * 96
  assert by_layer["bilstm"] == 3_232
  assert by_layer["expression"] == 9
  assert model.input.dtype == "uint8" and model.input.shape == (None, 110)
  assert model.input.name == "codes"


def test_output_shape_and_dtype():
  model = model_lib.build_model(TINY)
  codes, _ = tiny_data(5)
  out = model.predict(codes, verbose=0)
  assert out.shape == (5, 1) and out.dtype == np.float32
  assert np.isfinite(out).all()


def test_overrides_and_bad_settings():
  model = model_lib.build_model(TINY, num_blocks=2, seq_len=12)
  assert model.input.shape == (None, 12)
  assert sum(isinstance(layer, layers.TransformerBlock)
             for layer in model.layers) == 2
  with pytest.raises(TypeError):
    model_lib.build_model(TINY, no_such_setting=1)
  with pytest.raises(ConfigError, match="conv_reduced"):
    model_lib.build_model(TINY, num_heads=2)


def perturb(model, seed=7):
  """The model's own initialisation, with the zero-initialised attention
  output and every bias made nonzero (so every weight matters and gets a
  gradient) and BatchNorm statistics away from 0 and 1."""
  rng = np.random.default_rng(seed)
  for v in model.weights:
    if "output_kernel" in v.path or "bias" in v.path or "beta" in v.path:
      v.assign((rng.normal(size=v.shape) * 0.1).astype("float32"))
    elif "moving_mean" in v.path:
      v.assign((rng.normal(size=v.shape) * 0.1).astype("float32"))
    elif "moving_variance" in v.path:
      v.assign(rng.uniform(0.8, 1.2, v.shape).astype("float32"))


def randomize(model, seed=1, scale=0.5):
  """Random nonzero weights everywhere (BatchNorm variances positive)."""
  rng = np.random.default_rng(seed)
  for var in model.weights:
    if "moving_variance" in var.path:
      value = rng.uniform(0.5, 1.5, var.shape)
    else:
      value = rng.uniform(-scale, scale, var.shape)
    var.assign(value.astype(var.dtype))


def test_save_and_load_keras_gives_identical_predictions(tmp_path):
  model = model_lib.build_model(TINY)
  randomize(model)  # incl. the zero-initialised attention output
  codes, _ = tiny_data(16)
  before = model.predict(codes, verbose=0)
  path = tmp_path / "model.keras"
  model.save(path)
  loaded = keras.models.load_model(path)
  np.testing.assert_array_equal(loaded.predict(codes, verbose=0), before)
  for a, b in zip(model.weights, loaded.weights):
    np.testing.assert_array_equal(a.numpy(), b.numpy())
  assert isinstance(loaded.get_layer("bilstm"), layers.BiLSTM)


def test_a_bidirectional_no_cudnn_lstm_file_equals_the_bilstm_model():
  """A file with Bidirectional(NoCudnnLSTM) (KERAS_OPS_SHIFT) and the
  model the factory builds, same weights: predictions and every gradient
  to 1e-5 (float32), the same parameter count."""
  codes, y = tiny_data(16, length=24)
  saved = keras.models.load_model(KERAS_OPS_SHIFT)
  bilstm = saved.get_layer("bilstm")
  for lstm in (bilstm.forward_layer, bilstm.backward_layer):
    assert isinstance(lstm, layers.NoCudnnLSTM) and lstm.use_cudnn is False
  current = model_lib.build_model(TINY_MODEL, seq_len=24, seed=3)
  assert isinstance(current.get_layer("bilstm"), layers.BiLSTM)
  current.set_weights(saved.get_weights())
  assert current.count_params() == saved.count_params()

  def outputs(model):
    with tf.GradientTape() as tape:
      pred = model(codes, training=True)
      loss = tf.reduce_mean((pred[:, 0] - y) ** 2)
    grads = tape.gradient(loss, model.trainable_weights)
    return [model(codes, training=False).numpy()] + [g.numpy()
                                                     for g in grads]

  want, got = outputs(saved), outputs(current)
  assert np.ptp(want[0]) > 0.05
  for w, g in zip(want, got):
    np.testing.assert_allclose(g, w, rtol=0, atol=1e-5)
  assert model_lib.build_model().get_layer("bilstm").count_params() == 3_232


def test_attention_kwargs_are_the_config_fields_of_those_names():
  config = model_lib.resolve_config(TINY, num_relative_position_features=12,
                                    attention_dropout_rate=0.1)
  block = model_lib.build_model(config).get_layer("transformer_block_0")
  assert block.attention_kwargs == {
      "num_heads": 1, "key_size": 8, "value_size": 8,
      "num_relative_position_features": 12,
      "relative_position_functions": list(
          config.relative_position_functions),
      "attention_dropout_rate": 0.1, "positional_dropout_rate": 0.0,
      "relative_position_symmetric": False, "zero_initialize": True}


def test_build_model_docstring_example_runs():
  finder = doctest.DocTestFinder()
  runner = doctest.DocTestRunner()
  (test,) = finder.find(model_lib.build_model, "build_model",
                        globs={"__name__": "doctest"})
  assert test.examples
  runner.run(test)
  assert runner.failures == 0


def test_inference_model_folds_batch_norm_and_predicts_the_same():
  codes, _ = tiny_data(32)
  model = model_lib.build_model(TINY)
  perturb(model)
  folded = model_lib.inference_model(model)
  assert not any(isinstance(layer, keras.layers.BatchNormalization)
                 for layer in folded._flatten_layers())
  assert folded.get_layer("transformer_block_0") is model.get_layer(
      "transformer_block_0")
  want = model(codes, training=False).numpy()
  assert np.ptp(want) > 0.05
  np.testing.assert_allclose(folded(codes).numpy(), want, rtol=0, atol=1e-5)
  # The preset. Its swish LSTM, untrained, gives some sequences outputs in
  # the hundreds, and its 110 recurrent steps amplify float32 rounding of
  # the folded BatchNorm (one output in 32 differed by 1.07e-5 relative in
  # one run): 1e-5 absolute, or 1e-4 relative where the output is large.
  codes, _ = tiny_data(32, length=110)
  preset = model_lib.build_model()
  perturb(preset)
  want = preset(codes, training=False).numpy()
  assert np.ptp(want) > 0.05
  np.testing.assert_allclose(model_lib.inference_model(preset)(codes).numpy(),
                             want, rtol=1e-4, atol=1e-5)


def test_tiny_model_overfits_and_every_variable_gets_a_gradient():
  codes, y = tiny_data()
  model = model_lib.build_model(TINY, l2=0.0)
  model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
  initial = [v.numpy() for v in model.trainable_weights]

  def train_mode_mse():
    return float(np.mean((model(codes, training=True).numpy()[:, 0] - y) ** 2))

  start = train_mode_mse()
  steps = tf.data.Dataset.from_tensors((codes, y)).repeat(50)
  model.fit(steps, epochs=1, verbose=0, shuffle=False)
  end = train_mode_mse()
  assert end < start / 10, (start, end)

  for v, v0 in zip(model.trainable_weights, initial):
    assert not np.array_equal(v.numpy(), v0), f"{v.path} never changed"
  with tf.GradientTape() as tape:
    pred = model(codes, training=True)
    loss = tf.reduce_mean((pred[:, 0] - y) ** 2)
  grads = tape.gradient(loss, model.trainable_weights)
  for v, g in zip(model.trainable_weights, grads):
    assert g is not None and float(tf.reduce_max(tf.abs(g))) > 0, v.path


def fit_one_step_with_xla(model):
  codes, y = tiny_data(8)
  model.compile(optimizer="rmsprop", loss="mse", jit_compile=True)
  assert model.jit_compile is True
  history = model.fit(codes, y, batch_size=8, epochs=1, verbose=0)
  assert np.isfinite(history.history["loss"][0])
  assert model.jit_compile is True


def test_xla_stays_on_in_training():
  fit_one_step_with_xla(model_lib.build_model(TINY))  # swish LSTM, as MadLab
  fit_one_step_with_xla(model_lib.build_model(TINY, lstm_activation="tanh"))


def test_same_seed_same_weights_other_seed_other_weights():
  def weights(seed):
    return [v.numpy() for v in model_lib.build_model(TINY,
                                                      seed=seed).weights]
  a, b, c = weights(1), weights(1), weights(2)
  for x, y in zip(a, b):
    np.testing.assert_array_equal(x, y)
  random_ones = [i for i, x in enumerate(a) if np.unique(x).size > 2]
  assert len(random_ones) > 10
  assert all(not np.array_equal(a[i], c[i]) for i in random_ones)


def test_mixed_precision_model_follows_the_float32_model():
  codes, _ = tiny_data(8)
  reference = model_lib.build_model(TINY)
  randomize(reference, scale=0.3)
  keras.mixed_precision.set_global_policy("mixed_float16")
  try:
    model = model_lib.build_model(TINY)
  finally:
    keras.mixed_precision.set_global_policy("float32")
  assert model.get_layer("one_hot").compute_dtype == "float16"
  assert model.get_layer("transformer_block_0").compute_dtype == "float16"
  assert model.get_layer("expression").compute_dtype == "float32"
  assert all(v.dtype == "float32" for v in model.weights)
  model.set_weights(reference.get_weights())
  out = model.predict(codes, verbose=0)
  want = reference.predict(codes, verbose=0)
  assert out.dtype == np.float32 and np.isfinite(out).all()
  np.testing.assert_allclose(out, want, rtol=0,
                             atol=0.02 * np.abs(want).max() + 1e-3)


DATA = pathlib.Path(__file__).parent / "data"
V020_MODEL = DATA / "tiny_v0.2.0.keras"
KERAS_OPS_GATHER = DATA / "tiny_v0.2_keras_ops_gather.keras"
KERAS_OPS_SHIFT = DATA / "tiny_v0.2_keras_ops_shift.keras"


def saved_predictions(path):
  return np.load(path.with_name(path.stem + "_predictions.npz"))


def test_a_model_saved_by_version_0_2_0_loads_and_predicts_the_same():
  # Saved by the TensorFlow-ops layers (tests/data/README.md).
  saved = saved_predictions(V020_MODEL)
  loaded = keras.models.load_model(V020_MODEL)
  got = loaded.predict(saved["codes"], verbose=0)
  assert np.ptp(saved["predictions"]) > 0.1  # the input matters
  np.testing.assert_allclose(got, saved["predictions"], rtol=0, atol=1e-6)


@pytest.mark.parametrize("path,tolerance", [
    (KERAS_OPS_GATHER, 1e-6),  # the same formulation: the same numbers
    (KERAS_OPS_SHIFT, 1e-5),   # the shift's function, to float32 rounding
])
def test_a_model_saved_with_relative_logits_loads_and_predicts_the_same(
    path, tolerance):
  # Saved by the keras.ops layers with relative_logits="gather" (and
  # BiLSTM) or "shift" (and Bidirectional(NoCudnnLSTM)): tests/data/README.md.
  saved = saved_predictions(path)
  loaded = keras.models.load_model(path)
  got = loaded.predict(saved["codes"], verbose=0)
  assert np.ptp(saved["predictions"]) > 0.05  # the input matters
  np.testing.assert_allclose(got, saved["predictions"], rtol=0,
                             atol=tolerance)
  block = loaded.get_layer("transformer_block_0")
  assert "relative_logits" not in block.get_config()
  assert block.mha.num_features == 6


# --- The model MadLab actually ran: transformer_trainable=False -------------

FROZEN = ("q_kernel", "k_kernel", "v_kernel", "r_k_kernel", "r_w_bias",
          "r_r_bias", "output_kernel", "output_bias", "ffn_hidden",
          "ffn_output")


def test_as_run_preset_counts():
  model = model_lib.build_model(transformer_trainable=False)
  assert model.count_params() == 319_657
  assert count(model.trainable_weights) == 150_313  # their cell 36
  assert count(model.non_trainable_weights) == 2_304 + 2 * 83_520
  frozen = {v.path for v in model.non_trainable_weights
            if "transformer_block" in v.path}
  assert len(frozen) == 2 * 12  # 8 attention + 2 x (kernel, bias) FFN
  assert all(any(name in p for name in FROZEN) for p in frozen)
  norms = [v for v in model.trainable_weights if "_norm" in v.path]
  assert len(norms) == 2 * 2 * 2  # 2 blocks x 2 LayerNorms x (gamma, beta)


def test_as_run_training_moves_only_the_trainable_weights():
  codes, y = tiny_data()
  model = model_lib.build_model(TINY, transformer_trainable=False, l2=0.0)
  model.compile(optimizer=keras.optimizers.RMSprop(1e-2), loss="mse",
                jit_compile=True)
  before = {v.path: v.numpy().copy() for v in model.weights}
  model.fit(codes, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
  assert model.jit_compile is True
  frozen = [v for v in model.weights
            if any(name in v.path for name in FROZEN)]
  assert frozen and all(np.array_equal(before[v.path], v.numpy())
                        for v in frozen)
  for v in model.trainable_weights:
    if "mha_norm" in v.path:  # zero gradient: see the next test
      np.testing.assert_array_equal(before[v.path], v.numpy())
    else:
      assert not np.array_equal(before[v.path], v.numpy()), v.path


def test_as_run_attention_adds_exactly_zero_and_passes_no_gradient():
  codes, y = tiny_data(16)
  model = model_lib.build_model(TINY, transformer_trainable=False)
  randomize(model)
  for v in model.weights:  # back to their initial zeros, as MadLab's stayed
    if "output_kernel" in v.path or "output_bias" in v.path:
      v.assign(np.zeros(v.shape, v.dtype))
  block = model.get_layer("transformer_block_0")
  x = tf.random.normal([4, 20, 8])
  assert np.all(block.mha(block.mha_norm(x)).numpy() == 0)
  norm = [v for v in model.trainable_weights if "mha_norm" in v.path]
  with tf.GradientTape() as tape:
    loss = tf.reduce_mean((model(codes, training=True)[:, 0] - y) ** 2)
  grads = tape.gradient(loss, norm)
  assert all(float(tf.reduce_max(tf.abs(g))) == 0.0 for g in grads)


def test_as_run_model_saves_and_loads_frozen(tmp_path):
  model = model_lib.build_model(TINY, transformer_trainable=False)
  model.save(tmp_path / "m.keras")
  loaded = keras.models.load_model(tmp_path / "m.keras")
  assert count(loaded.trainable_weights) == count(model.trainable_weights)
  codes, _ = tiny_data(8)
  np.testing.assert_array_equal(loaded.predict(codes, verbose=0),
                                model.predict(codes, verbose=0))
