"""Predict expression with an exported model, in the challenge's formats.

  python -m madlab_dream.predict --model=runs/base --input=test_sequences.txt \
      --output=predictions.json

--model: a run directory (with saved_model/) or a SavedModel directory;
  repeated (an ensemble, e.g. of seeds), the output is TSV: sequence,
  prediction (the models' mean), prediction_sd, then one column per model.
--input: the challenge's test_sequences.txt (empty second column), any
  `sequence<TAB>value` file, FASTA, or one sequence per line; `.gz` accepted;
  a pipe works (`--input=-` or `/dev/stdin`): the input is read once.
--output: `.json` -> {"<position>": prediction} like the challenge's
  sample_submission.json; otherwise TSV with a header row,
  `sequence<TAB>prediction` (the test file filled in) and `out_of_range` (1 where the prediction lies outside the
  trained range widened by one training sd, else 0; only for a model that
  records its trained range). --format overrides the extension; a `.gz` name is written
  gzip-compressed. It may not be the input.
--sequence_column: --input is a table with a header row, as train reads
  (`--sequence_column` there): predict that column's sequences.
--eval_batch_size: sequences per model call (the same flag as training's).

Predictions are on the original expression scale, in input order; a line
says how many sequences were trimmed to L or padded to L. The command
prints `N of M predictions outside the trained range [a, b]` (for either
format), or once that the model's trained range is unknown. Input is
streamed in blocks; the output is written to a temporary file and renamed
when complete (a named pipe or a device is written straight); `-` is
standard output, and then every message goes to stderr. Progress goes to
stderr when it is a terminal, with the total for a plain input file.
"""

import os
import sys
import time

from madlab_dream.commands import cli
from madlab_dream.commands import flags
from madlab_dream.errors import InputError
from madlab_dream.inference import ensemble
from madlab_dream.inference import out_of_range
from madlab_dream.inference import predictor as predictor_lib
from madlab_dream.inference.predict_file import output_format
from madlab_dream.inference.predict_file import predict_file
from madlab_dream.inference.predictor import Predictor
from madlab_dream.io import files


def _check_ensemble_flags(args) -> None:
  """What several --model cannot do, refused before any work."""
  if output_format(args.output, args.format) == "json":
    raise InputError("several --model write TSV (the mean, sd and each "
                     "model's column), not a .json submission: give a TSV "
                     "--output, or one --model", args.output)
  if args.reverse_complement:
    raise InputError("--reverse_complement takes one --model")


def _predict_ensemble(args, say) -> tuple[int, list[str]]:
  """Several --model: the ensemble's TSV; each member's out-of-range line."""
  models = ensemble.Ensemble.from_paths(args.model, args.eval_batch_size,
                                        args.target)
  say(f"models:\n{models.describe()}")
  outside = [out_of_range.OutOfRange(out_of_range.for_predictor(m))
             for m in models.members]
  count = ensemble.predict_ensemble_file(models, args.input, args.output,
                                         outside, args.sequence_column)
  return count, [f"{name}: {counter.line()}"
                 for name, counter in zip(models.names, outside)]


def _predict_one(args, say) -> tuple[int, list[str]]:
  """One --model: the challenge's formats; the out-of-range line."""
  predictor = Predictor(args.model[0], args.eval_batch_size)
  if args.target:
    predictor.select_target(args.target)
  say(f"model: {predictor.describe()}")
  outside = out_of_range.OutOfRange(
      out_of_range.for_predictor(predictor))
  fitted = {}
  count = predict_file(predictor, args.input, args.output, args.format,
                       args.reverse_complement, outside=outside,
                       fitted=fitted, sequence_column=args.sequence_column)
  length = predictor.seq_len
  return count, [f"sequences longer than {length} nt (their last {length} "
                 f"nt kept): {fitted['trimmed']:,}; shorter (padded on the "
                 f"left with N): {fitted['padded']:,}", outside.line()]


def standard_streams(args) -> bool:
  """`-` as --input / --output means stdin / stdout; True when the
  predictions go to stdout (messages then go to stderr)."""
  if args.input == "-":
    args.input = "/dev/stdin"
  if args.output == "-":
    args.output = "/dev/stdout"
  return os.path.realpath(args.output) in (
      os.path.realpath("/dev/stdout"), os.path.realpath("/proc/self/fd/1"))


def run():
  args = flags.FLAGS
  for name in ("model", "input", "output"):
    if not args[name].value:
      raise InputError(f"--{name} is required")
  stream = sys.stderr if standard_streams(args) else sys.stdout

  def say(text: str) -> None:
    print(text, file=stream, flush=True)

  if args.eval_batch_size < 1:
    raise InputError(f"--eval_batch_size={args.eval_batch_size}: must be "
                     "at least 1")
  files.check_readable(args.input)
  models = [path for model in args.model
            for path in predictor_lib.model_inputs(model)]
  files.check_output(args.output, [args.input, *models])
  several = len(args.model) > 1
  if several:
    _check_ensemble_flags(args)
  started = time.perf_counter()
  count, lines = (_predict_ensemble if several else _predict_one)(args, say)
  say(f"wrote {count:,} prediction{'s' * (count != 1)} to {args.output} in "
      f"{time.perf_counter() - started:.1f} s")
  say("\n".join(lines))


def main() -> None:
  """`python -m madlab_dream.predict`: parses the flags and runs `run`."""
  cli.run(run, "madlab_dream.predict", flags.define_predict_flags)
