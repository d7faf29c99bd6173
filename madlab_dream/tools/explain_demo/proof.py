"""The proof of the explanations on the simulator's known grammar.

On the model `make demo` trained (its run directory and simulated data):

  1. held-out sequences with planted motif instances
     (`simulator.sites.planted_set`, a random stream the training rows never
     use), the grammar's functional sites in them (`sites.site_mask`) and
     its eight motifs as MEME
  2. every method on them, timed; the AUROC of |contribution| at positions
     inside functional sites against the other positions of the 80-nt
     variable region
  3. expected gradients at several references x steps on a subset
  4. ISM against expected gradients (per-position Pearson r) and the
     completeness of expected gradients
  5. TF-MoDISco on the expected-gradients scores, patterns matched to the
     planted motifs (`recovery.py`)

`ProofConfig` holds the sizes; `run` does it all and returns the report's
data (`report.py` writes it).
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable

import numpy as np

from madlab_dream import machine
from madlab_dream.errors import InputError
from madlab_dream.explain import attribution
from madlab_dream.explain import checks
from madlab_dream.explain import motif_db
from madlab_dream.explain import run_model
from madlab_dream.explain import scores_file
from madlab_dream.explain.gradients import GradientModel
from madlab_dream.explain.methods import METHODS
from madlab_dream.explain.settings import QUADRATURES
from madlab_dream.explain.settings import ExplainConfig
from madlab_dream.io import output_dirs
from madlab_dream.io import sequences
from madlab_dream.settings import Settings
from madlab_dream.settings import check
from madlab_dream.settings import positive_whole_number
from madlab_dream.settings import setting
from madlab_dream.tools.explain_demo import recovery
from madlab_dream.tools.explain_demo import report as report_lib
from madlab_dream.tools.simulator import grammar
from madlab_dream.tools.simulator import sites


@dataclasses.dataclass(frozen=True)
class ProofConfig(Settings):
  """demo_dir: `make demo`'s output (run/, data/). sequences: held-out
  sequences explained by every method except ISM (ism_sequences: the first
  of them). references, steps, quadrature: expected gradients' setting (steps also for
  integrated gradients). sweep: (method, references, steps, quadrature)
  items (`parse_sweep`) run on the first sweep_sequences: expected
  gradients, and integrated gradients from the all-N baseline without the
  correction (the path whose completeness is hardest). batch_size: model rows per call. seed: shuffles.
  model: a run directory trained on the demo's data other than
  `demo_dir`/run (None: that one)."""
  demo_dir: str = setting(
      "demo_output", "The output directory of make demo (its run/ and "
      "data/).")
  sequences: int = setting(
      2000, "Held-out sequences with planted motifs, explained by every "
      "method but ISM.")
  ism_sequences: int = setting(200, "ISM on the first N of them.")
  references: int = setting(
      10, "Expected gradients: dinucleotide-shuffled references.")
  steps: int = setting(
      3, "Expected and integrated gradients: points on each path.")
  quadrature: str = setting(
      "midpoint", "Expected and integrated gradients: midpoint or "
      "gauss_legendre points on each path.", choices=QUADRATURES)
  sweep: tuple = (("integrated_gradients", 1, 25, "midpoint"),
                  ("integrated_gradients", 1, 25, "gauss_legendre"),
                  ("integrated_gradients", 1, 50, "midpoint"),
                  ("integrated_gradients", 1, 50, "gauss_legendre"),
                  ("expected_gradients", 10, 3, "midpoint"),
                  ("expected_gradients", 5, 10, "gauss_legendre"))
  sweep_sequences: int = setting(
      100, "The subset of the sweep: the first N sequences.")
  batch_size: int = 256
  seed: int = setting(0, "Seed of the shuffled references.")
  model: str | None = setting(
      None, "Another run directory trained on the demo's data (default: "
      "the demo's run/).")

  def __post_init__(self):
    for name in ("sequences", "ism_sequences", "references", "steps",
                 "sweep_sequences", "batch_size"):
      positive_whole_number(name, getattr(self, name))
    for name in ("ism_sequences", "sweep_sequences"):
      check(getattr(self, name) <= self.sequences, name, getattr(self, name),
            f"must be at most --sequences={self.sequences}")

  @property
  def run_dir(self) -> str:
    return self.model or os.path.join(self.demo_dir, "run")

  def methods(self) -> list[ExplainConfig]:
    base = ExplainConfig(references=self.references, steps=self.steps,
                         quadrature=self.quadrature,
                         seed=self.seed, batch_size=self.batch_size)
    return [base.replace(method=name)
            for name, method in METHODS.items() if method.proved]


SWEEP_HELP = ("expected REFERENCESxSTEPS (expected gradients) or igSTEPS "
              "(integrated gradients from the all-N baseline, uncorrected) "
              "items, each optionally /midpoint or /gauss_legendre, such as "
              "5x10,ig50/midpoint")


def _sweep_item(item: str, text: str) -> tuple:
  body, _, quadrature = item.lower().partition("/")
  quadrature = quadrature or ExplainConfig().quadrature
  try:
    if body.startswith("ig"):
      method, references, steps = "integrated_gradients", 1, int(body[2:])
    else:
      method = "expected_gradients"
      references, steps = (int(v) for v in body.split("x"))
  except ValueError:
    raise InputError(f"--sweep={text}: {SWEEP_HELP}") from None
  if references < 1 or steps < 1 or quadrature not in QUADRATURES:
    raise InputError(f"--sweep={text}: references and steps must be at "
                     f"least 1, the quadrature one of {', '.join(QUADRATURES)}")
  return (method, references, steps, quadrature)


def parse_sweep(text: str) -> tuple:
  """"5x10,ig50/gauss_legendre" -> (("expected_gradients", 5, 10,
  "midpoint"), ("integrated_gradients", 1, 50, "gauss_legendre")) (the
  default quadrature where none is named); InputError otherwise."""
  return tuple(_sweep_item(item, text) for item in filter(
      None, (t.strip() for t in text.split(","))))


def sweep_text(sweep: tuple) -> str:
  """The flag text of a parsed sweep (the inverse of `parse_sweep`)."""
  return ",".join(
      (f"ig{steps}" if method == "integrated_gradients" else
       f"{references}x{steps}") + f"/{quadrature}"
      for method, references, steps, quadrature in sweep)


def simulation_seed(demo_dir: str) -> int:
  """The seed of the demo's simulated data (data/simulation.json)."""
  path = os.path.join(demo_dir, "data", "simulation.json")
  if not os.path.exists(path):
    raise InputError("no simulated data (data/simulation.json): run make "
                     "demo first, or point --demo_dir at its output",
                     demo_dir)
  with open(path) as f:
    return int(json.load(f)["seed"])


def held_out(config: ProofConfig) -> dict:
  """The held-out sequences, their planted instances and functional
  sites."""
  codes, planted = sites.planted_set(config.sequences,
                                     simulation_seed(config.demo_dir))
  found = sites.grammar_sites(codes, sites.MIN_OCCUPANCY, sites.MIN_WEIGHT)
  return {"codes": codes, "planted": planted,
          "planted_mask": sites.planted_mask(codes.shape, planted),
          "functional_mask": sites.site_mask(codes),
          "broad_mask": sites.consensus_mask(codes),
          "functional_sites": {m.name: int((found["motif"] == i).sum())
                               for i, m in enumerate(grammar.MOTIFS)}}


def _timed(engine, codes: np.ndarray, config: ExplainConfig,
           log: Callable[[str], None]) -> tuple[dict, float]:
  t0 = time.perf_counter()
  result = attribution.explain_codes(engine, codes, config, log)
  return result, time.perf_counter() - t0


#: The positives of each site AUROC (`checks.site_auroc`: |contribution|
#: per position over the 80-nt variable region, positives against every
#: other position of it): "auroc" the informative positions of the planted
#: instances (`sites.planted_mask`); "auroc_functional" those of every site
#: the grammar weighs, planted or by chance: occupancy >= sites.MIN_OCCUPANCY
#: and position x orientation weight >= sites.MIN_WEIGHT (`sites.site_mask`);
#: "auroc_broad" those of every exact consensus match of the eight motifs on
#: either strand, whatever its weight (`sites.consensus_mask`).
SITE_DEFINITIONS = (("auroc", "planted_mask"),
                    ("auroc_functional", "functional_mask"),
                    ("auroc_broad", "broad_mask"))


def _aurocs(result: dict, data: dict, n: int) -> dict:
  """The AUROC of each of SITE_DEFINITIONS on the first n sequences."""
  return {key: round(checks.site_auroc(
      result["contributions"][:n], data[mask][:n], grammar.REGION_START,
      grammar.REGION_END), 4) for key, mask in SITE_DEFINITIONS}


def method_table(engine, data: dict, config: ProofConfig,
                 log: Callable[[str], None]) -> tuple[list[dict], dict]:
  """Every method on the held-out sequences: (table rows, results by
  method)."""
  rows, results = [], {}
  for explain in config.methods():
    n = config.ism_sequences if explain.method == "ism" else config.sequences
    result, seconds = _timed(engine, data["codes"][:n], explain, log)
    results[explain.method] = result
    rows.append({"method": explain.method, "sequences": n,
                 "setting": _setting(explain), "seconds": round(seconds, 1),
                 "sequences_per_s": round(n / seconds, 2),
                 **_aurocs(result, data, n),
                 "completeness": completeness_summary(result)})
    log(f"{explain.method}: AUROC {rows[-1]['auroc']:.3f}")
  return rows, results


def completeness_summary(result: dict) -> dict | None:
  """Median and worst completeness error, and the fraction of sequences
  within 1 % (None for methods without one)."""
  gap = np.asarray(result["completeness"], np.float64)
  if not len(gap) or not np.isfinite(gap).all():
    return None
  return {"median": float(np.median(gap)), "worst": float(gap.max()),
          "within_1_percent": float(np.mean(gap <= 0.01)),
          "sequences": len(gap)}


def _setting(explain: ExplainConfig) -> str:
  path = f"{explain.steps} {explain.quadrature.replace('_', '-')} steps"
  if explain.method == "expected_gradients":
    return f"{explain.references} references x {path}"
  if explain.method == "integrated_gradients":
    corrected = ", corrected" if explain.correct else ", uncorrected"
    return f"{explain.baseline} baseline{corrected}, {path}"
  return "single-nucleotide variants" if explain.method == "ism" else (
      "one gradient")


def _sweep_config(config: ProofConfig, item: tuple) -> ExplainConfig:
  method, references, steps, quadrature = item
  explain = config.methods()[3].replace(
      method=method, references=references, steps=steps,
      quadrature=quadrature)
  if method == "integrated_gradients":
    explain = explain.replace(baseline="zero", correct=False)
  return explain


def sweep_table(engine, data: dict, config: ProofConfig, main: dict,
                log: Callable[[str], None]) -> list[dict]:
  """Each item of the sweep on the first sweep_sequences: completeness,
  AUROCs and seconds (the main expected-gradients setting's scores are the
  main run's)."""
  n = config.sweep_sequences
  rows = []
  for item in config.sweep:
    explain = _sweep_config(config, item)
    if explain == config.methods()[3]:
      result = {k: v[:n] for k, v in main["result"].items()}
      seconds = main["seconds"] * n / config.sequences
    else:
      result, seconds = _timed(engine, data["codes"][:n], explain, None)
    method, references, steps, quadrature = item
    rows.append({"method": method, "references": references, "steps": steps,
                 "quadrature": quadrature, "sequences": n,
                 "gradient_evaluations_per_sequence": references * steps,
                 "seconds": round(seconds, 1), **_aurocs(result, data, n),
                 "completeness": completeness_summary(result)})
    gap = rows[-1]["completeness"]
    log(f"sweep {_setting(explain)}: AUROC {rows[-1]['auroc']:.3f}, "
        f"{gap['within_1_percent']:.0%} complete within 1 %, worst "
        f"{gap['worst']:.2%} ({seconds:.1f} s)")
  return rows


def agreement(results: dict, config: ProofConfig) -> dict:
  """ISM vs expected gradients (per-position Pearson r)."""
  n = config.ism_sequences
  eg = results["expected_gradients"]
  return {"ism_vs_expected_gradients": checks.position_correlation(
              results["ism"]["contributions"], eg["contributions"][:n],
              grammar.REGION_START, grammar.REGION_END)}


def _region_fraction(mask: np.ndarray) -> float:
  return float(mask[:, grammar.REGION_START:grammar.REGION_END].mean())


def _write_inputs(directory: str, data: dict) -> None:
  """sequences.txt, planted_sites.tsv and grammar_motifs.meme."""
  # pandas imported when used: slow to import, only this step needs it.
  import pandas as pd

  with open(os.path.join(directory, "sequences.txt"), "w") as f:
    f.write("\n".join(sequences.decode(data["codes"])) + "\n")
  planted = pd.DataFrame(data["planted"])
  planted.insert(2, "name", [grammar.MOTIFS[m].name
                             for m in planted["motif"]])
  planted["row"] += 1
  planted.rename(columns={"row": "sequence"}).drop(columns="motif").to_csv(
      os.path.join(directory, "planted_sites.tsv"), sep="\t", index=False)
  sites.motifs_meme(os.path.join(directory, "grammar_motifs.meme"))


def _model_summary(run_dir: str) -> dict:
  """The demo model's validation Pearson r, from its report.json."""
  path = os.path.join(run_dir, "report.json")
  if not os.path.exists(path):
    return {}
  with open(path) as f:
    report = json.load(f)
  validation = report.get("validation") or {}
  return {"best_epoch": report.get("best_epoch"),
          "validation_pearson": validation.get("pearson")}


def run(config: ProofConfig, output_dir: str,
        log: Callable[[str], None]) -> dict:
  """The whole proof; writes `output_dir` at once and returns the report's
  data."""
  t0 = time.perf_counter()
  output = output_dirs.claim(output_dir, "explain_demo")
  motif_db.require_extra()
  model = run_model.load(config.run_dir)
  data = held_out(config)
  with output.staging() as tmp:
    _write_inputs(tmp, data)
    engine = GradientModel(model.model, config.batch_size, model.mean,
                           model.sd)
    rows, results = method_table(engine, data, config, log)
    eg = results["expected_gradients"]
    main = {"result": eg, "seconds": next(
        r["seconds"] for r in rows if r["method"] == "expected_gradients")}
    scores_file.write_scores(
        os.path.join(tmp, "expected_gradients.npz"), eg,
        sequences.decode(data["codes"]),
        np.full(config.sequences, grammar.SEQ_LEN),
        attribution.settings_record(config.methods()[3], engine))
    sweep = sweep_table(engine, data, config, main, log)
    agree = agreement(results, config)
    motifs = recovery.motif_step(eg, tmp, log)
    report = {"model": os.path.abspath(config.run_dir),
              **_model_summary(config.run_dir),
              "machine": machine.cpu_line(machine.describe()),
              "settings": {**dataclasses.asdict(config)},
              "held_out": {"sequences": config.sequences,
                           "planted_sites": len(data["planted"]["row"]),
                           "functional_sites": data["functional_sites"],
                           "planted_positions": _region_fraction(
                               data["planted_mask"]),
                           "functional_positions": _region_fraction(
                               data["functional_mask"]),
                           "broad_positions": _region_fraction(
                               data["broad_mask"])},
              "methods": rows, "sweep": sweep, **agree, "motifs": motifs,
              "seconds": round(time.perf_counter() - t0, 1)}
    report_lib.write(tmp, report)
  return report
