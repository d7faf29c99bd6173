"""The score as text and Markdown, and strict JSON (scoring.score_formats)."""

from scoring_cases import HAND_WEIGHTS
from scoring_cases import load_all

from madlab_dream import scoring


def test_markdown_and_text_report(inputs):
  gt, sub, pub, tsv, _ = inputs
  result = scoring.score(*load_all(gt, sub, pub, tsv), mode="ignore")
  md = scoring.to_markdown(result)
  text = scoring.to_text(result)
  for name in HAND_WEIGHTS:
    assert f"| {name} |" in md
    assert name in text
  assert f"{result['pearson_score']:.4f}" in md
  assert f"{result['spearman_score']:.4f}" in text


# --- Bad input ---------------------------------------------------------------
