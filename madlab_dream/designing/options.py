"""The settings of a design run, checked once (flag names = field names)."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from madlab_dream.config import ConfigError
from madlab_dream.designing.evolve import GeneticConfig
from madlab_dream.designing.objective import OBJECTIVES
from madlab_dream.io.sequences import FLANK3
from madlab_dream.io.sequences import FLANK5

METHODS = ("greedy", "evolve")
DEFAULT_DESIGNS = 100


@dataclasses.dataclass(frozen=True)
class DesignOptions:
  """Everything `design` is told besides the models and the starts.

  Attributes (the flags of `python -m madlab_dream.design`):
    objective, method: see OBJECTIVES and METHODS.
    target_value: expression to reach (objective "target").
    num_designs: designs to return (random starts: default 100; --start:
      default one per start).
    rounds: greedy rounds (one edit each at most).
    beam: greedy beam width.
    max_edits: largest Hamming distance from the start (None: any).
    min_distance: smallest Hamming distance between designs (0: any).
    penalty_sd: lambda of mean -/+ lambda x sd over the models.
    protect: (start, end) ranges never changed (1-based, inclusive).
    flank_5p, flank_3p: constant flank lengths never changed.
    seed: random starts and the genetic algorithm's draws.
    population ... tournament: the genetic algorithm (`GeneticConfig`).
    trained_range: (min, max, sd) of the training targets, for models whose
      metadata lacks it (it then applies to every model); None: their own.
  """
  objective: str = "max"
  method: str = "greedy"
  target_value: float | None = None
  num_designs: int | None = None
  rounds: int = 10
  beam: int = 1
  max_edits: int | None = None
  min_distance: int = 0
  penalty_sd: float = 0.0
  protect: tuple = ()
  flank_5p: int = len(FLANK5)
  flank_3p: int = len(FLANK3)
  seed: int = 0
  population: int = GeneticConfig.population
  generations: int = GeneticConfig.generations
  crossover: float = GeneticConfig.crossover
  mutation: float = GeneticConfig.mutation
  mutation_rate: float = GeneticConfig.mutation_rate
  tournament: int = GeneticConfig.tournament
  trained_range: tuple | None = None

  def __post_init__(self):
    _need(self.objective in OBJECTIVES, "objective", self.objective,
          f"must be one of {', '.join(OBJECTIVES)}")
    _need(self.method in METHODS, "method", self.method,
          f"must be one of {', '.join(METHODS)}")
    if self.objective == "target":
      _need(self.target_value is not None, "objective", self.objective,
            "needs --target_value=X (expression scale)")
      _need(math.isfinite(self.target_value), "target_value",
            self.target_value, "must be finite")
    else:
      _need(self.target_value is None, "target_value", self.target_value,
            f"only for --objective=target (not {self.objective})")
    for name, low in (("num_designs", 1), ("rounds", 1), ("beam", 1),
                      ("max_edits", 1), ("min_distance", 0), ("flank_5p", 0),
                      ("flank_3p", 0)):
      value = getattr(self, name)
      _need(value is None or value >= low, name, value,
            f"must be at least {low}")
    _need(math.isfinite(self.penalty_sd) and self.penalty_sd >= 0,
          "penalty_sd", self.penalty_sd, "must be >= 0")
    if self.trained_range is not None:
      low, high, sd = self.trained_range
      _need(low <= high and sd >= 0, "trained_range",
            self.trained_range, "needs MIN <= MAX and SD >= 0")
    try:
      self.genetic()
    except ValueError as e:
      raise ConfigError("population", self.population, str(e)) from None
    if self.method == "evolve" and self.num_designs:
      _need(self.num_designs <= self.population, "num_designs",
            self.num_designs, f"cannot exceed --population="
            f"{self.population}")

  def genetic(self) -> GeneticConfig:
    return GeneticConfig(self.population, self.generations, self.crossover,
                         self.mutation, self.mutation_rate, self.tournament)

  def replace(self, **changes: Any) -> "DesignOptions":
    return dataclasses.replace(self, **changes)

  def to_dict(self) -> dict[str, Any]:
    return dataclasses.asdict(self)


def _need(condition: bool, name: str, value: Any, problem: str) -> None:
  if not condition:
    raise ConfigError(name, value, problem)
