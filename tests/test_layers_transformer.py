"""layers/transformer.py: the pre-LayerNorm block against NumPy.

Backend-neutral: tests/test_backends.py also runs this file on JAX.
"""

import keras
import numpy as np
import pytest
from keras import ops
from layer_references import ATTENTION_WEIGHTS
from layer_references import MADLAB_FUNCTIONS
from layer_references import np_attention
from layer_references import np_layer_norm
from layer_references import swish

from madlab_dream import layers

to_numpy = ops.convert_to_numpy


def test_transformer_block_matches_numpy_forward():
  rng = np.random.default_rng(1)
  heads, key_size, value_size, length = 2, 4, 3, 8
  width = heads * value_size
  block = layers.TransformerBlock(
      {"num_heads": heads, "key_size": key_size, "value_size": value_size,
       "num_relative_position_features": 6},
      ffn_multiplier=3, activation="swish")
  block.build((None, length, width))
  assert block.count_params() == (
      2 * 2 * width                                      # two LayerNorms
      + 2 * width * heads * key_size + width * width     # q, k, v
      + 6 * heads * key_size + 2 * heads * key_size      # r_k (F=6), biases
      + width * width + width                            # output projection
      + width * 3 * width + 3 * width + 3 * width * width + width)  # FFN
  for var in block.weights:
    var.assign(rng.normal(0, 0.4, var.shape).astype(np.float32))
  p = lambda v: to_numpy(v).astype(np.float64)  # noqa: E731
  w = {k: p(getattr(block.mha, attr)) for k, attr in ATTENTION_WEIGHTS.items()}
  x = rng.normal(size=(3, length, width))
  h = x + np_attention(np_layer_norm(x, p(block.mha_norm.gamma),
                                     p(block.mha_norm.beta)),
                       w, heads, key_size, value_size, 6, MADLAB_FUNCTIONS,
                       False)
  y = np_layer_norm(h, p(block.ffn_norm.gamma), p(block.ffn_norm.beta))
  y = swish(y @ p(block.ffn_hidden.kernel) + p(block.ffn_hidden.bias))
  want = h + y @ p(block.ffn_output.kernel) + p(block.ffn_output.bias)
  got = to_numpy(block(x.astype(np.float32)))
  np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-3)


ATTENTION = {"num_heads": 1, "key_size": 8, "value_size": 8}


def test_transformer_block_rejects_width_mismatch():
  block = layers.TransformerBlock(ATTENTION, ffn_multiplier=2)
  with pytest.raises(ValueError, match="num_heads x value_size"):
    block.build((None, 10, 12))


def test_sizes_are_required_and_not_madlabs():
  with pytest.raises(TypeError):
    layers.TransformerBlock()  # pylint: disable=no-value-for-parameter
  with pytest.raises(TypeError, match="ffn_multiplier"):
    layers.TransformerBlock(ATTENTION)
  with pytest.raises(TypeError):  # keyword-only after attention_kwargs
    layers.TransformerBlock(ATTENTION, 2)
  with pytest.raises(TypeError, match="missing .'value_size'"):
    layers.TransformerBlock({"num_heads": 1, "key_size": 8},
                            ffn_multiplier=2)
  config = layers.TransformerBlock(ATTENTION, ffn_multiplier=2).get_config()
  assert config["activation"] == "relu" and config["dropout_rate"] == 0.0


def test_the_attention_gets_its_settings_once_and_complete():
  block = layers.TransformerBlock(
      {**ATTENTION, "attention_dropout_rate": 0.1}, ffn_multiplier=2)
  assert block.attention_kwargs == block.get_config()["attention_kwargs"]
  assert block.attention_kwargs == {
      name: value for name, value in block.mha.get_config().items()
      if name in block.attention_kwargs}
  assert block.mha.attention_dropout_rate == 0.1
  assert len(block.attention_kwargs) == 9  # every setting, defaults included


@pytest.mark.parametrize("settings,name", [
    ({"attention_kwargs": {**ATTENTION, "num_heads": 0}}, "num_heads"),
    ({"attention_kwargs": {**ATTENTION, "dropout": 0.1}}, None),
    ({"attention_kwargs": [1, 8, 8]}, "attention_kwargs"),
    ({"ffn_multiplier": 2.5}, "ffn_multiplier"),
    ({"ffn_multiplier": "2"}, "ffn_multiplier"),
    ({"dropout_rate": 1.5}, "dropout_rate"),
    ({"activation": "bogus"}, "activation"),
    ({"freeze_attention_and_ffn": "no"}, "freeze_attention_and_ffn"),
])
def test_arguments_are_checked_with_keras_messages(settings, name):
  arguments = {"attention_kwargs": ATTENTION, "ffn_multiplier": 2, **settings}
  with pytest.raises((TypeError, ValueError),
                     match=f"Received: {name}=" if name else "unknown"):
    layers.TransformerBlock(**arguments)


def test_mixed_precision_block_follows_float32_result():
  rng = np.random.default_rng(3)
  x = rng.normal(size=(2, 10, 8)).astype(np.float32)
  kwargs = dict(attention_kwargs=ATTENTION, ffn_multiplier=2,
                activation="swish")
  ref = layers.TransformerBlock(**kwargs)
  ref.build((None, 10, 8))
  for var in ref.weights:
    var.assign(rng.normal(0, 0.3, var.shape).astype(np.float32))
  keras.mixed_precision.set_global_policy("mixed_float16")
  try:
    block = layers.TransformerBlock(**kwargs)
    block.build((None, 10, 8))
    one_hot = layers.OneHot()(np.array([[0, 4]], np.uint8))
  finally:
    keras.mixed_precision.set_global_policy("float32")
  block.set_weights(ref.get_weights())
  assert all(v.dtype == "float32" for v in block.weights)
  assert keras.backend.standardize_dtype(one_hot.dtype) == "float16"
  got = block(x)
  assert keras.backend.standardize_dtype(got.dtype) == "float16"
  want = to_numpy(ref(x))
  np.testing.assert_allclose(to_numpy(got).astype(np.float32), want,
                             rtol=2e-2, atol=2e-2 * np.abs(want).max())
