"""Shared fixtures. Tests run on CPU with few threads so they are repeatable."""

import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DEMO_TRAIN = SHARED / "data" / "dream_demo_train.txt"


@pytest.fixture(scope="session")
def demo_train() -> pathlib.Path:
  """The 6,370 real DREAM training rows shipped beside the repository."""
  if not DEMO_TRAIN.exists():
    pytest.skip(f"{DEMO_TRAIN} not present")
  return DEMO_TRAIN
