"""A tiny model whose BiLSTM is made to explode (shared by tests)."""

import numpy as np


def explode(model, gain: float = 0.2) -> None:
  """Sets the BiLSTM ("bilstm") so its state grows geometrically with the
  sequence: open gates, candidate g = 1 + gain x the units' outputs (fed
  back), no input dependence. With swish, |prediction| ~ 1e6 at L = 40."""
  layer = model.get_layer("bilstm")
  weights = []
  for kernel, recurrent, bias in (layer.get_weights()[:3],
                                  layer.get_weights()[3:]):
    units = recurrent.shape[0]
    bias = np.full_like(bias, 5.0)
    bias[2 * units:3 * units] = 1.0
    recurrent = np.zeros_like(recurrent)
    recurrent[:, 2 * units:3 * units] = gain
    weights += [np.zeros_like(kernel), recurrent, bias]
  layer.set_weights(weights)
