"""The challenge: its file formats, subsets and official scores.

  names.py       file and subset names, score weights, public modes
  inputs.py      reading ground truth, predictions, subsets, public ids
  official.py    the Pearson and Spearman scores (organisers' evaluation.py)
  score_formats.py   the result as text, Markdown and strict JSON
  evaluate_files.py  read, check, score and write: what `evaluate` runs

Typical use (notebook):

  from madlab_dream import scoring
  truth = scoring.load_ground_truth(
      "filtered_test_data_with_MAUDE_expression.txt")
  subsets = scoring.load_subsets("test_subset_ids", n=len(truth))
  public = scoring.load_public("public_leaderboard_ids", n=len(truth))
  pred = scoring.load_predictions("predictions.json", n=len(truth))
  result = scoring.score(pred, truth, subsets, public, mode="exclude")
  print(scoring.to_markdown(result))
"""

from madlab_dream.scoring.evaluate_files import evaluate
from madlab_dream.scoring.evaluate_files import markdown_path
from madlab_dream.scoring.evaluate_files import write_outputs
from madlab_dream.scoring.inputs import load_ground_truth
from madlab_dream.scoring.inputs import load_predictions
from madlab_dream.scoring.inputs import load_public
from madlab_dream.scoring.inputs import load_subset
from madlab_dream.scoring.inputs import load_subsets
from madlab_dream.scoring.names import PAIR_FILES
from madlab_dream.scoring.names import PUBLIC_FILES
from madlab_dream.scoring.names import PUBLIC_MODES
from madlab_dream.scoring.names import SINGLE_FILES
from madlab_dream.scoring.names import SUBSET_NAMES
from madlab_dream.scoring.names import TOTAL_WEIGHT
from madlab_dream.scoring.names import WEIGHTS
from madlab_dream.scoring.official import correlations
from madlab_dream.scoring.official import score
from madlab_dream.scoring.score_formats import jsonable
from madlab_dream.scoring.score_formats import to_markdown
from madlab_dream.scoring.score_formats import to_text

__all__ = ["PAIR_FILES", "PUBLIC_FILES", "PUBLIC_MODES",
           "SINGLE_FILES", "SUBSET_NAMES", "TOTAL_WEIGHT", "WEIGHTS",
           "correlations", "evaluate", "jsonable", "load_ground_truth",
           "load_predictions", "load_public", "load_subset", "load_subsets",
           "markdown_path", "score", "to_markdown", "to_text",
           "write_outputs"]
