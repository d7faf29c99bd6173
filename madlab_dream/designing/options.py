"""The settings of a design run, checked once (flag names = field names)."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from madlab_dream.designing import objective as objective_lib
from madlab_dream.designing.evolve import GeneticConfig
from madlab_dream.designing.objective import OBJECTIVES
from madlab_dream.io.sequences import FLANK3
from madlab_dream.io.sequences import FLANK5
from madlab_dream.settings import Settings
from madlab_dream.settings import check
from madlab_dream.settings import setting

METHODS = ("greedy", "evolve")
DEFAULT_DESIGNS = 100


@dataclasses.dataclass(frozen=True)
class DesignOptions(Settings):
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
  objective: str = setting("max", objective_lib.help_text(),
                           choices=OBJECTIVES)
  method: str = setting(
      "greedy",
      "greedy: each round the best single-nucleotide edit of every design "
      "(all variants scored); evolve: Vaishnav et al.'s genetic algorithm.",
      choices=METHODS)
  target_value: float | None = setting(
      None,
      "The expression to reach (expression scale) for --objective=target.")
  num_designs: int | None = setting(
      None, f"Designs to write (default {DEFAULT_DESIGNS} from random "
      "starts; with --start, one per start sequence).")
  rounds: int = setting(
      10, "Greedy rounds (at most one edit per design each).")
  beam: int = setting(1, "Greedy beam width.")
  max_edits: int | None = setting(
      None, "Largest Hamming distance of a design from its start.")
  min_distance: int = setting(
      0, "Smallest Hamming distance between two designs (0: no floor).")
  penalty_sd: float = setting(
      0.0,
      "With several --model: optimise mean - penalty_sd x sd (mean + "
      "penalty_sd x sd for min), so designs do not exploit one model's "
      "errors.")
  protect: tuple = setting(
      (),
      "START:END (1-based, inclusive, in the start sequence) never "
      "changed; repeatable.", flag_type="multi_string")
  flank_5p: int = setting(
      len(FLANK5), "Constant 5' flank length, never changed (DREAM: 17).")
  flank_3p: int = setting(
      len(FLANK3), "Constant 3' flank length, never changed (DREAM: 13).")
  seed: int = setting(
      0, "Seed of the random starts and of the genetic algorithm.")
  population: int = setting(
      GeneticConfig.population,
      "Genetic algorithm: population (Vaishnav et al.: 100,000).")
  generations: int = setting(
      GeneticConfig.generations, "Genetic algorithm: generations.")
  crossover: float = setting(
      GeneticConfig.crossover,
      "Genetic algorithm: two-point crossover probability of a pair.")
  mutation: float = setting(
      GeneticConfig.mutation,
      "Genetic algorithm: probability that an individual mutates.")
  mutation_rate: float = setting(
      GeneticConfig.mutation_rate,
      "Genetic algorithm: per-position mutation probability.")
  tournament: int = setting(
      GeneticConfig.tournament,
      "Genetic algorithm: tournament size of the selection.")
  trained_range: tuple | None = setting(
      None,
      "MIN,MAX,SD of the training targets (expression scale), for models "
      "whose metadata does not record them (applies to every model): the "
      "guard trusts predictions within [MIN - SD, MAX + SD].",
      flag_type="list")

  def __post_init__(self):
    kinds = objective_lib.KINDS
    check(self.objective in kinds, "objective", self.objective,
          f"must be one of {', '.join(kinds)}")
    check(self.method in METHODS, "method", self.method,
          f"must be one of {', '.join(METHODS)}")
    if kinds[self.objective].needs_target:
      check(self.target_value is not None, "objective", self.objective,
            "needs --target_value=X (expression scale)")
      check(math.isfinite(self.target_value), "target_value",
            self.target_value, "must be finite")
    else:
      check(self.target_value is None, "target_value", self.target_value,
            f"only for --objective=target (not {self.objective})")
    for name, low in (("num_designs", 1), ("rounds", 1), ("beam", 1),
                      ("max_edits", 1), ("min_distance", 0), ("flank_5p", 0),
                      ("flank_3p", 0)):
      value = getattr(self, name)
      check(value is None or value >= low, name, value,
            f"must be at least {low}")
    check(math.isfinite(self.penalty_sd) and self.penalty_sd >= 0,
          "penalty_sd", self.penalty_sd, "must be >= 0")
    if self.trained_range is not None:
      low, high, sd = self.trained_range
      check(low <= high and sd >= 0, "trained_range",
            self.trained_range, "needs MIN <= MAX and SD >= 0")
    self.genetic()
    if self.method == "evolve" and self.num_designs:
      check(self.num_designs <= self.population, "num_designs",
            self.num_designs, f"cannot exceed --population="
            f"{self.population}")

  def genetic(self) -> GeneticConfig:
    return GeneticConfig(self.population, self.generations, self.crossover,
                         self.mutation, self.mutation_rate, self.tournament)

  def to_dict(self) -> dict[str, Any]:
    return dataclasses.asdict(self)

