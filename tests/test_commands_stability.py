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


@pytest.mark.slow
def test_the_command_end_to_end_on_a_tiny_run(tmp_path, demo_train):
  import json
  import subprocess
  import sys

  from helpers import REPO
  from helpers import env

  from madlab_dream import model
  from madlab_dream.config import TINY_MODEL
  from madlab_dream.inference import export
  run = tmp_path / "tiny"
  run.mkdir()
  net = model.build_model(TINY_MODEL, seed=1)
  net.save(run / "model.keras")
  export.export_saved_model(net, str(run / "saved_model"), mean=10.0, sd=2.0,
                            seq_len=110, metadata={"trained_range": {
                                "min": 0.0, "max": 17.0, "sd": 2.0}})
  sample = tmp_path / "sample.txt"
  sample.write_text("\n".join(demo_train.read_text().splitlines()[:50]) + "\n")
  out = tmp_path / "stability.md"
  loud = {k: v for k, v in env().items() if k != "TF_CPP_MIN_LOG_LEVEL"}
  proc = subprocess.run(
      [sys.executable, "-m", "madlab_dream.stability", f"--models=tiny={run}",
       f"--sequence_files=sample={sample}", "--backgrounds=1",
       "--random_rows=5", f"--output={out}"], capture_output=True, text=True,
      env=loud, cwd=REPO, timeout=300)
  assert proc.returncode == 0, proc.stderr[-3000:]
  figures = json.loads((tmp_path / "stability.json").read_text())
  assert figures["models"]["tiny"]["trusted_range"] == [-2.0, 19.0]
  assert figures["run_lengths"]["sample"]["rows"] == 50
  assert "## " in out.read_text()
  # TensorFlow's C++ log lines are hidden, as by every other command
  assert not [line for line in proc.stderr.splitlines()
              if line.startswith(("I0000", "W0000", "E0000"))], proc.stderr
