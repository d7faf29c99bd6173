"""Contribution scores of a trained model, per base of each sequence.

The methods are declared in `explain/methods.py` (`METHODS`). Every method
returns *hypothetical* contributions h [N, L, 4] (what each of
the four bases would contribute at each position) and the contributions
`h x one_hot` (the observed base's), the layout TF-MoDISco reads:

  saliency            h = the gradient of the prediction w.r.t. the
                      one-hot input; the observed letter carries the
                      position's saliency, max over the bases of |h|
                      (Simonyan et al. 2014: a magnitude, unsigned)
  input_x_gradient    h = the gradient; contributions = h x one_hot
  integrated_gradients
                      the mean gradient g along the straight path from a
                      baseline b to the sequence x (`steps` points);
                      h[i, a] = g[i, a] - sum_c g[i, c] b[i, c], so the
                      contributions sum to f(x) - f(b) (completeness, up to
                      the path integral's error). Baseline: all-N (zero
                      one-hot) or one dinucleotide shuffle of the sequence
  expected_gradients  integrated gradients averaged over `references`
                      dinucleotide-shuffled references (the 80-nt variable
                      region only, for DREAM constructs): DeepSHAP-like;
                      the contributions sum to f(x) - mean f(references)
  ism                 saturation mutagenesis: h[i, a] = f(x with base a at
                      i) - mean over the four bases at i; the observed
                      base's contribution is f(x) minus the mean of the four

Correction (`correct`, Majdandzic et al. 2023): the per-position mean over
the four bases is removed from the gradient before it becomes a
hypothetical contribution: the gradient's component that leaves the simplex
of one-hot rows. For saliency, input x gradient and integrated gradients
from the zero baseline that is the per-position mean of h removed. With a
one-hot reference (a shuffle) the removed component cancels in x - b, so
expected gradients' contributions are unchanged by it except at N positions
(removing h's own mean there would discard the reference: the constant
flanks, the same in every reference, would get contributions). Check
completeness with `correct=False`: then the contributions of a sequence sum
to f(x) - f(b) up to the path integral's error.

All scores are on the scale of `prediction` (the expression scale for a run
directory); `baseline_prediction` is f(b) (IG), the mean of f(reference)
(EG), NaN for the others.

Completeness (IG and EG): `completeness` [N] is each sequence's relative
error |sum of contributions - (prediction - baseline_prediction)| /
max(|prediction - baseline_prediction|, COMPLETENESS_FLOOR x sd), sd the
output scale's (1 for a bare Keras model); NaN for the other methods. The
log gets its median and worst, and a warning line names every sequence
above COMPLETENESS_TOLERANCE (more steps fix it; the correction with the
zero baseline changes the sum by design).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable

import numpy as np

from madlab_dream.explain import run_model
from madlab_dream.explain.gradients import GradientModel
from madlab_dream.explain.gradients import one_hot
from madlab_dream.explain.methods import METHODS
from madlab_dream.explain.settings import ExplainConfig

#: Sequences per chunk (progress lines, memory: EG holds a chunk's
#: references x [L, 4] float32).
CHUNK_SEQUENCES = 256
OUTPUT_KEYS = ("one_hot", "hypothetical", "contributions", "prediction",
               "baseline_prediction", "completeness")
COMPLETENESS_TOLERANCE = 0.01
COMPLETENESS_FLOOR = 0.01
_NAMED = 20   # sequences named in the completeness warning


def completeness(contributions: np.ndarray, prediction: np.ndarray,
                 baseline_prediction: np.ndarray,
                 floor: float = 1e-12) -> np.ndarray:
  """float32 [N]: |sum of contributions [N, L, 4] - (prediction -
  baseline_prediction)| / max(|prediction - baseline_prediction|, floor)."""
  total = np.asarray(contributions, np.float64).sum(axis=(1, 2))
  delta = (np.asarray(prediction, np.float64) -
           np.asarray(baseline_prediction, np.float64))
  return (np.abs(total - delta) /
          np.maximum(np.abs(delta), floor)).astype(np.float32)


def completeness_lines(errors: np.ndarray, method: str,
                       tolerance: float = COMPLETENESS_TOLERANCE,
                       hint: str = "more --steps reduce it") -> list[str]:
  """The log's completeness lines: median and worst, and a warning naming
  the sequences (1-based) above `tolerance` (the first _NAMED of them),
  with `hint`."""
  errors = np.asarray(errors, np.float64)
  if not len(errors) or not np.isfinite(errors).any():
    return []
  worst = int(np.nanargmax(errors))
  lines = [f"{method}: completeness error |sum - (f(x) - f(baseline))| / "
           f"|f(x) - f(baseline)|: median {np.nanmedian(errors):.3%}, worst "
           f"{errors[worst]:.3%} (sequence {worst + 1}); "
           f"{np.mean(errors <= tolerance):.1%} within {tolerance:.0%}"]
  over = np.flatnonzero(errors > tolerance)
  if len(over):
    named = ", ".join(str(i + 1) for i in over[:_NAMED])
    more = f" and {len(over) - _NAMED:,} more" if len(over) > _NAMED else ""
    lines.append(f"warning: {len(over):,} sequence(s) above {tolerance:.0%} "
                 f"completeness error ({hint}): {named}"
                 f"{more}")
  return lines


def _finish(scores: dict, codes: np.ndarray, config: ExplainConfig,
            sd: float) -> dict:
  x = one_hot(codes)
  hyp = scores["hypothetical"]
  contrib = METHODS[config.method].contributions(x, hyp)
  if METHODS[config.method].path:
    gaps = completeness(contrib, scores["prediction"],
                        scores["baseline_prediction"],
                        COMPLETENESS_FLOOR * abs(sd))
  else:
    gaps = np.full(len(x), np.nan, np.float32)
  return {"one_hot": x, "hypothetical": hyp.astype(np.float32),
          "contributions": contrib.astype(np.float32),
          "prediction": scores["prediction"].astype(np.float32),
          "baseline_prediction":
              scores["baseline_prediction"].astype(np.float32),
          "completeness": gaps}


def explain_codes(engine: GradientModel, codes: np.ndarray,
                  config: ExplainConfig,
                  log: Callable[[str], None] | None = None) -> dict:
  """Contribution scores of codes uint8 [N, L] with `config`'s method.

  Sequences go through in chunks of CHUNK_SEQUENCES (a progress line each
  through `log`); sequence i's shuffles draw from [config.seed, i].

  Returns:
    {"one_hot" float32 [N, L, 4], "hypothetical" [N, L, 4],
    "contributions" [N, L, 4], "prediction" [N], "baseline_prediction"
    [N], "completeness" [N] (NaN except IG and EG)}; the completeness
    lines go to `log`, or the warning to `warnings.warn` without a log.
  """
  codes = np.asarray(codes, np.uint8)
  parts = []
  for start in range(0, len(codes), CHUNK_SEQUENCES):
    chunk = codes[start:start + CHUNK_SEQUENCES]
    scores = METHODS[config.method].scores(engine, chunk, config, start)
    parts.append(_finish(scores, chunk, config, getattr(engine, "sd", 1.0)))
    if log is not None:
      log(f"{config.method}: {start + len(chunk):,}/{len(codes):,} "
          "sequences")
  if not parts:
    return {key: np.zeros((0,) + ((codes.shape[1], 4) if key in OUTPUT_KEYS
                                  [:3] else ()), np.float32)
            for key in OUTPUT_KEYS}
  out = {key: np.concatenate([p[key] for p in parts]) for key in OUTPUT_KEYS}
  _report_completeness(out["completeness"], config, log)
  return out


def _report_completeness(errors: np.ndarray, config: ExplainConfig,
                         log: Callable[[str], None] | None) -> None:
  hint = "more --steps reduce it"
  if (config.method == "integrated_gradients" and config.baseline == "zero"
      and config.correct):
    hint = ("the correction changes the sum from the all-N baseline; "
            "--nocorrect to check completeness")
  lines = completeness_lines(errors, config.method, hint=hint)
  if log is not None:
    for line in lines:
      log(line)
  elif len(lines) > 1:
    warnings.warn(lines[1].removeprefix("warning: "), stacklevel=3)




def contributions(model, codes: np.ndarray,
                  method: str = "expected_gradients", **options) -> dict:
  """Contribution scores of `model` for codes uint8 [N, L] (the Python API).

  Args:
    model: a Keras model taking uint8 codes (its own output scale), or a
      training run directory / `.keras` file (the expression scale).
    codes: uint8 [N, L] (A, C, G, T, N = 0..4), e.g. from
      `madlab_dream.io.sequences.encode`.
    method: one of `settings.METHODS`.
    **options: `ExplainConfig` fields (references, steps, baseline,
      correct, shuffle_region, seed, batch_size), plus `mean` and `sd` to
      put a Keras model's output on another scale and `log`, a callable
      that takes progress lines.

  Returns:
    The arrays of `explain_codes`.
  """
  mean, sd = options.pop("mean", None), options.pop("sd", None)
  log = options.pop("log", None)
  config = ExplainConfig(method=method, **options)
  if isinstance(model, (str, bytes)) or hasattr(model, "__fspath__"):
    run = run_model.load(str(model))
    model, mean, sd = run.model, run.mean if mean is None else mean, (
        run.sd if sd is None else sd)
  engine = GradientModel(model, config.batch_size,
                         0.0 if mean is None else mean,
                         1.0 if sd is None else sd)
  return explain_codes(engine, codes, config, log)


def settings_record(config: ExplainConfig, engine: GradientModel) -> dict:
  """The settings as stored beside the arrays."""
  return {**dataclasses.asdict(config), "seq_len": engine.seq_len,
          "mean": engine.mean, "sd": engine.sd}
