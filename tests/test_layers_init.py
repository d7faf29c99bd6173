"""layers/__init__.py: what it exports; every layer's config round trip.

Backend-neutral: tests/test_backends.py also runs this file on JAX.
"""

import keras
import pytest

from madlab_dream import layers


def test_exports():
  assert set(layers.__all__) == {
      "BiLSTM", "MultiScaleConv", "NoCudnnLSTM", "OneHot",
      "POSITIONAL_FUNCTIONS", "RelativeMultiHeadAttention",
      "TransformerBlock", "positional_features", "relative_key_indices",
      "relative_position_features", "relative_shift",
      "resolve_relative_features"}
  for name in layers.__all__:
    assert getattr(layers, name) is not None


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
      (layers.TransformerBlock(num_heads=2, key_size=3, value_size=4,
                               num_relative_position_features=12,
                               ffn_multiplier=3, activation="gelu",
                               dropout_rate=0.1, attention_dropout_rate=0.05),
       (None, 12, 8)),
      (layers.NoCudnnLSTM(3, activation="tanh"), (None, 12, 5)),
      (layers.BiLSTM(3, activation="swish", kernel_initializer="he_normal",
                     unit_forget_bias=False, unroll=True), (None, 12, 5)),
      (layers.MultiScaleConv(filters=6, reduced=4, kernel_sizes=[3],
                             batch_norm=False), (None, 12, 4)),
      (layers.RelativeMultiHeadAttention(1, 4, 4,
                                         num_relative_position_features=6,
                                         relative_logits="shift"),
       (None, 12, 4)),
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
