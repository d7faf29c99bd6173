"""Contribution scores on a tiny model (explain/attribution.py,
gradients.py, model.one_hot_model): the checks they must pass."""

import json

import numpy as np
import pytest

from madlab_dream.config import TINY_MODEL
from madlab_dream.explain import attribution
from madlab_dream.explain.gradients import GradientModel
from madlab_dream.explain.gradients import one_hot
from madlab_dream.explain.settings import ExplainConfig
from madlab_dream.tools.simulator import sites


@pytest.fixture(scope="module")
def net():
  """The tiny model, its attention output projection (zero at
  initialisation) made small but nonzero so every block matters."""
  from madlab_dream import model
  m = model.build_model(TINY_MODEL, seed=1)
  for v in m.weights:
    if "output_kernel" in v.path:
      v.assign(np.random.default_rng(0).normal(size=v.shape) * 0.05)
  return m


@pytest.fixture(scope="module")
def engine(net):
  """One traced engine for the module (tracing costs seconds)."""
  return GradientModel(net, 128)


def _scores(engine, codes, method, **options):
  return attribution.explain_codes(
      engine, codes, ExplainConfig(method=method, batch_size=128, **options))


@pytest.fixture(scope="module")
def codes():
  codes, _ = sites.planted_set(6, seed=1)
  codes[0, 30:33] = 4  # N bases inside the variable region
  return codes


def test_one_hot_model_predicts_as_the_model(net, codes):
  from madlab_dream import model
  for source in (net, model.inference_model(net)):
    one = model.one_hot_model(source)
    assert one.input.shape[1:] == (110, 4)
    np.testing.assert_allclose(one(one_hot(codes)).numpy(),
                               net(codes).numpy(), atol=2e-6)
    assert {id(v) for v in one.weights} <= {id(v) for v in source.weights}


@pytest.mark.parametrize("baseline", ["zero", "shuffle"])
def test_integrated_gradients_are_complete(net, engine, codes, baseline):
  r = _scores(engine, codes, "integrated_gradients", steps=50,
              baseline=baseline, correct=False)
  # Relative to |f(x) - f(b)|: judged where that difference is not tiny
  # (the path integral's absolute error does not shrink with it).
  delta = np.abs(r["prediction"] - r["baseline_prediction"])
  sizeable = delta > 0.1
  assert sizeable.sum() >= 4, delta
  gap = r["completeness"]
  assert (gap[sizeable] < 0.01).all(), gap
  assert (gap * delta < 0.01).all()
  np.testing.assert_allclose(r["prediction"], net(codes).numpy()[:, 0],
                             atol=2e-6)


def test_expected_gradients_are_complete_with_the_correction(engine, codes):
  # One-hot references (N stays N): the correction cancels in x - reference.
  r = _scores(engine, codes, "expected_gradients", references=3, steps=50)
  delta = np.abs(r["prediction"] - r["baseline_prediction"])
  gap = r["completeness"]
  assert (gap[delta > 0.1] < 0.01).all() and (gap * delta < 0.01).all(), gap
  assert (r["contributions"][:, :17] == 0).all()   # flanks: x = reference
  assert (r["contributions"][:, 97:] == 0).all()


def test_completeness_and_its_log_lines():
  contributions = np.zeros((3, 2, 4))
  contributions[:, 0, 0] = [1.0, 2.0, 0.5]
  gap = attribution.completeness(contributions, [3.0, 4.0, 1.0],
                                 [2.0, 2.1, 1.0], floor=0.1)
  np.testing.assert_allclose(gap, [0.0, 0.1 / 1.9, 5.0], rtol=1e-6)
  lines = attribution.completeness_lines(gap, "integrated_gradients")
  assert "median 5.263%" in lines[0] and "worst 500.000% (sequence 3)" in (
      lines[0])
  assert lines[1].startswith("warning: 2 sequence(s) above 1%")
  assert lines[1].endswith(": 2, 3")
  assert attribution.completeness_lines([0.0, 0.005], "x")[1:] == []
  with pytest.warns(UserWarning, match="above 1%.*steps.*: 2"):
    attribution._report_completeness(gap[:2], ExplainConfig(), None)
  logged = []
  attribution._report_completeness(gap, ExplainConfig(
      method="integrated_gradients"), logged.append)
  assert "--nocorrect to check completeness" in logged[1]


def test_gauss_legendre_is_closer_to_complete_than_midpoint(engine, codes):
  from madlab_dream.explain import gradients
  alpha, weight = gradients.path_nodes(4, "gauss_legendre")
  assert weight.sum() == pytest.approx(1.0) and (0 < alpha).all() and (
      alpha < 1).all()
  # exact for a cubic: the integral of a^3 over [0, 1]
  assert (weight * alpha.astype(np.float64) ** 3).sum() == pytest.approx(
      0.25, rel=1e-6)
  with pytest.raises(ValueError, match="quadrature"):
    gradients.path_nodes(3, "simpson")
  gaps = {}
  for quadrature in ("midpoint", "gauss_legendre"):
    r = _scores(engine, codes, "integrated_gradients", steps=4,
                quadrature=quadrature, correct=False)
    delta = np.abs(r["prediction"] - r["baseline_prediction"])
    gaps[quadrature] = (r["completeness"] * np.maximum(delta, 0.01)).sum()
  assert gaps["gauss_legendre"] < gaps["midpoint"], gaps
  saliency = _scores(engine, codes[:2], "saliency")
  assert np.isnan(saliency["completeness"]).all()


def test_input_x_gradient_matches_finite_differences(engine, codes):
  r = _scores(engine, codes[:2], "input_x_gradient", correct=False)
  x = one_hot(codes[:2]).astype(np.float64)
  h = 1e-2
  for position, base in ((20, 0), (55, 2), (90, 3), (5, 1)):
    up, down = x.copy(), x.copy()
    up[:, position, base] += h
    down[:, position, base] -= h
    estimate = (engine.predict(up) - engine.predict(down)) / (2 * h)
    np.testing.assert_allclose(r["hypothetical"][:, position, base],
                               estimate, rtol=0.02, atol=1e-5)
  np.testing.assert_array_equal(r["contributions"],
                                r["hypothetical"] * r["one_hot"])


def test_ism_effects_and_saliency_magnitudes(net, engine, codes):
  ism = _scores(engine, codes[:2], "ism")
  mutant = codes[:2].copy()
  mutant[:, 60] = (mutant[:, 60] + 1) % 4
  pred = net(np.concatenate([codes[:2], mutant])).numpy()[:, 0]
  hyp = ism["hypothetical"][np.arange(2), 60]
  observed = ism["contributions"][np.arange(2), 60].sum(axis=1)
  np.testing.assert_allclose(hyp[np.arange(2), mutant[:, 60]] -
                             hyp[np.arange(2), codes[:2, 60]],
                             pred[2:] - pred[:2], atol=1e-5)
  np.testing.assert_allclose(hyp.sum(axis=1), 0, atol=1e-5)
  np.testing.assert_allclose(observed, hyp[np.arange(2), codes[:2, 60]])
  sal = _scores(engine, codes[:1], "saliency")
  peak = np.abs(sal["hypothetical"][0]).max(axis=1)
  np.testing.assert_allclose(sal["contributions"][0].sum(axis=1)[33:], peak[
      33:], rtol=1e-6)
  assert (sal["contributions"][0, 30:33] == 0).all()   # N: no letter


def test_deterministic_and_independent_of_chunks(net, engine, codes,
                                                monkeypatch):
  options = dict(references=3, steps=4, seed=7)
  whole = _scores(engine, codes, "expected_gradients", **options)
  again = attribution.contributions(net, codes, "expected_gradients",
                                    batch_size=128, **options)
  monkeypatch.setattr(attribution, "CHUNK_SEQUENCES", 4)
  chunked = _scores(engine, codes, "expected_gradients", **options)
  for key in attribution.OUTPUT_KEYS:
    np.testing.assert_array_equal(whole[key], again[key])
    np.testing.assert_allclose(whole[key], chunked[key], atol=1e-6)
  other = _scores(engine, codes, "expected_gradients", **{**options,
                                                          "seed": 8})
  assert not np.allclose(other["contributions"], whole["contributions"])


def test_run_directory_puts_scores_on_the_expression_scale(net, engine, codes,
                                                           tmp_path):
  net.save(tmp_path / "model.keras")
  meta = tmp_path / "saved_model" / "assets"
  meta.mkdir(parents=True)
  (meta / "madlab_dream.json").write_text(json.dumps({"mean": 10.0,
                                                      "sd": 2.0}))
  own = _scores(engine, codes[:2], "input_x_gradient")
  run = attribution.contributions(str(tmp_path), codes[:2],
                                  "input_x_gradient", batch_size=128)
  np.testing.assert_allclose(run["prediction"], own["prediction"] * 2 + 10,
                             rtol=1e-6)
  np.testing.assert_allclose(run["contributions"], own["contributions"] * 2,
                             rtol=1e-5, atol=1e-8)


def test_a_model_of_several_targets_explains_the_named_one(codes, tmp_path):
  from madlab_dream import model
  from madlab_dream.errors import InputError
  from madlab_dream.explain import run_model
  two = model.build_model(dict(TINY_MODEL, num_targets=2), seed=3)
  two.save(tmp_path / "model.keras")
  meta = tmp_path / "saved_model" / "assets"
  meta.mkdir(parents=True)
  (meta / "madlab_dream.json").write_text(json.dumps(
      {"targets": ["dev", "hk"], "mean": [1.0, 2.0], "sd": [3.0, 4.0]}))
  run = run_model.load(str(tmp_path), "hk")
  assert (run.mean, run.sd, run.scale) == (2.0, 4.0, "expression")
  assert run.target == "hk" and run.targets == ("dev", "hk")
  want = two(codes, training=False).numpy()[:, 1:2]
  np.testing.assert_allclose(run.model(codes, training=False).numpy(), want,
                             rtol=1e-6)
  engine = GradientModel(run.model, 128, run.mean, run.sd)
  got = _scores(engine, codes[:2], "saliency")
  np.testing.assert_allclose(got["prediction"], want[:2, 0] * 4 + 2,
                             rtol=1e-5)
  first = run_model.load(str(tmp_path))
  assert (first.mean, first.target) == (1.0, "dev")   # default: the first
  with pytest.raises(InputError, match="targets are dev, hk"):
    run_model.load(str(tmp_path), "other")


def test_settings_are_checked():
  from madlab_dream.config import ConfigError
  for bad in (dict(method="deeplift"), dict(steps=0), dict(references=-1),
              dict(baseline="random"), dict(batch_size=0)):
    with pytest.raises(ConfigError):
      ExplainConfig(**bad)
  assert ExplainConfig(references=20, steps=25).gradient_evaluations == 500


def test_default_steps_per_method():
  from madlab_dream.explain import settings
  assert ExplainConfig(method="integrated_gradients").steps == 200
  assert ExplainConfig().steps == settings.DEFAULT_STEPS[
      "expected_gradients"]
  assert ExplainConfig(method="integrated_gradients", steps=7).steps == 7
  assert ExplainConfig().quadrature == "midpoint"
