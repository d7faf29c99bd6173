"""Predict expression with an exported model, in the challenge's formats.

  python -m madlab_dream.predict --model=runs/base --input=test_sequences.txt \
      --output=predictions.json

--model: a run directory (with saved_model/) or a SavedModel directory.
--input: the challenge's test_sequences.txt (empty second column), any
  `sequence<TAB>value` file, FASTA, or one sequence per line; `.gz` accepted;
  a pipe works (`--input=/dev/stdin`): the input is read once.
--output: `.json` -> {"<position>": prediction} like the challenge's
  sample_submission.json; otherwise TSV `sequence<TAB>prediction` (the test
  file filled in). --format overrides the extension; a `.gz` name is written
  gzip-compressed. It may not be the input.
--eval_batch_size: sequences per model call (the same flag as training's).

Predictions are on the original expression scale, in input order. Input is
streamed in blocks; the output is written to a temporary file and renamed
when complete (a named pipe or a device is written straight).
"""

import time

from madlab_dream import cli
from madlab_dream import flags
from madlab_dream.errors import InputError
from madlab_dream.inference.predict_file import predict_file
from madlab_dream.inference.predictor import Predictor
from madlab_dream.io import files


def main():
  args = flags.FLAGS
  for name in ("model", "input", "output"):
    if not args[name].value:
      raise InputError(f"--{name} is required")
  if args.eval_batch_size < 1:
    raise InputError(f"--eval_batch_size={args.eval_batch_size}: must be "
                     "at least 1")
  files.check_readable(args.input)
  files.check_output(args.output, [args.input])
  started = time.perf_counter()
  predictor = Predictor(args.model, args.eval_batch_size)
  if args.target:
    predictor.select_target(args.target)
  print(f"model: {predictor.describe()}", flush=True)
  count = predict_file(predictor, args.input, args.output, args.format,
                       args.reverse_complement)
  print(f"wrote {count:,} predictions to {args.output} in "
        f"{time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
  cli.run(main, "madlab_dream.predict", flags.define_predict_flags)
