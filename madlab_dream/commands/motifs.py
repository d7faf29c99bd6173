"""Motifs from contribution scores: `python -m madlab_dream.motifs`.

  python -m madlab_dream.motifs --contributions=contrib.npz \
      --output_dir=motifs/ [--motif_db=jaspar_fungi|FILE.meme]

Runs TF-MoDISco on the hypothetical contributions of
`python -m madlab_dream.explain` (settings for 110-nt sequences: see
madlab_dream/explain/motifs.py) and matches each pattern with Tomtom
against JASPAR 2024 CORE fungi or a MEME file. Writes modisco_results.h5,
motifs.tsv (pattern, sign, seqlets, consensus, match, match_qvalue, ...),
patterns.meme, logos/ and report.md into --output_dir, all at once: a new
or empty directory, or one holding only an earlier `motifs` run's outputs
(docs/reliability.md); any other is refused before work. Needs the
`explain` extra (pip install -e '.[explain]').
"""

import os
import time

from madlab_dream.commands import cli
from madlab_dream.commands import explain_design_flags
from madlab_dream.commands import flags
from madlab_dream.errors import InputError
from madlab_dream.explain import motif_db
from madlab_dream.explain import motifs
from madlab_dream.io import output_dirs


def run():
  f = flags.FLAGS
  if not f.contributions or not f.output_dir:
    raise InputError("--contributions and --output_dir are required")
  config = explain_design_flags.motifs_config()
  motif_db.require_extra()
  # Imported when used: it imports pandas (slow to import).
  from madlab_dream.explain import motif_report
  t0 = time.perf_counter()
  output = output_dirs.claim(f.output_dir, "motifs")
  one_hot, hyp = motifs.read_scores(f.contributions)
  motifs.check_count(len(one_hot), f.contributions, config)
  database, described = motif_db.load_database(f.motif_db)
  print(f"TF-MoDISco on {len(one_hot):,} sequences of {one_hot.shape[1]} nt",
        flush=True)
  results, patterns = motifs.discover(one_hot, hyp, config)
  table = motif_report.motif_table(patterns, database)
  settings = {"contributions": os.path.abspath(f.contributions),
              "sequences": len(one_hot), "database": described,
              "modisco": config.modisco_arguments(),
              "trim_threshold": config.trim_threshold}
  with output.staging() as folder:
    motif_report.write_outputs(folder, results, patterns, table, settings,
                               one_hot.shape[1])
  print(table.to_string(index=False, float_format=lambda v: f"{v:.3g}")
        if len(table) else "no patterns found")
  print(f"wrote {len(table)} patterns to {f.output_dir} in "
        f"{time.perf_counter() - t0:.1f} s")


def main() -> None:
  """`python -m madlab_dream.motifs`: parses the flags and runs `run`."""
  cli.run(run, "madlab_dream.motifs", explain_design_flags.define_motifs_flags)
