"""Shared fixtures. Tests run on CPU with few threads so they are repeatable."""

import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
DEMO_TRAIN = REPO / "tests" / "data" / "dream_demo_train.txt"


@pytest.fixture(scope="session")
def demo_train() -> pathlib.Path:
  """The 6,370 real DREAM training rows (tests/data/README.md)."""
  return DEMO_TRAIN


@pytest.fixture(scope="session")
def exported_model(tmp_path_factory) -> pathlib.Path:
  """A tiny model's SavedModel (L = 110, seed 1), in a run-like directory.

  The attention output projection (zero at initialisation) is randomised so
  that the output depends on the input through every block.
  """
  import numpy as np

  from madlab_dream import model
  from madlab_dream.config import TINY_MODEL
  from madlab_dream.inference import export
  d = tmp_path_factory.mktemp("model")
  net = model.build_model(TINY_MODEL, seed=1)
  for v in net.weights:
    if "output_kernel" in v.path:
      v.assign(np.random.default_rng(0).normal(size=v.shape) * 0.3)
  export.export_saved_model(net, str(d / "saved_model"), mean=10.0, sd=2.0,
                            seq_len=110)
  return d


@pytest.fixture(scope="session")
def predictor(exported_model):
  """A Predictor on `exported_model` (inference.predictor)."""
  from madlab_dream.inference.predictor import Predictor
  return Predictor(str(exported_model))


@pytest.fixture
def inputs(tmp_path):
  """Scoring inputs (tests/scoring_cases.py) written under tmp_path."""
  from scoring_cases import write_inputs
  return write_inputs(tmp_path)
