"""NumPy stand-ins for trained models in the design tests (no TensorFlow)."""

import numpy as np

from madlab_dream.inference.ensemble import Ensemble


class FakePredictor:
  """predict_codes = weights[code] summed over the window (+ offset); a run
  of `explode_run` or more A's predicts 1e7 (like a swish BiLSTM)."""

  def __init__(self, seed=0, seq_len=110, trained_range=None,
               explode_run=None, offset=10.0, path=None):
    rng = np.random.default_rng(seed)
    self.weights = rng.normal(0, 0.1, (seq_len, 5))
    self.weights[:, 4] = 0.0
    self.seq_len = seq_len
    self.trained_range = trained_range
    self.explode_run = explode_run
    self.offset = offset
    self.path = path or f"fake_{seed}"
    self.batch_size = 4096
    self.calls = 0

  @property
  def trusted_range(self):
    from madlab_dream.inference.predictor import trusted_range
    return trusted_range(self.trained_range)

  def predict_codes(self, codes):
    self.calls += 1
    codes = np.asarray(codes)
    out = self.offset + self.weights[np.arange(self.seq_len), codes].sum(1)
    if self.explode_run:
      a = (codes == 0).astype(np.int64)
      run = np.zeros(len(codes), np.int64)
      cur = np.zeros(len(codes), np.int64)
      for j in range(codes.shape[1]):
        cur = (cur + 1) * a[:, j]
        run = np.maximum(run, cur)
      out = np.where(run >= self.explode_run, 1e7, out)
    return out.astype(np.float32)


def ensemble(*predictors):
  return Ensemble(list(predictors), [p.path for p in predictors])
