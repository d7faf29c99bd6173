"""NumPy references for the layer tests, written from Enformer's formulas.

The references are float64 NumPy, derived from the formulas of DeepMind's
`enformer/attention_module.py` (`positional_features_*`, `relative_shift`,
`MultiheadAttention`), not from the code under test. The attention has both
of Enformer's ways to place the relative logits: its Transformer-XL shift of
the [L, 2L-1] products, and indexing them directly. Float32 rounding sets
the tolerances; the gamma basis is ill-conditioned in float32 (its
concentrations reach (2k)^2), so it gets a few 1e-3.
"""

import numpy as np
import scipy.special

EPS32 = np.finfo(np.float32).eps
MADLAB_FUNCTIONS = ["positional_features_exponential",
                    "positional_features_central_mask",
                    "positional_features_gamma"]


# --- Positional basis ---------------------------------------------------------
# Each takes |d| of shape S and returns S + [k]; `length` is L.


def np_exponential(a, k, length):
  half_life = 2.0 ** np.linspace(3.0, np.log2(length), k)
  return np.exp(-np.log(2.0) * a[..., None] / half_life)


def np_central_mask(a, k, length):
  del length
  widths = 2.0 ** np.arange(1, k + 1) - 1.0
  return (widths > a[..., None]).astype(np.float64)


def np_gamma(a, k, length):
  mean = np.linspace(length / k, length, k)
  sd = length / (2 * k)
  conc, rate = (mean / sd) ** 2, mean / sd ** 2
  log_p = (scipy.special.xlogy(conc - 1, a[..., None]) - rate * a[..., None]
           - scipy.special.gammaln(conc) + conc * np.log(rate))
  p = np.exp(log_p) + 1e-8
  return p / p.max(axis=1, keepdims=True)  # the original's axis=1


def np_cosine(a, k, length):
  del length
  return np.cos(2 * np.pi * a[..., None] / (1.25 * 2.0 ** np.arange(k)))


def np_linear_masks(a, k, length):
  del length
  return (np.arange(k) == a[..., None]).astype(np.float64)


def np_sin_cos(a, k, length):
  del length
  scale = 10000.0 ** (np.arange(0, k, 2) / k)
  return np.concatenate([np.sin(a[..., None] / scale),
                         np.cos(a[..., None] / scale)], -1)


NP_FUNCTIONS = {
    "positional_features_exponential": np_exponential,
    "positional_features_central_mask": np_central_mask,
    "positional_features_gamma": np_gamma,
    "positional_features_cosine": np_cosine,
    "positional_features_linear_masks": np_linear_masks,
    "positional_features_sin_cos": np_sin_cos,
}


def np_features(d, num_features, length, names, symmetric):
  n = len(names) * (1 if symmetric else 2)
  k = num_features // n
  a = np.abs(d)
  emb = np.concatenate([NP_FUNCTIONS[f](a, k, length) for f in names], -1)
  if not symmetric:
    emb = np.concatenate([emb, np.sign(d)[..., None] * emb], -1)
  return emb


def tolerance(name, length):
  """Absolute float32 tolerance of one basis at sequence length L."""
  if name in ("positional_features_central_mask",
              "positional_features_linear_masks"):
    return 0.0
  if name == "positional_features_gamma":
    return 3e-3
  if name == "positional_features_cosine":  # argument up to 2 pi L / 1.25
    return 1e-6 + 8 * EPS32 * 2 * np.pi * length / 1.25
  if name == "positional_features_sin_cos":
    return 1e-6 + 8 * EPS32 * length
  return 1e-5


def distances(length):
  return np.arange(-length + 1, length, dtype=np.float64)[None]  # [1, 2L-1]


# --- Attention and the transformer block --------------------------------------


def np_relative_shift(x):
  """Enformer's (Transformer-XL's) `relative_shift`: [B, H, L, 2L-1] ->
  [B, H, L, L]; column c of x holds distance c - (L - 1)."""
  batch, heads, length, width = x.shape
  x = np.concatenate([np.zeros_like(x[..., :1]), x], -1)   # [B, H, L, 2L]
  x = x.reshape(batch, heads, width + 1, length)[:, :, 1:]  # [B, H, 2L-1, L]
  return x.reshape(batch, heads, length, width)[..., :(width + 1) // 2]


def np_relative_by_index(x):
  """[B, H, L, 2L-1] -> [B, H, L, L]: entry (i, j) is x[..., i, j - i + L - 1],
  the column of distance j - i."""
  length = x.shape[2]
  i, j = np.meshgrid(np.arange(length), np.arange(length), indexing="ij")
  return x[:, :, i, j - i + length - 1]


def np_attention(x, w, heads, key_size, value_size, num_features, names,
                 symmetric, place=np_relative_by_index):
  """Enformer's relative attention; `place` puts the [L, 2L-1] relative
  products at distance j - i (`np_relative_by_index` or
  `np_relative_shift`)."""
  batch, length, _ = x.shape

  def split(t, size):
    return t.reshape(t.shape[0], t.shape[1], heads, size).transpose(0, 2, 1, 3)

  q = split(x @ w["q"], key_size) * key_size ** -0.5
  k = split(x @ w["k"], key_size)
  v = split(x @ w["v"], value_size)
  pos = np_features(distances(length), num_features, length, names,
                    symmetric)                               # [1, 2L-1, F]
  r_k = split(pos @ w["r_k"], key_size)                      # [1, H, 2L-1, K]
  content = (q + w["r_w"]) @ k.transpose(0, 1, 3, 2)
  rel_all = (q + w["r_r"]) @ r_k.transpose(0, 1, 3, 2)      # [B, H, L, 2L-1]
  logits = content + place(rel_all)                         # distance j - i
  weights = np.exp(logits - logits.max(-1, keepdims=True))
  weights /= weights.sum(-1, keepdims=True)
  out = (weights @ v).transpose(0, 2, 1, 3).reshape(batch, length, -1)
  return out @ w["out"] + w["out_b"]


ATTENTION_WEIGHTS = {"q": "q_kernel", "k": "k_kernel", "v": "v_kernel",
                     "r_k": "r_k_kernel", "r_w": "r_w_bias",
                     "r_r": "r_r_bias", "out": "output_kernel",
                     "out_b": "output_bias"}


def randomize_attention(layer, rng):
  """Random weights for a built attention layer; returns them (float64)."""
  w = {}
  for key, attr in ATTENTION_WEIGHTS.items():
    var = getattr(layer, attr)
    w[key] = rng.normal(0, 0.4, var.shape)
    var.assign(w[key].astype(np.float32))
  return w


def np_layer_norm(x, gamma, beta, eps=1e-3):
  mean = x.mean(-1, keepdims=True)
  var = x.var(-1, keepdims=True)
  return (x - mean) / np.sqrt(var + eps) * gamma + beta


def swish(x):
  return x / (1.0 + np.exp(-x))


# --- Convolutions -------------------------------------------------------------


def np_conv_same(x, kernel, bias):
  """Keras/TF 'same' 1-D convolution: left pad (k-1)//2, rest on the right."""
  k = kernel.shape[0]
  left = (k - 1) // 2
  xp = np.pad(x, ((0, 0), (left, k - 1 - left), (0, 0)))
  out = sum(xp[:, j:j + x.shape[1], :] @ kernel[j] for j in range(k))
  return out + bias
