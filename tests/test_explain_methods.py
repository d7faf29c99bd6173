"""The attribution methods' registry (explain.methods): each method
declared once, and everything that names methods reads it."""

import dataclasses

import numpy as np
import pytest

from madlab_dream.explain import attribution
from madlab_dream.explain import methods
from madlab_dream.explain import settings
from madlab_dream.tools.explain_demo.proof import ProofConfig


def test_every_reader_of_methods_reads_the_registry():
  assert settings.METHODS == tuple(methods.METHODS) == (
      "saliency", "input_x_gradient", "integrated_gradients",
      "expected_gradients", "ism")
  assert settings.PATH_METHODS == ("integrated_gradients",
                                   "expected_gradients")
  field = {f.name: f for f in dataclasses.fields(settings.ExplainConfig)}
  assert field["method"].metadata["choices"] == settings.METHODS
  assert field["method"].metadata["help"] == methods.help_text()
  assert [c.method for c in ProofConfig().methods()] == [
      name for name, m in methods.METHODS.items() if m.proved]


def test_the_help_names_every_method_with_its_note():
  assert methods.help_text() == (
      "Contribution scores: saliency, input_x_gradient, "
      "integrated_gradients, expected_gradients (integrated gradients "
      "averaged over dinucleotide-shuffled references) or ism (saturation "
      "mutagenesis).")


@pytest.mark.parametrize("method, evaluations", [
    ("saliency", 1), ("input_x_gradient", 1), ("integrated_gradients", 7),
    ("expected_gradients", 21), ("ism", 331)])
def test_each_method_s_cost(method, evaluations):
  config = settings.ExplainConfig(method=method, references=3, steps=7)
  assert config.gradient_evaluations == evaluations


def test_a_registered_method_is_accepted_and_run(monkeypatch):
  def constant_scores(engine, codes, config, first_index):
    n, length = codes.shape
    return {"hypothetical": np.full((n, length, 4), 0.5, np.float32),
            "prediction": np.ones(n, np.float32),
            "baseline_prediction": np.zeros(n, np.float32)}

  added = methods.Method("constant", constant_scores, lambda config: 0,
                         proved=False)
  monkeypatch.setitem(methods.METHODS, "constant", added)
  config = settings.ExplainConfig(method="constant")
  assert config.gradient_evaluations == 0
  codes = np.array([[0, 1, 2, 3, 4]], np.uint8)
  out = attribution.explain_codes(None, codes, config)
  assert out["contributions"].sum() == pytest.approx(0.5 * 4)  # N: zero
