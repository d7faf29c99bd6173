"""`design(models, starts, objective=..., method=..., **options)`.

Puts the pieces together: the models (an `Ensemble`), the starts and what
may change (`starts`), the objective and its guard (`objective`), the
search (`greedy` or `evolve`), and the designs as a table in design order
with the per-round trajectory. Messages (progress, the length policy, the
guard) go to `log` (None: silent).
"""

from __future__ import annotations

import dataclasses
import os
import time
from typing import Callable
from typing import Sequence

import numpy as np
import pandas as pd

from madlab_dream.designing import starts as starts_lib
from madlab_dream.designing.evolve import evolve
from madlab_dream.designing.greedy import greedy
from madlab_dream.designing.objective import KINDS
from madlab_dream.designing.objective import Objective
from madlab_dream.designing.objective import Scorer
from madlab_dream.designing.objective import guard_line
from madlab_dream.designing.options import DEFAULT_DESIGNS
from madlab_dream.designing.options import DesignOptions
from madlab_dream.errors import InputError
from madlab_dream.inference.ensemble import Ensemble
from madlab_dream.inference.predictor import Predictor
from madlab_dream.io import sequences


@dataclasses.dataclass
class DesignResult:
  """table: one row per design (design order); trajectory: one row per
  round / generation; summary: counts, timings, guard and notes."""
  table: pd.DataFrame
  trajectory: pd.DataFrame
  summary: dict


def as_ensemble(models, batch_size: int = 4096) -> Ensemble:
  """An Ensemble from an Ensemble, a Predictor, a path or a list of them."""
  if isinstance(models, Ensemble):
    return models
  if isinstance(models, (str, os.PathLike, Predictor)):
    models = [models]
  if all(isinstance(m, Predictor) for m in models):
    return Ensemble(models)
  return Ensemble.from_paths([os.fspath(m) for m in models], batch_size)


def design(models, starts=None, objective: str = "max",
           method: str = "greedy", log: Callable[[str], None] | None = print,
           batch_size: int = 4096, **options) -> DesignResult:
  """Designs sequences with trained models.

  Args:
    models: run or SavedModel directories, Predictors, or an Ensemble.
    starts: None (random 80-nt regions between the DREAM flanks, seeded),
      a list of sequences, or a file of them (any format `predict` reads).
    objective: "max", "min" or "target" (with target_value=...).
    method: "greedy" or "evolve".
    log: where progress and notes go (None: silent).
    batch_size: sequences per model call (when paths are given).
    **options: `DesignOptions` fields (rounds, beam, max_edits,
      min_distance, penalty_sd, protect, seed, population, ...).

  Returns:
    A DesignResult.
  """
  opts = DesignOptions(objective=objective, method=method, **options)
  ensemble = as_ensemble(models, batch_size)
  if isinstance(starts, (str, os.PathLike)):
    path = os.fspath(starts)
    return run_design(ensemble, starts_lib.read_starts(path,
                                                       ensemble.seq_len),
                      opts, log, source=path)
  return run_design(ensemble, starts, opts, log)


def member_ranges(ensemble: Ensemble, opts: DesignOptions,
                  log: Callable[[str], None]) -> tuple[list, list]:
  """(trusted ranges, trained (min, max) ranges) per member; says once
  which members run unguarded."""
  if opts.trained_range is not None:
    low, high, sd = opts.trained_range
    n = len(ensemble)
    return [(low - sd, high + sd)] * n, [(low, high)] * n
  trusted = ensemble.trusted_ranges()
  trained = []
  for m, r in zip(ensemble.members, trusted):
    raw = m.trained_range
    if raw is not None and "min" not in raw and len(raw) == 1:
      raw = next(iter(raw.values()))
    trained.append(None if r is None or raw is None
                   else (raw["min"], raw["max"]))
  unknown = [name for name, r in zip(ensemble.names, trusted) if r is None]
  if unknown:
    what = ("the design runs unguarded" if len(unknown) == len(trusted)
            else "those models are unguarded")
    log(f"no trained range known for {', '.join(unknown)} (the model's "
        "metadata does not record one; --trained_range=MIN,MAX,SD sets it): "
        f"{what}")
  return trusted, trained


def _check_target(opts: DesignOptions, trained: list, log) -> None:
  if not KINDS[opts.objective].needs_target:
    return
  for r in trained:
    if r is not None and not r[0] <= opts.target_value <= r[1]:
      log(f"warning: --target_value={opts.target_value:g} is outside the "
          f"training targets' range [{r[0]:.4g}, {r[1]:.4g}]: the models "
          "never saw such a value; designing toward it anyway")
      return


def _starts(texts: Sequence[str] | None, ensemble: Ensemble,
            opts: DesignOptions, source: str) -> tuple[starts_lib.Starts, int]:
  """(the prepared starts, the number of designs)."""
  if texts is None:
    count = opts.num_designs or DEFAULT_DESIGNS
    n = opts.population if opts.method == "evolve" else count
    texts, source = starts_lib.random_regions(n, opts.seed), (
        f"random 80-nt regions between the DREAM flanks (seed {opts.seed})")
  else:
    texts = [str(t).strip().upper() for t in texts]
    if not texts:
      raise InputError("no start sequences", source)
    count = opts.num_designs or len(texts)
    if opts.method == "evolve" and len(texts) > opts.population:
      raise InputError(f"{len(texts):,} start sequences but --population="
                       f"{opts.population:,}: the population must hold every "
                       "start", source)
    if opts.method == "greedy":
      if count > len(texts):
        raise InputError(f"--num_designs={count} but only {len(texts):,} "
                         "start sequences (greedy designs one per start)",
                         source)
      texts = texts[:count]
    for i, t in enumerate(texts):
      sequences.encode([t], 1, source, i + 1)  # alphabet check, named
  prepared = starts_lib.prepare(texts, ensemble.seq_len, opts.flank_5p,
                                opts.flank_3p, opts.protect, source)
  return prepared, count


def run_design(ensemble: Ensemble, texts: Sequence[str] | None,
               opts: DesignOptions, log: Callable[[str], None] | None = None,
               source: str = "starts") -> DesignResult:
  """`design` with its arguments resolved (see `design`)."""
  log = log or (lambda line: None)
  t0 = time.perf_counter()
  starts, count = _starts(texts, ensemble, opts, source)
  for note in starts.notes:
    log(note)
  trusted, trained = member_ranges(ensemble, opts, log)
  _check_target(opts, trained, log)
  objective = Objective(opts.objective, opts.target_value, opts.penalty_sd,
                        tuple(trusted))
  scorer = Scorer(ensemble, objective)
  log(f"designing {count:,} sequence(s) from {starts.source}: objective "
      f"{_describe(opts)}, {_method(opts)}, {len(ensemble)} model(s)")
  if opts.method == "greedy":
    designs, trajectory = greedy(scorer, starts, opts.rounds, opts.beam,
                                 opts.max_edits, opts.min_distance, log)
  else:
    designs, trajectory = evolve(scorer, starts, opts.genetic(), count,
                                 opts.seed, opts.max_edits,
                                 opts.min_distance, log)
  table = design_table(designs, starts, ensemble.names)
  guard = guard_line(objective, scorer, ensemble.names)
  log(guard)
  outside = int((~designs.in_range).sum())
  summary = {"objective": opts.objective, "method": opts.method,
             "designs": len(table), "models": list(ensemble.names),
             "evaluations": scorer.evaluations,
             "guard_hits": scorer.guard_hits, "guarded": objective.guarded,
             "trusted_range": list(objective.saturation)
             if objective.guarded else None,
             "designs_outside_trusted_range": outside, "guard": guard,
             "notes": list(starts.notes), "options": opts.to_dict(),
             "model_seconds": round(scorer.model_seconds, 2),
             "seconds": round(time.perf_counter() - t0, 2)}
  if objective.guarded:
    why = (" (their starts were already; no edit brought them inside)"
           if outside else "")
    log(f"{outside:,} of {len(table):,} designs outside the trusted range"
        f"{why}")
  return DesignResult(table, pd.DataFrame(trajectory), summary)


def _method(opts: DesignOptions) -> str:
  if opts.method == "greedy":
    return f"greedy ({opts.rounds} rounds at most, beam {opts.beam})"
  return (f"evolve (population {opts.population:,}, {opts.generations} "
          "generations)")


def _describe(opts: DesignOptions) -> str:
  what = opts.objective + (f" {opts.target_value:g}"
                           if KINDS[opts.objective].needs_target else "")
  if opts.penalty_sd:
    what += f" with sd penalty {opts.penalty_sd:g}"
  return what


def design_table(designs, starts: starts_lib.Starts,
                 names: Sequence[str]) -> pd.DataFrame:
  """design_id, sequence, start_sequence, edits, prediction, prediction_sd,
  one column per model, changes (POSITION:REF>ALT, 1-based in the start)."""
  rows = designs.design
  table = pd.DataFrame({
      "design_id": np.arange(1, len(rows) + 1),
      "sequence": starts.to_text(designs.codes, rows),
      "start_sequence": [starts.texts[r] for r in rows],
      "edits": designs.edits, "prediction": designs.mean,
      "prediction_sd": designs.sd})
  for name, values in zip(names, designs.members):
    table[name] = values
  table["changes"] = [changes(s, d) for s, d in
                      zip(table["start_sequence"], table["sequence"])]
  return table


def changes(start: str, designed: str) -> str:
  """'12:A>G,40:T>C' (1-based positions), '' when equal."""
  return ",".join(f"{i + 1}:{a}>{b}" for i, (a, b) in
                  enumerate(zip(start, designed)) if a != b)
