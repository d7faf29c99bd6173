"""Score test-set predictions with the DREAM Challenge 2022 official scoring.

  python -m madlab_dream.evaluate --predictions=predictions.json \
      --ground_truth=data/filtered_test_data_with_MAUDE_expression.txt \
      --subsets_dir=data/test_subset_ids \
      --public_dir=data/public_leaderboard_ids --public=exclude \
      --output=score.json

--predictions: our TSV (`sequence<TAB>prediction`, position order) or the
  challenge's JSON (`{"<position>": prediction}`), as written by
  `madlab_dream.predict`.
--public: what to do with the public-leaderboard positions: `exclude` (the
  organisers' default, the final leaderboard; default when --public_dir is
  given), `only` (what the public leaderboard showed) or `ignore` (default
  without --public_dir).

Prints Pearson r and Spearman rho for all positions and each subset, then the
Pearson and Spearman scores (see `madlab_dream.scoring`). With --output,
writes the result as JSON and a Markdown report beside it (same stem, `.md`;
none beside a device or pipe such as /dev/null); neither may be an input
nor lie inside --subsets_dir or --public_dir, and `.gz` is refused (write
the JSON plainly).
A missing subset file is reported and the scores then cover the present
subsets only (`complete: false`).
"""

import time

from madlab_dream import scoring
from madlab_dream.commands import cli
from madlab_dream.commands import flags
from madlab_dream.errors import InputError
from madlab_dream.io import files


def run():
  args = flags.FLAGS
  for name in ("predictions", "ground_truth", "subsets_dir"):
    if not args[name].value:
      raise InputError(f"--{name} is required")
  if args.output:
    inputs = [args.predictions, args.ground_truth, args.subsets_dir,
              args.public_dir]
    markdown = scoring.markdown_path(args.output)
    for path in filter(None, (args.output, markdown)):
      files.check_output(path, inputs, gzip_ok=False)
    if markdown == args.output:
      raise InputError("--output must not end in .md (the Markdown report "
                       "is written beside the JSON, same stem)", args.output)
  started = time.perf_counter()
  result = scoring.evaluate(args.predictions, args.ground_truth,
                            args.subsets_dir, args.public_dir, args.public)
  print(scoring.to_text(result), end="")
  if args.output:
    markdown = scoring.write_outputs(result, args.output)
    also = f" and {markdown}" if markdown else ""
    print(f"wrote {args.output}{also} in "
          f"{time.perf_counter() - started:.1f} s")


def main() -> None:
  """`python -m madlab_dream.evaluate`: parses the flags and runs `run`."""
  cli.run(run, "madlab_dream.evaluate", flags.define_evaluate_flags)
