"""Which planted motifs TF-MoDISco recovered from the proof's scores.

The rule (`RULE`). A pattern recovers planted motif m when all four hold:

  best_planted   m is the pattern's best Tomtom match (smallest p-value)
                 among the planted motifs
  qvalue         its Tomtom q-value for m is <= MAX_QVALUE, the q-value
                 computed (Benjamini-Hochberg over the pattern's p-values)
                 against the planted motifs *plus* decoys: the JASPAR 2024
                 CORE fungi matrices (real yeast factors resemble the planted
                 ones, so a decoy may outrank a correct match; what counts
                 is significance against them, and Tomtom's p-values need
                 more than a handful of targets)
  coverage       the pattern reproduces >= MIN_COVERAGE of m's information
                 content at its best alignment (`matching.covered_information`):
                 a fragment such as "ACG" of TCRNNNNNNACG fails
  sign           the pattern's sign (TF-MoDISco's positive or negative
                 metacluster) is the sign of m's effect in the grammar

  recovery    per planted motif: its best pattern (the one passing most
              criteria, then the smallest q-value) and each criterion
              passed or failed; strong patterns that recover nothing
  motif_step  TF-MoDISco on the expected-gradients scores, its outputs
              written like `python -m madlab_dream.motifs`, then `recovery`
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import numpy as np

from madlab_dream.explain import matching
from madlab_dream.explain import motif_db
from madlab_dream.explain import motifs as motifs_lib
from madlab_dream.tools.simulator import grammar

MAX_QVALUE = 0.05
MIN_COVERAGE = 0.7
STRONG_PATTERN = 0.05        # fraction of all seqlets
CRITERIA = ("best_planted", "qvalue", "coverage", "sign")
RULE = (f"best Tomtom match among the planted motifs, q <= {MAX_QVALUE} "
        "against the planted motifs plus the JASPAR 2024 CORE fungi decoys, "
        f">= {MIN_COVERAGE:.0%} of the planted motif's information content "
        "covered, and the pattern's sign that of the motif's effect")


def grammar_signs() -> dict[str, int]:
  """{planted motif: +1 activator / -1 repressor} from the grammar."""
  return {m.name: 1 if m.effect > 0 else -1 for m in grammar.MOTIFS}


def _judge(pattern, name: str, motif: np.ndarray, q: float,
           best_planted: str, sign: int) -> dict:
  """The four criteria of one pattern against one planted motif [4, K]."""
  coverage = matching.covered_information(pattern.ppm, motif.T)
  passed = {"best_planted": best_planted == name, "qvalue": q <= MAX_QVALUE,
            "coverage": coverage >= MIN_COVERAGE,
            "sign": pattern.sign == sign}
  return {"pattern": pattern.name, "consensus": pattern.consensus,
          "pattern_sign": pattern.sign, "seqlets": pattern.seqlets,
          "best_planted_match": best_planted, "qvalue": float(q),
          "coverage": round(coverage, 3), "passed": passed,
          "recovered": all(passed.values())}


def _rank(row: dict) -> tuple:
  return (row["recovered"], sum(row["passed"].values()), -row["qvalue"])


def recovery(patterns: list, planted: dict[str, np.ndarray],
             decoys: dict[str, np.ndarray],
             signs: dict[str, int]) -> dict:
  """Which planted motifs (`RULE`) TF-MoDISco's patterns recovered.

  Args:
    patterns: `motifs.Pattern`s (ppm [K, 4], sign, seqlets).
    planted: {name: [4, K]} the planted motifs.
    decoys: {name: [4, K]} the other motifs Tomtom's q-values are computed
      against (names must differ from the planted ones).
    signs: {planted name: +1 / -1} the sign of each motif's effect.

  Returns:
    {"planted": one row per planted motif (its best pattern, each
    criterion), "unmatched_strong", "recovered", "patterns", "seqlets",
    "decoys", "rule"}.
  """
  clash = set(planted) & set(decoys)
  if clash:
    raise ValueError(f"decoy names clash with planted ones: {sorted(clash)}")
  database = {**planted, **decoys}
  names = list(database)
  p, q = matching.tomtom_pvalues([x.ppm for x in patterns], database)
  k = len(planted)
  best_planted = [names[j] for j in np.argmin(p[:, :k], axis=1)] if len(
      patterns) else []
  rows, recovered_by = [], set()
  for j, name in enumerate(planted):
    judged = [_judge(x, name, planted[name], q[i, j], best_planted[i],
                     signs[name]) for i, x in enumerate(patterns)]
    recovered_by |= {r["pattern"] for r in judged if r["recovered"]}
    best = max(judged, key=_rank) if judged else None
    rows.append({"motif": name, "recovered": bool(best and best["recovered"]),
                 "effect_sign": signs[name], "best": best})
  total = sum(x.seqlets for x in patterns) or 1
  unmatched = []
  for i, x in enumerate(patterns):
    if x.seqlets >= STRONG_PATTERN * total and x.name not in recovered_by:
      j = int(np.argmin(p[i]))
      unmatched.append({"pattern": x.name, "consensus": x.consensus,
                        "seqlets": x.seqlets, "closest": names[j],
                        "qvalue": float(q[i, j])})
  return {"planted": rows, "unmatched_strong": unmatched,
          "recovered": sum(r["recovered"] for r in rows),
          "patterns": len(patterns), "seqlets": total,
          "decoys": len(decoys), "rule": RULE}


def motif_step(result: dict, output_dir: str,
               log: Callable[[str], None], settings=None) -> dict:
  """TF-MoDISco on the expected-gradients scores; the patterns matched to
  the grammar's MEME file plus the JASPAR fungi decoys (outputs in
  `output_dir`/motifs)."""
  # Imported when used: it imports pandas (slow to import).
  from madlab_dream.explain import motif_report
  t0 = time.perf_counter()
  settings = settings or motifs_lib.MotifsConfig()
  modisco, patterns = motifs_lib.discover(result["one_hot"],
                                          result["hypothetical"], settings)
  meme = os.path.join(output_dir, "grammar_motifs.meme")
  planted = {name.split()[0]: pwm
             for name, pwm in motif_db.read_meme(meme).items()}
  decoys = motif_db.jaspar_fungi()
  table = motif_report.motif_table(patterns, {**planted, **decoys})
  motif_report.write_outputs(
      os.path.join(output_dir, "motifs"), modisco, patterns, table,
      {"contributions": "expected_gradients.npz",
       "sequences": len(result["one_hot"]),
       "database": "grammar_motifs.meme plus JASPAR 2024 CORE fungi",
       "modisco": settings.modisco_arguments(),
       "trim_threshold": settings.trim_threshold},
      result["one_hot"].shape[1])
  out = recovery(patterns, planted, decoys, grammar_signs())
  out["seconds"] = round(time.perf_counter() - t0, 1)
  out["settings"] = settings.modisco_arguments()
  log(f"TF-MoDISco: {out['patterns']} patterns, {out['recovered']} of "
      f"{len(planted)} planted motifs recovered ({out['seconds']:.0f} s)")
  return out
