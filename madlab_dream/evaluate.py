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
writes the result as JSON and a Markdown report beside it (same stem, `.md`).
A missing subset file is reported and the scores then cover the present
subsets only (`complete: false`).
"""

from __future__ import annotations

import json
import os
import sys
import time

from absl import flags

from madlab_dream import files
from madlab_dream import scoring
from madlab_dream.errors import InputError

FLAGS = flags.FLAGS


def _define_flags():
  flags.DEFINE_string("predictions", None, "Predictions: TSV "
                      "`sequence<TAB>prediction` in position order, or JSON "
                      '{"<position>": prediction}; .gz accepted.')
  flags.DEFINE_string("ground_truth", None, "The challenge's "
                      "filtered_test_data_with_MAUDE_expression.txt.")
  flags.DEFINE_string("subsets_dir", None, "The challenge's test_subset_ids "
                      "folder (high_exp_seqs.csv, all_SNVs_seqs.csv, ...).")
  flags.DEFINE_string("public_dir", None, "The challenge's "
                      "public_leaderboard_ids folder (optional).")
  flags.DEFINE_enum("public", None, list(scoring.MODES),
                    "Public-leaderboard positions: exclude (final "
                    "leaderboard), only (public leaderboard) or ignore. "
                    "Default: exclude with --public_dir, else ignore.")
  flags.DEFINE_string("output", None, "Result JSON (optional); a Markdown "
                      "report is written beside it with the .md suffix.")


def markdown_path(output: str) -> str:
  """The Markdown report's path beside the JSON `output`."""
  return os.path.splitext(output)[0] + ".md"


def evaluate(predictions: str, ground_truth: str, subsets_dir: str,
             public_dir: str | None = None, public: str | None = None,
             log=print) -> dict:
  """Loads every input, checks it, and returns `scoring.score`'s result."""
  mode = public or ("exclude" if public_dir else "ignore")
  if mode != "ignore" and not public_dir:
    raise InputError(f"--public={mode} needs --public_dir (the challenge's "
                     "public_leaderboard_ids folder)")
  for path in (predictions, ground_truth):
    files.check_readable(path)
  truth, truth_seqs = scoring.load_ground_truth(ground_truth,
                                                return_sequences=True)
  n = len(truth)
  log(f"ground truth: {n:,} rows, {int((truth != truth).sum()):,} without a "
      "measured value (skipped)")
  subsets = scoring.load_subsets(subsets_dir, n)
  public_sets = None
  if public_dir and mode != "ignore":
    public_sets = scoring.load_public(public_dir, n)
  pred, pred_seqs = scoring.load_predictions(predictions, n,
                                             return_sequences=True)
  mismatches = 0
  if pred_seqs is not None:
    different = [i for i, (a, b) in enumerate(zip(pred_seqs, truth_seqs))
                 if a.upper() != b.upper()]
    mismatches = len(different)
    if different:
      sys.stderr.write(
          f"warning: {predictions}: {mismatches:,} sequences differ from the "
          f"ground truth's at the same row (first: line {different[0] + 1}); "
          "are the predictions in test-file order?\n")
  result = scoring.score(pred, truth, subsets, public_sets, mode)
  result["counts"]["sequence_mismatches"] = mismatches
  result["inputs"] = {"predictions": predictions,
                      "ground_truth": ground_truth,
                      "subsets_dir": subsets_dir, "public_dir": public_dir}
  return result


def write_outputs(result: dict, output: str) -> str:
  """Writes JSON `output` and the Markdown beside it; returns the .md path."""
  md = markdown_path(output)
  text = json.dumps(scoring.jsonable(result), indent=2, allow_nan=False)
  files.write_text(output, text + "\n")
  files.write_text(md, scoring.to_markdown(result))
  return md


def main(argv):
  from absl import app
  if len(argv) > 1:
    raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
  for name in ("predictions", "ground_truth", "subsets_dir"):
    if not getattr(FLAGS, name):
      raise InputError(f"--{name} is required")
  if FLAGS.output:
    files.check_writable_file(FLAGS.output)
    if markdown_path(FLAGS.output) == FLAGS.output:
      raise InputError("--output must not end in .md (the Markdown report "
                       "is written beside the JSON, same stem)", FLAGS.output)
  t0 = time.perf_counter()
  result = evaluate(FLAGS.predictions, FLAGS.ground_truth, FLAGS.subsets_dir,
                    FLAGS.public_dir, FLAGS.public)
  print(scoring.to_text(result), end="")
  if FLAGS.output:
    md = write_outputs(result, FLAGS.output)
    print(f"wrote {FLAGS.output} and {md} in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
  from madlab_dream import errors
  _define_flags()
  errors.run(main, "madlab_dream.evaluate")
