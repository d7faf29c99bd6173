"""The outputs of `python -m madlab_dream.motifs`, written as one directory.

  modisco_results.h5  TF-MoDISco's own results file (`modisco report` reads
                      it)
  motifs.tsv          pattern, sign, seqlets, consensus, match (the best
                      database motif by Tomtom), match_qvalue,
                      match_pvalue, similarity (to that motif, `matching`)
  patterns.meme       the patterns' letter probabilities (trimmed cores)
  logos/<pattern>.png a contribution-weight logo per pattern
  report.md           the table with the logos
  settings.json       TF-MoDISco's settings, the database, the input

`write_outputs` writes them into a folder; the command writes that folder
through `io.output_dirs` (a claimed directory's staging folder), so an
interrupted or failed run leaves no partial output and nothing else in
the directory is touched.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd

from madlab_dream.explain import logos
from madlab_dream.explain import matching
from madlab_dream.explain import motifs
from madlab_dream.explain.motifs import Pattern

COLUMNS = ("pattern", "sign", "seqlets", "consensus", "match",
           "match_qvalue", "match_pvalue", "similarity")


def motif_table(patterns: list[Pattern],
                database: dict[str, np.ndarray]) -> pd.DataFrame:
  """One row per pattern (COLUMNS), patterns in TF-MoDISco's order."""
  ppms = [p.ppm for p in patterns]
  matches = matching.tomtom_matches(ppms, database)
  rows = []
  for pattern, match in zip(patterns, matches):
    rows.append({"pattern": pattern.name, "sign": pattern.sign,
                 "seqlets": pattern.seqlets, "consensus": pattern.consensus,
                 **match, "similarity": matching.similarity(
                     pattern.ppm, database[match["match"]].T)})
  return pd.DataFrame(rows, columns=list(COLUMNS))


def patterns_meme_text(patterns: list[Pattern]) -> str:
  lines = ["MEME version 4", "", "ALPHABET= ACGT", "", "strands: + -", "",
           "Background letter frequencies", "A 0.25 C 0.25 G 0.25 T 0.25", ""]
  for p in patterns:
    lines += [f"MOTIF {p.name} {p.consensus}",
              f"letter-probability matrix: alength= 4 w= {len(p.ppm)} "
              f"nsites= {p.seqlets} E= 0"]
    lines += [" ".join(f"{v:.6f}" for v in row) for row in p.ppm]
    lines.append("")
  return "\n".join(lines)


def report_markdown(table: pd.DataFrame, source: str, database: str,
                    count: int) -> str:
  lines = [f"# Motifs: TF-MoDISco on {count:,} sequences", "",
           f"Contributions: `{source}`. Matches: Tomtom against {database} "
           "(q-value: Benjamini-Hochberg over all database motifs).", "",
           "| logo | pattern | sign | seqlets | consensus | match | q-value "
           "| similarity |", "|---|---|---:|---:|---|---|---:|---:|"]
  for row in table.itertuples():
    lines.append(
        f"| ![](logos/{row.pattern}.png) | {row.pattern} | "
        f"{'+' if row.sign > 0 else '-'} | {row.seqlets:,} | "
        f"`{row.consensus}` | {row.match} | {row.match_qvalue:.2g} | "
        f"{row.similarity:.2f} |")
  if table.empty:
    lines.append("| | no patterns found | | | | | | |")
  return "\n".join(lines) + "\n"


def write_outputs(output_dir: str, results: tuple, patterns: list[Pattern],
                  table: pd.DataFrame, settings: dict, window: int) -> None:
  """Writes every output into folder `output_dir` (see module doc)."""
  os.makedirs(output_dir, exist_ok=True)
  motifs.save_results(os.path.join(output_dir, "modisco_results.h5"), results,
                      window)
  table.to_csv(os.path.join(output_dir, "motifs.tsv"), sep="\t", index=False,
               float_format="%.6g")
  with open(os.path.join(output_dir, "patterns.meme"), "w") as f:
    f.write(patterns_meme_text(patterns))
  os.makedirs(os.path.join(output_dir, "logos"))
  for p in patterns:
    logos.pattern_logo_png(os.path.join(output_dir, "logos", f"{p.name}.png"),
                           p.cwm, f"{p.name} ({p.seqlets:,} seqlets)")
  with open(os.path.join(output_dir, "report.md"), "w") as f:
    f.write(report_markdown(table, settings["contributions"],
                            settings["database"], settings["sequences"]))
  with open(os.path.join(output_dir, "settings.json"), "w") as f:
    json.dump(settings, f, indent=1)
