"""The attribution methods, each declared once: its scores, its cost, its
contributions, whether it walks paths, whether the explain proof runs it.

`METHODS` is the registry that `ExplainConfig` (the names, the --method
flag and its help, `gradient_evaluations`), `attribution.explain_codes`
and the proof (`tools/explain_demo`) read: a new method is one `Method`
here (and its test). What each method computes: `explain/attribution.py`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from madlab_dream.explain import shuffle
from madlab_dream.explain.gradients import one_hot

if TYPE_CHECKING:
  from madlab_dream.explain.gradients import GradientModel
  from madlab_dream.explain.settings import ExplainConfig


@dataclasses.dataclass(frozen=True)
class Method:
  """One attribution method.

  name: the --method value.
  scores: (engine, codes [N, L], config, first_index) -> {"hypothetical"
    [N, L, 4], "prediction" [N], "baseline_prediction" [N]}.
  evaluations: config -> gradient (or forward) evaluations per sequence.
  note: what --method's help says of it (after its name), if anything.
  contributions: (one_hot, hypothetical) -> the contributions.
  path: it integrates gradients along paths from references (IG, EG).
  proved: the explain proof (`make explain-demo`) runs it.
  """
  name: str
  scores: Callable[..., dict]
  evaluations: Callable[[ExplainConfig], int]
  note: str = ""
  contributions: Callable[[np.ndarray, np.ndarray], np.ndarray] = (
      lambda x, hyp: x * hyp)
  path: bool = False
  proved: bool = True


def _mean_removed(h: np.ndarray) -> np.ndarray:
  return h - h.mean(axis=-1, keepdims=True)


def _corrected(grad: np.ndarray, config: ExplainConfig) -> np.ndarray:
  return _mean_removed(grad) if config.correct else grad


def _gradient_scores(engine: GradientModel, codes: np.ndarray,
                     config: ExplainConfig, first_index: int) -> dict:
  x = one_hot(codes)
  pred, grad = engine.gradients(x)
  return {"hypothetical": _corrected(grad, config), "prediction": pred,
          "baseline_prediction": np.full(len(x), np.nan, np.float32)}


def _references(codes: np.ndarray, config: ExplainConfig,
                first_index: int) -> np.ndarray:
  """float32 [N, R, L, 4]: the baselines of IG or EG."""
  if config.method == "integrated_gradients" and config.baseline == "zero":
    return np.zeros((len(codes), 1, codes.shape[1], 4), np.float32)
  count = (1 if config.method == "integrated_gradients"
           else config.references)
  return one_hot(shuffle.dinucleotide_shuffle(
      codes, count, config.seed, config.shuffle_region, first_index))


def _path_scores(engine: GradientModel, codes: np.ndarray,
                 config: ExplainConfig, first_index: int) -> dict:
  refs = _references(codes, config, first_index)        # [N, R, L, 4]
  n, count = refs.shape[:2]
  x = one_hot(codes)
  pairs_x = np.repeat(x, count, axis=0)                  # [N R, L, 4]
  pairs_ref = refs.reshape(n * count, *x.shape[1:])
  grad = _corrected(engine.path_gradients(pairs_x, pairs_ref, config.steps,
                                          config.quadrature),
                    config)
  hyp = grad - (grad * pairs_ref).sum(axis=-1, keepdims=True)
  hyp = hyp.reshape(n, count, *x.shape[1:]).mean(axis=1)
  base = engine.predict(pairs_ref).reshape(n, count).mean(axis=1)
  return {"hypothetical": hyp.astype(np.float32),
          "prediction": engine.predict(x),
          "baseline_prediction": base.astype(np.float32)}


def _ism_scores(engine: GradientModel, codes: np.ndarray,
                config: ExplainConfig, first_index: int) -> dict:
  # Imported when used: it imports pandas (slow to import).
  from madlab_dream.inference.variants import snv_codes
  codes = np.asarray(codes, np.uint8)
  n = len(codes)
  padding = shuffle.shuffle_regions(codes, "all")[0]
  mutants, row, position, alt = snv_codes(codes, padding)
  pred = engine.predict(one_hot(np.concatenate([codes, mutants])))
  reference, effect = pred[:n], pred[n:]
  hyp = np.broadcast_to(reference[:, None, None],
                        (n, codes.shape[1], 4)).copy()
  hyp[row, position, alt] = effect
  mutated = np.arange(codes.shape[1])[None, :] >= padding[:, None]
  hyp = np.where(mutated[:, :, None], _mean_removed(hyp), 0.0)
  return {"hypothetical": hyp.astype(np.float32), "prediction": reference,
          "baseline_prediction": np.full(n, np.nan, np.float32)}


def _max_abs(x: np.ndarray, hyp: np.ndarray) -> np.ndarray:
  """Saliency's contribution: the position's max |h| on the observed base."""
  return x * np.abs(hyp).max(axis=-1, keepdims=True)


#: Forward passes per sequence of ISM on a 110-nt sequence: the reference
#: and three variants per position.
_ISM_PASSES = 1 + 3 * 110

METHODS: dict[str, Method] = {method.name: method for method in (
    Method("saliency", _gradient_scores, lambda config: 1,
           contributions=_max_abs),
    Method("input_x_gradient", _gradient_scores, lambda config: 1),
    Method("integrated_gradients", _path_scores,
           lambda config: config.steps, path=True),
    Method("expected_gradients", _path_scores,
           lambda config: config.references * config.steps,
           note="integrated gradients averaged over dinucleotide-shuffled "
           "references", path=True),
    Method("ism", _ism_scores, lambda config: _ISM_PASSES,
           note="saturation mutagenesis"),
)}


def help_text() -> str:
  """--method's help: every method, with its note."""
  named = [f"{m.name} ({m.note})" if m.note else m.name
           for m in METHODS.values()]
  return (f"Contribution scores: {', '.join(named[:-1])} or {named[-1]}.")
