"""The settings of a contribution-score run (no framework imported).

`ExplainConfig` holds one method's settings, each validated once
(`madlab_dream.settings`); a bad value is a `ConfigError` naming the flag
(one line, exit status 2).
"""

from __future__ import annotations

import dataclasses

from madlab_dream.explain import methods
from madlab_dream.settings import Settings
from madlab_dream.settings import check
from madlab_dream.settings import choice
from madlab_dream.settings import positive_whole_number
from madlab_dream.settings import setting

#: The attribution methods' names (`explain.methods.METHODS`).
METHODS = tuple(methods.METHODS)
BASELINES = ("zero", "shuffle")
SHUFFLE_REGIONS = ("dream", "all")
#: Path points per method when `steps` is not given (chosen by measurement
#: on MadLab-size models trained on simulated data, docs/explain.md:
#: integrated gradients from the all-N baseline, 100 sequences, on the
#: better-trained model (validation r 0.800) complete within 1 % for every
#: sequence at 200 midpoint steps, 94 % at 100, 68 % at 50).
DEFAULT_STEPS = {"integrated_gradients": 200, "expected_gradients": 25}
#: Path integrals (`gradients.path_nodes`).
QUADRATURES = ("midpoint", "gauss_legendre")
#: Methods whose contributions come from paths of gradients (IG, EG).
PATH_METHODS = tuple(name for name, method in methods.METHODS.items()
                     if method.path)


@dataclasses.dataclass(frozen=True)
class ExplainConfig(Settings):
  """How contribution scores are computed.

  method: one of METHODS.
  references: dinucleotide-shuffled references per sequence
    (expected_gradients).
  steps: points of the straight path from a reference to the sequence
    (integrated_gradients and expected_gradients); None: DEFAULT_STEPS of
    the method.
  quadrature: how those points and their weights are placed: "midpoint"
    (Riemann midpoint rule) or "gauss_legendre" (`gradients.path_nodes`).
  baseline: integrated_gradients' reference: "zero" (all-N, a zero
    one-hot) or "shuffle" (one dinucleotide shuffle of the sequence).
  correct: remove the per-position mean over the four bases from the
    gradients before they become hypothetical contributions (Majdandzic
    et al. 2023; `attribution` says what that changes per method).
  shuffle_region: the part of each sequence a shuffle changes: "dream"
    (between the constant flanks of a DREAM construct, when it has them)
    or "all".
  seed: seed of the shuffles (sequence i draws from [seed, i]).
  batch_size: model rows (gradient or forward evaluations) per call (a
    gradient keeps its batch's activations: with the MadLab model about
    0.65 GB at 256 rows, 1.9 GB at 1,024).
  """
  method: str = setting("expected_gradients", methods.help_text(),
                        choices=METHODS)
  references: int = setting(
      20, "Dinucleotide-shuffled references per sequence "
      "(expected_gradients).")
  steps: int | None = setting(
      None, "Points on the path from a reference to the sequence "
      "(integrated_gradients, expected_gradients; default "
      + ", ".join(f"{k} {v}" for k, v in DEFAULT_STEPS.items()) + ").")
  quadrature: str = setting(
      "midpoint", "How the path's points are placed: midpoint (the Riemann "
      "midpoint rule) or gauss_legendre (Gauss-Legendre nodes and "
      "weights).", choices=QUADRATURES)
  baseline: str = setting(
      "zero",
      "integrated_gradients' baseline: zero (all-N, a zero one-hot) or "
      "shuffle (one dinucleotide shuffle of the sequence).",
      choices=BASELINES)
  correct: bool = setting(
      True,
      "Remove the per-position mean over the four bases from the "
      "gradients (Majdandzic et al. 2023); --nocorrect keeps integrated "
      "gradients' completeness exact for every baseline.")
  shuffle_region: str = setting(
      "dream",
      "What a shuffle changes: dream (only the variable region between "
      "the constant flanks of a DREAM construct, when it has them) or "
      "all (the whole sequence after its N padding).",
      choices=SHUFFLE_REGIONS)
  seed: int = setting(
      0, "Seed of the shuffled references (sequence i draws from [seed, "
      "i]).")
  batch_size: int = setting(256, flag="eval_batch_size")

  def __post_init__(self):
    choice("method", self.method, tuple(methods.METHODS))
    if self.steps is None:  # frozen: set once, before any check reads it
      object.__setattr__(self, "steps", DEFAULT_STEPS.get(self.method, 25))
    choice("baseline", self.baseline, BASELINES)
    choice("quadrature", self.quadrature, QUADRATURES)
    choice("shuffle_region", self.shuffle_region, SHUFFLE_REGIONS)
    for name in ("references", "steps"):
      positive_whole_number(name, getattr(self, name))
    positive_whole_number("eval_batch_size", self.batch_size)
    check(isinstance(self.seed, int) and not isinstance(self.seed, bool),
          "seed", self.seed, "must be a whole number")

  @property
  def gradient_evaluations(self) -> int:
    """Forward + input-gradient evaluations per sequence (ISM: forward
    passes per 110-nt sequence)."""
    return methods.METHODS[self.method].evaluations(self)
