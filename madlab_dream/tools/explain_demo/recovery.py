"""Which planted motifs TF-MoDISco recovered from the proof's scores.

  recovery    per planted motif: recovered or not, by which pattern, how
              similar (`matching.similarity`), its Tomtom q-value and
              seqlets; strong patterns that match no planted motif
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

RECOVERED_SIMILARITY = 0.7   # planted motifs are at most 0.61 alike
STRONG_PATTERN = 0.05        # fraction of all seqlets


def recovery(patterns: list, motifs: dict[str, np.ndarray],
             qvalues: dict[str, float]) -> dict:
  """Which planted motifs TF-MoDISco's patterns recovered.

  A pattern's match is the planted motif most similar to it
  (`matching.similarity`); a planted motif is recovered when some pattern
  matches it with similarity >= RECOVERED_SIMILARITY (the best such
  pattern is named). A strong pattern (>= STRONG_PATTERN of all seqlets)
  that matches no planted motif is listed as unmatched.
  """
  best = matching.best_similarity([p.ppm for p in patterns], motifs)
  total = sum(p.seqlets for p in patterns) or 1
  planted, unmatched = [], []
  for name in motifs:
    hits = [(s, p) for p, (match, s) in zip(patterns, best)
            if match == name and s >= RECOVERED_SIMILARITY]
    s, p = max(hits, key=lambda h: h[0]) if hits else (None, None)
    planted.append({"motif": name, "recovered": p is not None,
                    "pattern": p.name if p else None,
                    "consensus": p.consensus if p else None,
                    "similarity": None if s is None else round(s, 3),
                    "tomtom_qvalue": qvalues.get(p.name) if p else None,
                    "seqlets": p.seqlets if p else 0})
  for p, (match, s) in zip(patterns, best):
    if p.seqlets >= STRONG_PATTERN * total and s < RECOVERED_SIMILARITY:
      unmatched.append({"pattern": p.name, "consensus": p.consensus,
                        "seqlets": p.seqlets, "closest": match,
                        "similarity": round(s, 3)})
  return {"planted": planted, "unmatched_strong": unmatched,
          "recovered": sum(r["recovered"] for r in planted),
          "patterns": len(patterns), "seqlets": total}


def motif_step(result: dict, output_dir: str,
               log: Callable[[str], None]) -> dict:
  """TF-MoDISco on the expected-gradients scores; the patterns matched to
  the grammar's MEME file (outputs in `output_dir`/motifs)."""
  # Imported when used: it imports pandas (slow to import).
  from madlab_dream.explain import motif_report
  t0 = time.perf_counter()
  settings = motifs_lib.MotifsConfig()
  modisco, patterns = motifs_lib.discover(result["one_hot"],
                                          result["hypothetical"], settings)
  meme = os.path.join(output_dir, "grammar_motifs.meme")
  database = motif_db.read_meme(meme)
  table = motif_report.motif_table(patterns, database)
  motif_report.write_outputs(
      os.path.join(output_dir, "motifs"), modisco, patterns, table,
      {"contributions": "expected_gradients.npz",
       "sequences": len(result["one_hot"]), "database": "grammar_motifs.meme",
       "modisco": settings.modisco_arguments(),
       "trim_threshold": settings.trim_threshold},
      result["one_hot"].shape[1])
  names = {name.split()[0]: pwm for name, pwm in database.items()}
  qvalues = dict(zip(table["pattern"], table["match_qvalue"]))
  out = recovery(patterns, names, qvalues)
  out["seconds"] = round(time.perf_counter() - t0, 1)
  out["settings"] = settings.modisco_arguments()
  log(f"TF-MoDISco: {out['patterns']} patterns, {out['recovered']} of "
      f"{len(names)} planted motifs recovered ({out['seconds']:.0f} s)")
  return out
