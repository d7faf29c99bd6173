"""What a design optimises, and the guard that keeps it trustworthy.

An `Objective` turns the models' predictions of candidates [M, N] into one
score per candidate, to maximise; each kind is declared once in `KINDS`:

  max     mean - penalty_sd * sd
  min     -(mean + penalty_sd * sd)
  target  -|mean - target_value| - penalty_sd * sd

where mean and sd are over the M models (sd = 0 for one model). The guard:
a model is trusted only inside its trained range widened by one training
sd (`Predictor.trusted_range`). The mean saturates at the edge of that
range (a prediction beyond it scores as the edge), and a candidate that any
model predicts outside its range, or whose prediction is not finite, scores
-inf: it is never selected, so a design cannot win by driving a model into
values it never saw (a swish BiLSTM can explode to 10^7 on some
sequences). `Scorer` counts the candidates the guard stopped.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any
from typing import Callable
from typing import Sequence

import numpy as np


@dataclasses.dataclass(frozen=True)
class Kind:
  """One kind of objective, declared once: `KINDS` is the registry that
  `Objective`, `DesignOptions` (the --objective flag and its help), the
  designer, the outputs and the design proof read.

  name: the --objective value.
  score: (mean saturated at the trusted range, the sd penalty, the target
    value or None) -> the score to maximise.
  help: what it optimises, for --objective's help.
  needs_target: it needs --target_value (and only it takes one).
  plotted_edge: the trusted range's edge the trajectory plot marks (0: the
    low one, 1: the high one).
  proved: the design proof (`make design-demo`) runs it.
  """
  name: str
  score: Callable[[np.ndarray, Any, float | None], np.ndarray]
  help: str
  needs_target: bool = False
  plotted_edge: int = 0
  proved: bool = True


KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("max", lambda mean, penalty, target: mean - penalty,
         "the highest predicted expression", plotted_edge=1),
    Kind("min", lambda mean, penalty, target: -(mean + penalty),
         "the lowest"),
    Kind("target",
         lambda mean, penalty, target: -np.abs(mean - target) - penalty,
         "the closest to --target_value", needs_target=True),
)}
#: The objectives' names (the --objective values).
OBJECTIVES = tuple(KINDS)


def help_text() -> str:
  """--objective's help: every kind, with what it optimises."""
  named = [f"{kind.name} ({kind.help})" for kind in KINDS.values()]
  return f"Designs toward {', '.join(named[:-1])} or {named[-1]}."


@dataclasses.dataclass(frozen=True)
class Objective:
  """A design objective over several models' predictions.

  Attributes:
    kind: a name of `KINDS` ("max", "min", "target").
    target_value: the expression to reach (kind "target").
    penalty_sd: lambda of the sd penalty (0: none).
    member_ranges: per model, its trusted (low, high) or None (unguarded).
  """
  kind: str = "max"
  target_value: float | None = None
  penalty_sd: float = 0.0
  member_ranges: tuple = ()

  def __post_init__(self):
    if self.kind not in KINDS:
      raise ValueError(f"objective must be one of {tuple(KINDS)}, got "
                       f"{self.kind!r}")
    if KINDS[self.kind].needs_target != (self.target_value is not None):
      raise ValueError("target_value is needed for, and only for, the "
                       "target objective")
    if not self.penalty_sd >= 0:
      raise ValueError(f"penalty_sd must be >= 0, got {self.penalty_sd}")

  @property
  def guarded(self) -> bool:
    return any(r is not None for r in self.member_ranges)

  @property
  def saturation(self) -> tuple[float, float]:
    """(low, high) at which the mean saturates: the intersection of the
    known members' trusted ranges; (-inf, inf) when unguarded."""
    known = [r for r in self.member_ranges if r is not None]
    if not known:
      return (-np.inf, np.inf)
    return (max(r[0] for r in known), min(r[1] for r in known))

  def in_range(self, members: np.ndarray) -> np.ndarray:
    """bool [N]: every guarded model predicts within its trusted range and
    every prediction is finite."""
    members = np.asarray(members, np.float64)
    ok = np.isfinite(members).all(axis=0)
    for m, r in enumerate(self.member_ranges):
      if r is not None:
        ok &= (members[m] >= r[0]) & (members[m] <= r[1])
    return ok

  def score(self, members: np.ndarray) -> dict:
    """{"score", "mean", "sd", "in_range"} for predictions [M, N]."""
    members = np.asarray(members, np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
      mean, sd = members.mean(axis=0), members.std(axis=0)
      low, high = self.saturation
      m = np.clip(mean, low, high)
      penalty = self.penalty_sd * sd if self.penalty_sd else 0.0
      score = KINDS[self.kind].score(m, penalty, self.target_value)
    ok = self.in_range(members)
    return {"score": np.where(ok, score, -np.inf), "mean": mean, "sd": sd,
            "in_range": ok}


class Scorer:
  """Scores candidate codes with an ensemble under an objective, counting.

  Attributes:
    evaluations: candidates scored so far (each by every model).
    guard_hits: of those, candidates outside a trusted range or not finite.
    model_seconds: time spent in the models' predictions.
  """

  def __init__(self, ensemble, objective: Objective):
    self.ensemble = ensemble
    self.objective = objective
    self.evaluations = 0
    self.guard_hits = 0
    self.model_seconds = 0.0

  def __call__(self, codes: np.ndarray) -> dict:
    """{"score", "mean", "sd", "in_range", "members" [M, N]} for codes."""
    t0 = time.perf_counter()
    members = self.ensemble.predict_members(codes)
    self.model_seconds += time.perf_counter() - t0
    out = self.objective.score(members)
    out["members"] = members
    self.evaluations += len(codes)
    self.guard_hits += int((~out["in_range"]).sum())
    return out


def guard_line(objective: Objective, scorer: Scorer,
               names: Sequence[str]) -> str:
  """One line: how many candidates the guard stopped, and its range."""
  if not objective.guarded:
    return (f"guard: off (unguarded); {scorer.guard_hits:,} of "
            f"{scorer.evaluations:,} candidates had non-finite predictions "
            "(never selected)")
  low, high = objective.saturation
  return (f"guard: {scorer.guard_hits:,} of {scorer.evaluations:,} "
          f"candidates outside the trusted range [{low:.4g}, {high:.4g}] "
          "(the trained range widened by one training sd), never selected")
