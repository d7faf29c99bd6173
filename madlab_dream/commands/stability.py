r"""How trained models behave on homopolymer runs and tandem repeats.

  python -m madlab_dream.stability --models=demo=runs/demo \\
      --sequence_files=train=data/train_sequences.txt --output=stability.md

For each model: the largest |prediction| (expression scale) and the largest
|BiLSTM cell state| on homopolymer runs of each base and on short tandem
repeats, 10-80 nt inside the 80-nt region between the DREAM flanks, each on
--backgrounds random backgrounds (16), against --random_rows random regions
(1,000); and the shortest run
whose prediction leaves the trusted range (the trained range widened by one
training sd). For each sequence file: how many rows have a homopolymer run
of at least 8-40 nt in the L nt the model sees. Writes the Markdown report
--output and its figures beside it (.json).
"""

import json
import os

from madlab_dream import compat
from madlab_dream.commands import cli
from madlab_dream.commands import flags
from madlab_dream.errors import InputError
from madlab_dream.inference import stability_report
from madlab_dream.inference.predictor import model_inputs
from madlab_dream.io import files


def named(values: list[str], what: str) -> dict[str, str]:
  """NAME=PATH or PATH items -> {name: path} (the name: the path's base
  name); each path must exist."""
  out = {}
  for value in values:
    name, _, path = value.rpartition("=")
    name = name or os.path.basename(os.path.normpath(path))
    if not os.path.exists(path):
      raise InputError(f"no such {what}", path)
    out[name] = path
  return out


def run():
  args = flags.FLAGS
  if not args.models:
    raise InputError("--models is required")
  if not args.output:
    raise InputError("--output is required")
  models = named(args.models, "run directory")
  sequence_files = named(args.sequence_files, "sequence file")
  for path in sequence_files.values():
    files.check_readable(path)
  files.check_output(args.output, [
      *[path for run in models.values() for path in model_inputs(run)],
      *sequence_files.values()])
  if compat.keras().backend.backend() == "tensorflow":
    compat.tensorflow()  # started quietly, as every command starts it
  # Imported when used: it imports pandas (slow to import).
  from madlab_dream.inference import stability
  if args.backgrounds < 1 or args.random_rows < 1:
    raise InputError("--backgrounds and --random_rows must be at least 1")
  figures = stability.report(models, sequence_files, args.seed,
                             args.backgrounds, args.random_rows)
  base = os.path.splitext(args.output)[0]
  files.write_text(base + ".json", json.dumps(figures, indent=1,
                                              default=float) + "\n")
  files.write_text(args.output, stability_report.markdown(figures))
  print(f"wrote {args.output} and {base}.json")


def main() -> None:
  """`python -m madlab_dream.stability`: parses the flags and runs `run`."""
  cli.run(run, "madlab_dream.stability", flags.define_stability_flags)
