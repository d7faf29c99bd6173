"""Design promoters with trained models.

  python -m madlab_dream.design --model=RUN [--model=RUN2 ...] \
      --objective=max|min|target [--target_value=X] [--num_designs=100] \
      [--method=greedy|evolve] [--rounds=10] [--start=FILE] [--max_edits=K] \
      [--penalty_sd=L] [--protect=START:END ...] [--seed=S] \
      --output=designs.tsv [--plot=trajectory.png]

writes the designs (TSV in design order: design_id, sequence,
start_sequence, edits, prediction (the models' mean), prediction_sd, one
column per model, changes), <stem>.trajectory.tsv (one row per round),
the PNG of prediction by round and <stem>.summary.json; all or none.
Progress, the length policy and the guard's count go to stdout. See
docs/design.md.
"""

import time

from madlab_dream.commands import cli
from madlab_dream.commands import explain_design_flags
from madlab_dream.commands import flags
from madlab_dream.errors import InputError
from madlab_dream.inference.ensemble import Ensemble
from madlab_dream.inference.predictor import model_inputs
from madlab_dream.io import files


def run():
  f = flags.FLAGS
  if not f.model or not f.output:
    raise InputError("--model and --output are required")
  options = explain_design_flags.design_options()
  # Imported when used: it imports pandas (slow to import).
  from madlab_dream.designing import designer
  from madlab_dream.designing import outputs
  from madlab_dream.designing import starts as starts_lib
  paths = {"output": f.output, **outputs.default_paths(f.output)}
  paths.update({k: v for k, v in (("trajectory", f.trajectory),
                                  ("plot", f.plot)) if v})
  inputs = [*([f.start] if f.start else []),
            *[path for model in f.model for path in model_inputs(model)]]
  if f.start:
    files.check_readable(f.start)
  outputs.check_paths(paths, inputs)
  t0 = time.perf_counter()
  ensemble = Ensemble.from_paths(f.model, f.eval_batch_size, f.target)
  print(ensemble.describe(), flush=True)
  texts = (starts_lib.read_starts(f.start, ensemble.seq_len) if f.start
           else None)
  result = designer.run_design(ensemble, texts, options,
                               lambda line: print(line, flush=True),
                               source=f.start or "starts")
  outputs.write_all(result, paths)
  s = result.summary
  print(f"wrote {s['designs']:,} designs to {f.output} (trajectory "
        f"{paths['trajectory']}, plot {paths['plot']}, summary "
        f"{paths['summary']}); {s['evaluations']:,} candidates scored in "
        f"{time.perf_counter() - t0:.1f} s")


def main() -> None:
  """`python -m madlab_dream.design`: parses the flags and runs `run`."""
  cli.run(run, "madlab_dream.design", explain_design_flags.define_design_flags)
