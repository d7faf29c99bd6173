"""The reference formulation of the model, for the benchmark's comparison:
`reference_model(model)` computes a model's function, with copies of its
weights, with the attention in the Transformer-XL shift formulation
(Enformer's `attention_module.py`: [L, 2L-1] relative logits, shifted to
the [L, L] layout; einsums), Keras's Bidirectional LSTM (x K inside every
step, each direction walked separately) and BatchNorm unfolded (a separate
pass at inference, where the model uses `model.inference_model`).
"""

from __future__ import annotations

import keras
from keras import ops

from madlab_dream import layers


def relative_shift(x):
  """[B, H, L, 2L-1] (column c: distance c - (L-1)) -> [B, H, L, L] whose
  entry (i, j) is x[..., i, j - i + L - 1], the logit of distance j - i."""
  _, heads, t1, t2 = ops.shape(x)
  x = ops.concatenate([ops.zeros_like(x[..., :1]), x], -1)  # [B, H, L, 2L]
  x = ops.reshape(x, (-1, heads, t2 + 1, t1))               # [B, H, 2L, L]
  x = ops.reshape(x[:, :, 1:, :], (-1, heads, t1, t2))      # [B, H, L, 2L-1]
  return x[..., :(t2 + 1) // 2]


class ShiftRelativeAttention(keras.layers.Layer):
  """Enformer's relative attention in the shift formulation, float32.

    logits = (q + r_w_bias) k^T + relative_shift((q + r_r_bias) r_k^T)

  with the weights (names, shapes) of `layers.RelativeMultiHeadAttention`.
  `attention`: num_heads, key_size, value_size, num_features (F), and the
  positional `functions` and `symmetric`. No dropout.
  """

  def __init__(self, attention: dict, **kwargs):
    super().__init__(**kwargs)
    self.settings = dict(attention)

  def build(self, input_shape):
    s = self.settings
    heads, hk = s["num_heads"], s["num_heads"] * s["key_size"]
    hv = heads * s["value_size"]
    width = input_shape[-1]
    for name, shape in (
        ("q_kernel", (width, hk)), ("k_kernel", (width, hk)),
        ("v_kernel", (width, hv)),
        ("r_k_kernel", (s["num_features"], hk)),
        ("r_w_bias", (1, heads, 1, s["key_size"])),
        ("r_r_bias", (1, heads, 1, s["key_size"])),
        ("output_kernel", (hv, hv)), ("output_bias", (hv,))):
      setattr(self, name, self.add_weight(name=name, shape=shape))

  def _heads(self, x, kernel, size):
    """[B, T, C] x [C, H size] -> [B, H, T, size]."""
    x = ops.einsum("btc,cd->btd", x, kernel)
    x = ops.reshape(x, (-1, x.shape[1], self.settings["num_heads"], size))
    return ops.transpose(x, (0, 2, 1, 3))

  def call(self, x):
    s, length = self.settings, x.shape[1]
    q = self._heads(x, self.q_kernel, s["key_size"]) * s["key_size"] ** -0.5
    k = self._heads(x, self.k_kernel, s["key_size"])          # [B, H, L, K]
    v = self._heads(x, self.v_kernel, s["value_size"])
    features = layers.relative_position_features(
        length, s["num_features"], s["functions"], s["symmetric"])
    r_k = self._heads(features, self.r_k_kernel, s["key_size"])[0]
    content = ops.einsum("bhik,bhjk->bhij", q + self.r_w_bias, k)
    relative = ops.einsum("bhik,hjk->bhij", q + self.r_r_bias, r_k)
    weights = ops.softmax(content + relative_shift(relative), axis=-1)
    out = ops.einsum("bhij,bhjv->bihv", weights, v)           # [B, L, H, V]
    out = ops.reshape(out, (-1, length, out.shape[2] * out.shape[3]))
    return ops.einsum("btc,cd->btd", out, self.output_kernel) + self.output_bias


class ReferenceTransformerBlock(keras.layers.Layer):
  """MadLab's pre-LayerNorm block around `ShiftRelativeAttention`.

    x = x + MHA(LayerNorm(x));  x = x + Dense(W)(act(Dense(hidden)(LN(x))))
  """

  def __init__(self, attention: dict, hidden: int, activation, **kwargs):
    super().__init__(**kwargs)
    self.mha_norm = keras.layers.LayerNormalization(name="mha_norm")
    self.mha = ShiftRelativeAttention(attention, name="mha")
    self.ffn_norm = keras.layers.LayerNormalization(name="ffn_norm")
    self.ffn_hidden = keras.layers.Dense(hidden, activation, name="ffn_hidden")
    self.ffn_output = None

  def build(self, input_shape):
    self.ffn_output = keras.layers.Dense(input_shape[-1], name="ffn_output")
    for layer, shape in ((self.mha_norm, input_shape), (self.mha, input_shape),
                         (self.ffn_norm, input_shape),
                         (self.ffn_hidden, input_shape),
                         (self.ffn_output, input_shape[:-1]
                          + (self.ffn_hidden.units,))):
      layer.build(shape)

  def call(self, x):
    x = x + self.mha(self.mha_norm(x))
    return x + self.ffn_output(self.ffn_hidden(self.ffn_norm(x)))


def _reference_block(block) -> ReferenceTransformerBlock:
  """A transformer block's reference form: sizes from its weights, the
  rest from its config (flat, or the attention's in `attention_kwargs`)."""
  config = block.get_config()
  settings = {**config, **config.get("attention_kwargs", {})}
  if any(settings.get(name) for name in (
      "attention_dropout_rate", "positional_dropout_rate", "dropout_rate",
      "freeze_attention_and_ffn")):
    raise ValueError(f"{block.name}: the reference has no dropout and "
                     "trains every weight")
  shape = {v.path.split("/", 1)[1]: tuple(v.shape) for v in block.weights}
  heads = shape["mha/r_w_bias"][1]
  return ReferenceTransformerBlock(
      {"num_heads": heads, "key_size": shape["mha/r_w_bias"][3],
       "value_size": shape["mha/v_kernel"][1] // heads,
       "num_features": shape["mha/r_k_kernel"][0],
       "functions": settings["relative_position_functions"],
       "symmetric": settings.get("relative_position_symmetric", False)},
      hidden=shape["ffn_hidden/kernel"][1], activation=config["activation"],
      name=block.name)


#: The parts `reference_model` can put in the reference formulation.
PARTS = ("attention", "lstm")


def _reference_layer(layer, parts=PARTS):
  if isinstance(layer, layers.TransformerBlock) and "attention" in parts:
    return _reference_block(layer)
  if isinstance(layer, layers.BiLSTM) and "lstm" in parts:
    config = layer.get_config()
    return keras.layers.Bidirectional(layers.NoCudnnLSTM(
        config["units"], activation=config["activation"],
        recurrent_activation=config["recurrent_activation"]), name=layer.name)
  return layer.__class__.from_config(layer.get_config())


def copy_weights(source, target) -> None:
  """`target`'s weights := `source`'s, by path where every path agrees,
  else in order (ValueError unless they correspond in number and shape)."""
  by_path = {v.path: v for v in source.weights}
  pairs = ([(by_path.get(v.path), v) for v in target.weights]
           if {v.path for v in target.weights} == set(by_path)
           else list(zip(source.weights, target.weights, strict=False)))
  if len(source.weights) != len(target.weights) or any(
      tuple(a.shape) != tuple(b.shape) for a, b in pairs):
    raise ValueError(f"the weights of {source.name} and {target.name} do "
                     "not correspond")
  for a, b in pairs:
    b.assign(a)


def reference_model(model: keras.Model,
                    parts: tuple[str, ...] = PARTS) -> keras.Model:
  """`model` (float32, from `build_model`) in the reference formulation,
  with copies of its weights.

  Args:
    model: the model.
    parts: which layers take their reference form (`PARTS`): "attention"
      (the transformer blocks) and "lstm"; every other layer is a copy.

  >>> reference = reference_model(build_model(TINY_MODEL))
  """
  unknown = sorted(set(parts) - set(PARTS))
  if unknown:
    raise ValueError(f"unknown parts {unknown}; the parts are {list(PARTS)}")
  reference = keras.models.clone_model(
      model, clone_function=lambda layer: _reference_layer(layer, parts))
  for layer in model.layers:
    copy_weights(layer, reference.get_layer(layer.name))
  reference.name = f"{model.name}_reference"
  return reference
