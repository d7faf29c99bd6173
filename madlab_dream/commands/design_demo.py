"""Designs checked against the simulator's truth: `make design-demo`.

  python -m madlab_dream.design_demo --demo_dir=demo_output [--budget=14m]

See `madlab_dream.tools.design_demo.proof` (what is measured) and docs/design.md.
"""

import os

from madlab_dream import settings
from madlab_dream.commands import cli
from madlab_dream.commands import explain_design_flags
from madlab_dream.commands import flags
from madlab_dream.tools.design_demo import proof


def run():
  f = flags.FLAGS
  demo_dir = f.demo_dir
  summary = proof.run_proof(
      demo_dir, f.ensemble_dir or os.path.join(demo_dir, "design_ensemble"),
      [int(s) for s in f.ensemble_seeds],
      f.output_dir or os.path.join(demo_dir, "design_proof"),
      settings.duration_seconds("budget", f.budget), f.num_designs,
      f.penalty_sd, f.rounds, f.eval_batch_size,
      lambda line: print(line, flush=True), max_edits=f.max_edits,
      model=f.model)
  print("\n" + proof.report_markdown(summary))


def main() -> None:
  """`python -m madlab_dream.design_demo`: parses the flags and runs `run`."""
  cli.run(run, "madlab_dream.design_demo", explain_design_flags.define_design_demo_flags)
