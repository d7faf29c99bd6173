"""The explanations proved on the known grammar: `make explain-demo`.

  python -m madlab_dream.explain_demo [--demo_dir=demo_output] \
      [--output_dir=DEMO_DIR/explain] [--model=RUN] [--sequences=2000] \
      [--references=10 --steps=3] [--ism_sequences=200] \
      [--sweep=5x10,20x3,10x25,20x25 --sweep_sequences=32]

Reuses the model and simulated data of `make demo` (run it first). Writes
into --output_dir, all at once: report.md and report.json (per planted
motif recovered or not, the matched pattern, its similarity and seqlets;
the AUROC of every method at the grammar's sites with its time; the
references x steps sweep), expected_gradients.npz, motifs/ (TF-MoDISco's
outputs), sequences.txt, planted_sites.tsv and grammar_motifs.meme. Needs
the `explain` extra. Exit status 1 with --check_targets when a target is
missed.
"""

import os
import time

from madlab_dream.commands import cli
from madlab_dream.commands import explain_design_flags
from madlab_dream.commands import flags
from madlab_dream.io import output_dirs
from madlab_dream.tools.explain_demo import report as report_lib


def run():
  f = flags.FLAGS
  config = explain_design_flags.explain_demo_config()
  # Imported when used: it imports pandas (slow to import).
  from madlab_dream.tools.explain_demo import proof
  output_dir = f.output_dir or os.path.join(config.demo_dir, "explain")
  output_dirs.claim(output_dir, "explain_demo")  # refused before work
  t0 = time.perf_counter()

  def log(line):
    print(f"[{time.perf_counter() - t0:6.0f} s] {line}", flush=True)

  report = proof.run(config, output_dir, log)
  print(report_lib.markdown(report))
  print(f"wrote {output_dir}/report.md and report.json in "
        f"{time.perf_counter() - t0:.0f} s")
  if f.check_targets and not all(report["targets"].values()):
    return 1


def main() -> None:
  """`python -m madlab_dream.explain_demo`: parses the flags and runs `run`."""
  cli.run(run, "madlab_dream.explain_demo", explain_design_flags.define_explain_demo_flags)
