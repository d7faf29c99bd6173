"""The stability command's arguments (NAME=PATH lists)."""

import pytest

from madlab_dream.commands.stability import named
from madlab_dream.errors import InputError


def test_names_are_given_or_taken_from_the_path(tmp_path):
  run = tmp_path / "run_a"
  run.mkdir()
  assert named([f"first={run}", str(run)], "run directory") == {
      "first": str(run), "run_a": str(run)}
  with pytest.raises(InputError, match="no such run directory"):
    named([str(tmp_path / "missing")], "run directory")
