"""layers/__init__.py: what it exports, lazily; every layer's config round
trip, its docstring's example, and the configs of files written by
madlab-dream 0.2.0. Backend-neutral.
"""

import doctest
import importlib
import subprocess
import sys

import keras
import pytest
from helpers import REPO
from helpers import env

from madlab_dream import layers

LAYER_MODULES = ["encoding", "conv", "attention", "transformer", "recurrent",
                 "positional", "arguments", "keras_objects"]
PUBLIC_LAYERS = ["OneHot", "MultiScaleConv", "RelativeMultiHeadAttention",
                 "TransformerBlock", "BiLSTM", "NoCudnnLSTM"]


def test_exports():
  assert set(layers.__all__) == {
      "BiLSTM", "MultiScaleConv", "NoCudnnLSTM", "OneHot",
      "POSITIONAL_FUNCTIONS", "RelativeMultiHeadAttention",
      "TransformerBlock", "positional_features", "relative_key_indices",
      "relative_position_feature_count", "relative_position_features"}
  for name in layers.__all__:
    assert getattr(layers, name) is not None
  with pytest.raises(AttributeError, match="relative_shift"):
    layers.relative_shift  # noqa: B018  (the attribute access is the test)


IMPORTS = """
import sys
import madlab_dream.layers, madlab_dream.layers.arguments
print(sorted(m for m in ("keras", "tensorflow", "jax", "torch")
             if m in sys.modules))
from madlab_dream.layers import OneHot
print(sorted(m for m in ("keras",) if m in sys.modules))
import keras
print(keras.saving.get_registered_object("madlab_dream>BiLSTM").__name__)
"""


def test_the_package_imports_keras_only_when_a_layer_is_taken():
  proc = subprocess.run([sys.executable, "-c", IMPORTS], env=env(), cwd=REPO,
                        capture_output=True, text=True, timeout=300)
  assert proc.returncode == 0, proc.stderr[-3000:]
  assert proc.stdout.split() == ["[]", "['keras']", "BiLSTM"], proc.stdout


def test_every_public_layer_documents_itself_like_keras():
  for name in PUBLIC_LAYERS:
    doc = getattr(layers, name).__doc__
    for section in ("Args:", "Call arguments:", "Input shape:",
                    "Output shape:", ">>> "):
      assert section in doc, (name, section)


@pytest.mark.parametrize("module", LAYER_MODULES)
def test_docstring_examples_run(module):
  """Every `>>>` example of the layer modules gives the output it shows."""
  mod = importlib.import_module(f"madlab_dream.layers.{module}")
  finder = doctest.DocTestFinder(exclude_empty=True)
  runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
  tests = [t for t in finder.find(mod) if t.examples]
  for test in tests:
    runner.run(test)
  assert runner.failures == 0, f"{runner.failures} failing examples"
  if module in ("encoding", "conv", "attention", "transformer", "recurrent"):
    assert tests


def layer_cases():
  return [
      (layers.OneHot(name="oh"), (None, 12)),
      (layers.MultiScaleConv(filters=6, reduced=4, kernel_sizes=[3, 8],
                             activation="relu", l2=0.01,
                             kernel_initializer="glorot_uniform"),
       (None, 12, 4)),
      (layers.RelativeMultiHeadAttention(
          2, 3, 4, num_relative_position_features=8,
          relative_position_functions=["positional_features_cosine",
                                       "positional_features_linear_masks"],
          attention_dropout_rate=0.1, positional_dropout_rate=0.2,
          relative_position_symmetric=True, zero_initialize=False),
       (None, 12, 5)),
      (layers.TransformerBlock(
          {"num_heads": 2, "key_size": 3, "value_size": 4,
           "num_relative_position_features": 12,
           "attention_dropout_rate": 0.05},
          ffn_multiplier=3, activation="gelu", dropout_rate=0.1),
       (None, 12, 8)),
      (layers.NoCudnnLSTM(3, activation="tanh"), (None, 12, 5)),
      (layers.BiLSTM(3, activation="swish", kernel_initializer="he_normal",
                     unit_forget_bias=False, unroll=True), (None, 12, 5)),
      (layers.MultiScaleConv(filters=6, reduced=4, kernel_sizes=[3],
                             batch_norm=False), (None, 12, 4)),
  ]


@pytest.mark.parametrize("index", range(len(layer_cases())))
def test_get_config_round_trip(index):
  layer, shape = layer_cases()[index]
  config = layer.get_config()
  clone = type(layer).from_config(config)
  assert clone.get_config() == config
  revived = keras.saving.deserialize_keras_object(
      keras.saving.serialize_keras_object(layer))
  assert type(revived) is type(layer)
  assert revived.get_config() == config
  layer.build(shape)
  clone.build(shape)
  assert ([tuple(v.shape) for v in clone.weights]
          == [tuple(v.shape) for v in layer.weights])


#: A TransformerBlock's config as madlab-dream 0.2.0 wrote it: the
#: attention's settings beside the block's.
INLINE_BLOCK_CONFIG = {
    "name": "transformer_block_0", "trainable": True, "num_heads": 1,
    "key_size": 8, "value_size": 8, "num_relative_position_features": None,
    "relative_position_functions": ["positional_features_exponential",
                                    "positional_features_central_mask",
                                    "positional_features_gamma"],
    "attention_dropout_rate": 0.0, "positional_dropout_rate": 0.0,
    "relative_position_symmetric": False, "zero_initialize": True,
    "ffn_multiplier": 2, "activation": "swish", "dropout_rate": 0.0,
    "freeze_attention_and_ffn": False}


@pytest.mark.parametrize("relative_logits", [None, "gather", "shift"])
def test_a_block_config_with_inline_attention_settings_loads(relative_logits):
  config = dict(INLINE_BLOCK_CONFIG)
  if relative_logits:
    config["relative_logits"] = relative_logits
  block = layers.TransformerBlock.from_config(config)
  assert block.attention_kwargs == {
      name: INLINE_BLOCK_CONFIG[name]
      for name in layers.TransformerBlock(
          {"num_heads": 1, "key_size": 8, "value_size": 8},
          ffn_multiplier=2).attention_kwargs}
  assert block.get_config()["activation"] == "swish"
  assert "relative_logits" not in block.get_config()
  with pytest.raises(ValueError, match="Received: relative_logits='roll'"):
    layers.TransformerBlock.from_config({**config, "relative_logits": "roll"})
