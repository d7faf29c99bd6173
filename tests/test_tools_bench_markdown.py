"""tools.bench.markdown: the committed BENCHMARKS.json renders."""

import json

from conftest import REPO

from madlab_dream.tools.bench import markdown


def test_the_committed_results_render():
  results = json.loads((REPO / "BENCHMARKS.json").read_text())
  text = markdown.render(results)
  assert text.startswith("# Benchmarks")
  for title, _ in markdown.NEEDS.values():
    assert f"## {title}" in text
  # every section drawn from results that are there is rendered
  if "runs" in results:
    assert "Not in these results" not in text


def test_a_section_without_its_results_says_so():
  results = json.loads((REPO / "BENCHMARKS.json").read_text())
  results.pop("runs", None)
  text = markdown.render(results)
  assert "## Throughput\n\nNot in these results (no runs" in text


def test_each_sections_cost_is_listed_with_the_total():
  results = json.loads((REPO / "BENCHMARKS.json").read_text())
  results["section_seconds"] = {"preprocessing": 30.0, "throughput": 90.0}
  text = markdown.render(results)
  assert "| preprocessing | 30.0 s |" in text
  assert "| **all sections** | 2.0 min |" in text
