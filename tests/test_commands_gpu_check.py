"""The GPU check's smoke form (python -m madlab_dream.gpu_check --smoke) on CPU, Keras on
JAX, every process of it without TensorFlow and Matplotlib as on the GPU
machines it is written for: every step runs and the report holds the
figures the run measured."""

import json
import os
import subprocess
import sys

import pytest
from helpers import REPO
from helpers import env


@pytest.mark.long
def test_gpu_check_smoke_runs_on_cpu_without_tensorflow(tmp_path):
  e = env()
  e["KERAS_BACKEND"] = "jax"
  e["PYTHONPATH"] = os.pathsep.join([str(REPO / "tests" / "gpu_machine"),
                                     e.get("PYTHONPATH", "")])
  report = tmp_path / "BENCHMARKS_GPU.md"
  proc = subprocess.run(
      [sys.executable, "-m",
       "madlab_dream.gpu_check", "--smoke", f"--output_dir={tmp_path}",
       f"--report={report}"], env=e, cwd=REPO, capture_output=True,
      text=True, timeout=900)
  assert proc.returncode == 0, proc.stderr[-3000:]
  assert not list((tmp_path / "run").glob("*.png"))
  figures = json.loads(report.with_suffix(".json").read_text())
  assert figures["e2e"]["backend"] == "jax" and figures["e2e"]["epochs"]
  assert 0 < figures["e2e"]["ceiling"] < 1
  assert "pearson_score" in figures["e2e"]["official"]
  assert figures["bare_steps"][0]["seq_per_s"] > 0
  text = report.read_text()
  for e in figures["e2e"]["epochs"]:
    assert f"{e['val_pearson']:.4f}" in text
  assert f"{figures['bare_steps'][0]['seq_per_s']:,.0f}" in text
