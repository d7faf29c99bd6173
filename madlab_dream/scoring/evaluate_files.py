"""A whole evaluation: read and check every input, score, write reports."""

from __future__ import annotations

import json
import sys

from madlab_dream.errors import InputError
from madlab_dream.io import files
from madlab_dream.scoring.inputs import load_ground_truth
from madlab_dream.scoring.inputs import load_predictions
from madlab_dream.scoring.inputs import load_public
from madlab_dream.scoring.inputs import load_subsets
from madlab_dream.scoring.official import score
from madlab_dream.scoring.score_formats import jsonable
from madlab_dream.scoring.score_formats import to_markdown


def markdown_path(output: str) -> str | None:
  """The Markdown report's path beside the JSON `output` (None beside a
  device or pipe)."""
  return files.sidecar(output, ".md")


def evaluate(predictions: str, ground_truth: str, subsets_dir: str,
             public_dir: str | None = None, public: str | None = None,
             log=print) -> dict:
  """Loads every input, checks it, and returns `score`'s result.

  `public`: "exclude", "only" or "ignore" (default: exclude with
  `public_dir`, else ignore). A sequence mismatch between the predictions
  TSV and the ground truth is warned about on stderr.
  """
  mode = public or ("exclude" if public_dir else "ignore")
  if mode != "ignore" and not public_dir:
    raise InputError(f"--public={mode} needs --public_dir (the challenge's "
                     "public_leaderboard_ids folder)")
  for path in (predictions, ground_truth):
    files.check_readable(path)
  truth, truth_seqs = load_ground_truth(ground_truth,
                                                return_sequences=True)
  n = len(truth)
  log(f"ground truth: {n:,} rows, {int((truth != truth).sum()):,} without a "
      "measured value (skipped)")
  duplicates: dict = {}
  subsets = load_subsets(subsets_dir, n, duplicates)
  for name, count in duplicates.items():
    what = "pair" if subsets[name].ndim == 2 else "row"
    log(f"subset {name}: {count:,} duplicate {what}{'s' * (count != 1)} "
        "dropped (each counts once, as in the official evaluation)")
  public_sets = None
  if public_dir and mode != "ignore":
    public_sets = load_public(public_dir, n)
  pred, pred_seqs = load_predictions(predictions, n,
                                             return_sequences=True)
  mismatches = 0
  if pred_seqs is not None:
    different = [i for i, (a, b) in enumerate(zip(pred_seqs, truth_seqs))
                 if a.upper() != b.upper()]
    mismatches = len(different)
    if different:
      sys.stderr.write(
          f"warning: {predictions}: {mismatches:,} sequence"
          f"{'s differ' if mismatches != 1 else ' differs'} from the "
          f"ground truth's at the same row (first: row {different[0] + 1}); "
          "are the predictions in test-file order?\n")
  result = score(pred, truth, subsets, public_sets, mode)
  result["counts"]["sequence_mismatches"] = mismatches
  result["counts"]["subset_duplicates_dropped"] = duplicates
  result["inputs"] = {"predictions": predictions,
                      "ground_truth": ground_truth,
                      "subsets_dir": subsets_dir, "public_dir": public_dir}
  return result


def write_outputs(result: dict, output: str) -> str:
  """Writes JSON `output` and the Markdown beside it; returns the .md path
  (None: none beside a device or pipe)."""
  markdown = markdown_path(output)
  text = json.dumps(jsonable(result), indent=2, allow_nan=False)
  files.write_text(output, text + "\n")
  if markdown:
    files.write_text(markdown, to_markdown(result))
  return markdown
