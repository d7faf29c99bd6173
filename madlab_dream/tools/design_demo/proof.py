"""Do designs really work? The demo's models against the simulator's truth.

  python -m madlab_dream.design_demo --demo_dir=demo_output \
      [--ensemble_dir=DIR] [--ensemble_seeds=1,2] [--output_dir=DIR] \
      [--budget=14m] [--rounds=R] [--num_designs=100] [--penalty_sd=1]

reuses a finished demo (`python -m madlab_dream.demo`: its simulated data
and its trained run) and designs `--num_designs` sequences for max, min and
target (the training rows' median true activity), each with greedy and
evolve at equal candidate budgets, with the demo's model alone and with an
ensemble of it and models of other seeds trained with its recipe (its
flags.txt and the number of steps it ran, `--seed=N`; trained into
`--ensemble_dir` when missing, reused when present) optimising mean -
`--penalty_sd` x sd (no ensemble without `--ensemble_seeds`), every design
within `--max_edits` of its start when given. For every set of designs it reports the predicted and
the true (simulated, noiseless) activity, the gap, the percentile of the
true activity among the training rows' and the candidates the guard
stopped (the trusted range comes from the model's metadata or else from
the run's cache: the training targets' min, max and sd). Greedy rounds are
sized to `--budget` from the candidate speed measured at the start
(`--rounds` sets them); the genetic algorithm's population is sized to the
same budget. Writes proof.md and proof.json, and each set of designs under
`--output_dir`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np

from madlab_dream import machine
from madlab_dream.data.cache import load_cache
from madlab_dream.designing import outputs
from madlab_dream.designing.designer import run_design
from madlab_dream.designing.evolve import GeneticConfig
from madlab_dream.designing.objective import KINDS
from madlab_dream.designing.options import DesignOptions
from madlab_dream.errors import InputError
from madlab_dream.inference.ensemble import Ensemble
from madlab_dream.io import files
from madlab_dream.io import output_dirs
from madlab_dream.tools.design_demo import oracle
from madlab_dream.tools.simulator import grammar

#: The objectives the proof runs (the oracle knows a hit of each).
OBJECTIVES = tuple(name for name, kind in KINDS.items() if kind.proved)
METHODS = ("greedy", "evolve")
RESERVE_S = 40.0           # loading models, the oracle, writing, plots


def member_command(run_dir: str, seed: int, out: str) -> list[str]:
  """The training command of an ensemble member: `run_dir`'s recipe (its
  flags.txt and the steps it ran) with another seed."""
  with open(os.path.join(run_dir, "report.json")) as f:
    steps = json.load(f)["steps_run"]
  return [sys.executable, "-m", "madlab_dream.train",
          f"--flagfile={os.path.join(run_dir, 'flags.txt')}",
          f"--model_dir={out}", f"--seed={seed}", f"--max_steps={steps}",
          "--time_budget=", "--baseline_kmer=0", "--noprogress",
          "--noresume"]


def ensure_members(run_dir: str, ensemble_dir: str, seeds, log) -> list[str]:
  """Run directories of the extra members, trained where missing."""
  out = []
  for seed in seeds:
    member = os.path.join(ensemble_dir, f"seed_{seed}")
    if os.path.exists(os.path.join(member, "saved_model", "saved_model.pb")):
      log(f"ensemble member seed {seed}: reusing {member}")
    else:
      command = member_command(run_dir, seed, member)
      log(f"ensemble member seed {seed}: training\n$ {' '.join(command)}")
      if subprocess.run(command).returncode != 0:
        raise InputError(f"training the ensemble member of seed {seed} "
                         "failed", member)
    out.append(member)
  return out


def trained_range_of(run_dir: str, predictor) -> tuple[tuple, str]:
  """((min, max, sd), where from): the model's metadata, else its cache."""
  raw = predictor.trained_range
  if raw is not None and "min" in raw:
    return (raw["min"], raw["max"], raw["sd"]), "the model's metadata"
  cache = load_cache(os.path.join(run_dir, "cache"))
  if cache is None:
    raise InputError("no trained range: the model's metadata has none and "
                     "the run has no cache/", run_dir)
  y = cache.to_expression(np.asarray(cache.train_targets, np.float64))
  return ((float(y.min()), float(y.max()), float(y.std())),
          "the run's cache (training targets)")


def validation_pearson(run_dir: str) -> float | None:
  """The run's validation Pearson r (report.json), None if not there."""
  try:
    with open(os.path.join(run_dir, "report.json")) as f:
      return float(json.load(f)["validation"]["pearson"])
  except (OSError, ValueError, KeyError, TypeError):
    return None


def plan(speed: float, seconds: float, designs: int, mutable: int,
         model_passes: int) -> int:
  """Greedy rounds that fit `seconds` at `speed` model evaluations/s: each
  round of every case costs designs x 3 x mutable candidates per model,
  the genetic algorithm as much again."""
  per_round = designs * 3 * mutable * model_passes
  return max(1, int(seconds * speed / per_round))


def population_for(budget: int, mutable: int) -> int:
  """The population whose expected evaluations match `budget`."""
  per_individual = GeneticConfig(population=2).expected_evaluations(
      mutable) / 2
  return max(2, int(round(budget / per_individual)))


def run_cases(model_sets, base: DesignOptions, reference, target: float,
              output_dir: str, log) -> list[dict]:
  """Every (models, objective, method) case; its designs written under
  `output_dir`; returns the table rows."""
  rows = []
  for label, ensemble, penalty in model_sets:
    for objective in OBJECTIVES:
      for method in METHODS:
        opts = base.replace(objective=objective, method=method,
                            penalty_sd=penalty, target_value=(
                                target if KINDS[objective].needs_target
                                else None))
        log(f"\n== {label}: {objective}, {method}")
        result = run_design(ensemble, None, opts, log)
        row = oracle.case_row(label, objective, method, result.table,
                              result.summary, reference, target)
        rows.append(row)
        log(f"true activity median {row['true_median']:.3f} (percentile "
            f"{row['true_percentile_median']:.2f}), predicted "
            f"{row['predicted_median']:.3f}, gap {row['gap_median']:+.3f}")
        name = f"{'single' if len(ensemble) == 1 else 'ensemble'}_" \
               f"{objective}_{method}"
        outputs.write_all(result, {
            "output": os.path.join(output_dir, name + ".tsv"),
            **outputs.default_paths(os.path.join(output_dir, name + ".tsv"))})
  return rows


def start_rows(model_sets, base: DesignOptions, reference,
               target: float) -> list[dict]:
  """The random starts themselves (greedy's), predicted and true."""
  # Imported when used: it imports pandas (slow to import).
  from madlab_dream.designing import starts as starts_lib
  texts = starts_lib.random_regions(base.num_designs, base.seed)
  codes = starts_lib.prepare(texts, grammar.SEQ_LEN).codes
  # pandas imported when used: slow to import, only this step needs it.
  import pandas as pd
  rows = []
  for label, ensemble, _ in model_sets:
    p = ensemble.predict_codes(codes)
    table = pd.DataFrame({"sequence": texts, "prediction": p["mean"],
                          "prediction_sd": p["sd"], "edits": 0})
    rows.append(oracle.case_row(label, "none", "start", table, {},
                                reference, target))
  return rows


def _models(run_dir: str, ensemble_dir: str, seeds, batch_size: int, log):
  """(the single model, the ensemble, the trained range and its source)."""
  members = ensure_members(run_dir, ensemble_dir, seeds, log)
  single = Ensemble.from_paths([run_dir], batch_size)
  ensemble = Ensemble.from_paths([run_dir, *members], batch_size)
  trained, source = trained_range_of(run_dir, single.members[0])
  log(f"trained range {trained[0]:.4g}-{trained[1]:.4g}, sd {trained[2]:.4g} "
      f"(from {source}): the guard trusts [{trained[0] - trained[2]:.4g}, "
      f"{trained[1] + trained[2]:.4g}]")
  return single, ensemble, trained, source


def run_proof(demo_dir: str, ensemble_dir: str, seeds, output_dir: str,
              budget_s: float, num_designs: int = 100,
              penalty_sd: float = 1.0, rounds: int | None = None,
              batch_size: int = 4096, log=print,
              max_edits: int | None = None, model: str | None = None) -> dict:
  """The whole proof (see the module doc); returns its summary. The budget
  counts from when the ensemble's members are ready. `model`: a run
  trained on the simulator's default grammar other than the demo's run/
  (the first member; the others are trained with its recipe)."""
  # Imported when used: it imports pandas (slow to import).
  from madlab_dream.tools.bench.design_speed import candidate_speed
  t0 = time.perf_counter()
  run_dir = model or os.path.join(demo_dir, "run")
  train_file = _check_demo(demo_dir, run_dir)
  output = output_dirs.claim(output_dir, "design_demo")
  single, ensemble, trained, source = _models(run_dir, ensemble_dir, seeds,
                                              batch_size, log)
  t_models = time.perf_counter()
  reference = oracle.training_activity(train_file)
  target = float(np.median(reference))
  speed = candidate_speed(single, batch_size, windows=2,
                          batches_per_window=1)
  log(f"speed: {speed['candidate_evaluations_per_s']:.0f} candidate "
      f"evaluations/s in greedy rounds, {speed['inference_seq_per_s']:.0f} "
      f"sequences/s plain inference ({speed['ratio']:.3f}x)")
  label = f"ensemble of {len(ensemble)}, sd penalty {penalty_sd:g}"
  model_sets = [("single model", single, 0.0)] + (
      [(label, ensemble, penalty_sd)] if len(ensemble) > 1 else [])
  passes = sum(len(m) for _, m, _ in model_sets) * len(OBJECTIVES) * len(
      METHODS)
  left = budget_s - (time.perf_counter() - t_models) - RESERVE_S
  rounds, population = _plan_cases(speed["candidate_evaluations_per_s"],
                                   left, num_designs, rounds, passes, log)
  base = DesignOptions(num_designs=num_designs, rounds=rounds,
                       population=population, trained_range=trained,
                       max_edits=max_edits, seed=0)
  rows = start_rows(model_sets, base, reference, target)
  with output.staging() as folder:
    rows += run_cases(model_sets, base, reference, target, folder, log)
    summary = {"machine": machine.cpu_line(machine.describe()),
               "demo_dir": demo_dir, "models": [m.path for m in
                                                ensemble.members],
               "validation_pearson": _validation_pearsons(ensemble),
               "trained_range": list(trained), "trained_range_from": source,
               "target_value": target, "rounds": rounds,
               "max_edits": max_edits,
               "population": population, "speed": speed,
               "reference_percentiles": _reference_percentiles(reference),
               "rows": rows, "checks": oracle.checks(rows, reference),
               "seconds": round(time.perf_counter() - t0, 1),
               "design_seconds": round(time.perf_counter() - t_models, 1)}
    summary["checks"][f"the designs fit the budget ({budget_s / 60:g} min)"] = (
        summary["design_seconds"] <= budget_s)
    write_report(folder, summary)
  return summary


def _check_demo(demo_dir: str, run_dir: str) -> str:
  """The finished demo's training file; an InputError if the demo's data or
  the run's model is missing."""
  train_file = os.path.join(demo_dir, "data", "train_sequences.txt")
  if not os.path.exists(train_file):
    raise InputError("not a finished demo (python -m madlab_dream.demo "
                     f"writes it): no {train_file}", demo_dir)
  if not any(os.path.exists(os.path.join(run_dir, name))
             for name in ("saved_model", "model.keras")):
    raise InputError("not a finished training run (no saved_model/ or "
                     "model.keras)", run_dir)
  return train_file


def _plan_cases(speed: float, left: float, num_designs: int,
                rounds: int | None, passes: int, log) -> tuple[int, int]:
  """(greedy rounds, genetic population) of every case: `rounds` if given,
  else as many as fit the `left` seconds at `speed` candidate
  evaluations/s; the population matches the rounds' candidate budget."""
  mutable = grammar.REGION_LEN
  rounds = rounds or plan(speed, left, num_designs, mutable, passes)
  budget = num_designs * (1 + 3 * mutable * rounds)
  expected_s = budget * passes / speed
  if expected_s > left:
    log(f"note: {rounds} round(s) take about {expected_s / 60:.0f} min at "
        f"this speed, more than the {left / 60:.0f} min left of the budget")
  population = population_for(budget, mutable)
  expected = GeneticConfig(population).expected_evaluations(mutable)
  log(f"plan: {rounds} greedy round(s) of {num_designs} designs = {budget:,} "
      f"candidates per case; the genetic algorithm: population "
      f"{population:,}, 10 generations (expected {expected:,.0f})")
  return rounds, population


def _validation_pearsons(ensemble: Ensemble) -> dict:
  """{member name: its run's validation Pearson r, None if unknown}."""
  return {name: validation_pearson(os.path.dirname(m.path))
          for name, m in zip(ensemble.names, ensemble.members)}


def _reference_percentiles(reference) -> dict:
  """The training rows' true activity at the percentiles the report names."""
  return {str(q): float(np.percentile(reference, q))
          for q in (oracle.MIN_PERCENTILE, 50, oracle.MAX_PERCENTILE)}


def report_markdown(s: dict) -> str:
  """proof.md: the table, the checks, and what was run where."""
  p = s["reference_percentiles"]
  checks = "\n".join(f"- [{'x' if ok else ' '}] {name}"
                     for name, ok in s["checks"].items())
  lo, hi, sd = s["trained_range"]
  speed = s["speed"]
  models = ", ".join(f"{path} ({r:.3f})" if r is not None else path
                     for path, r in zip(s["models"],
                                        s["validation_pearson"].values()))
  cand, infer = (speed["candidate_evaluations_per_s"],
                 speed["inference_seq_per_s"])
  return f"""# Designs against the simulator's truth

Machine: {s['machine']}. Models (validation Pearson r): {models}.
Training rows' true (noiseless) activity: {oracle.MIN_PERCENTILE}th percentile
{p[str(oracle.MIN_PERCENTILE)]:.3f}, median {p['50']:.3f} (the target value),
{oracle.MAX_PERCENTILE}th percentile {p[str(oracle.MAX_PERCENTILE)]:.3f}.
Guard: trusted range [{lo - sd:.3f}, {hi + sd:.3f}] (training targets
{lo:.3f}-{hi:.3f}, sd {sd:.3f}, from {s['trained_range_from']}).
Budget per case: greedy {s['rounds']} round(s); genetic algorithm population
{s['population']:,}, 10 generations; edits from the start at most
{s.get('max_edits') or 'unlimited'}. Speed: {cand:.0f} candidate
evaluations/s in greedy rounds vs {infer:.0f} sequences/s plain inference
({speed['ratio']:.3f}x, batch {speed['batch_size']:,}).

Medians over the designs; "hits": designs whose true activity is beyond the
{oracle.MAX_PERCENTILE}th (max) / below the {oracle.MIN_PERCENTILE}th (min)
percentile of the training rows, or within {oracle.TARGET_TOLERANCE} of the
target; "start": the random starts before any edit.

{oracle.markdown_table(s['rows'])}

{checks}

Seconds: {s['seconds']} in all, {s['design_seconds']} after the ensemble
members were ready.
"""


def write_report(output_dir: str, summary: dict) -> None:
  files.write_text(os.path.join(output_dir, "proof.json"),
                   json.dumps(summary, indent=1, default=float) + "\n")
  files.write_text(os.path.join(output_dir, "proof.md"),
                   report_markdown(summary))
