"""`python -m madlab_dream.bench`: a --quick run on each backend, its
refusals, and the command for a GPU machine without a package index."""

import importlib.metadata
import json
import re
import shutil
import subprocess
import sys

import pytest
from helpers import REPO
from helpers import assert_one_line_error
from helpers import env
from helpers import run_module

from madlab_dream.errors import InputError
from madlab_dream.tools.bench import jax_benchmark
from madlab_dream.tools.bench import markdown
from madlab_dream.tools.bench import tensorflow_benchmark
from madlab_dream.tools.bench.sizes import QUICK

GPU_RUN = REPO / "madlab_dream" / "tools" / "bench" / "gpu_run.sh"
MODEL_SECTIONS = ("runs", "flops", "derived", "formulations", "lengths")


@pytest.mark.slow
@pytest.mark.long
def test_quick_run_on_tensorflow(tmp_path):
  # In this process (it has TensorFlow already): every section once.
  out = tmp_path / "B.md"
  tensorflow_benchmark.run_benchmark(str(out), quick=True,
                                     bench_dir=str(tmp_path / "work"),
                                     argv=["--quick"])
  r = json.loads((tmp_path / "B.json").read_text())
  assert out.read_text() == markdown.render(r)
  assert r["preprocessing"]["counts"]["read"] == QUICK.rows
  assert [run["rows"] for run in r["madlab_approach"]["runs"]] == list(
      QUICK.madlab_rows)
  assert r["pipeline"]["sequences"] == QUICK.pipeline_batches * 1024
  run = r["runs"]["float32"]
  assert set(run["runs"]) == {"no_xla"} and run["matmul"]["flops_per_s"] > 0
  for kind in ("train_step", "fit", "inference"):
    assert len(run["runs"]["no_xla"][kind]["windows_per_s"]) == QUICK.windows
  assert run["runs"]["no_xla"]["fit"]["jit_compile"] is False
  assert r["formulations"]["max_abs_difference"] < 1e-4
  lengths = r["lengths"]
  assert set(lengths["training"]["seq_per_s"]) == {"L=110", "L=249"}
  assert lengths["flops"]["249"]["attention"] > lengths["flops"]["110"][
      "attention"]
  p = r["precisions"]
  assert p["matmul"]["dtype"] == "bfloat16" and set(p["training"]) == {
      "no_xla"}
  assert p["accuracy"]["steps"] == QUICK.accuracy_steps
  assert p["auto"]["mixed_precision"] in ("none", "mixed_bfloat16")
  m = r["mutagenesis"]
  assert m["variants"] == 3 * 110 * m["sequences"] == 3 * 110 * 4
  e = r["explain_design"]
  assert e["gradients"]["batch_size"] == QUICK.gradient_batch
  assert e["gradients"]["gradient_evaluations_per_s"] > 0
  assert e["gradients"]["vs_training"] > 0
  assert e["design"]["candidate_evaluations_per_s"] > 0 < e["design"]["ratio"]
  assert {row["block"] for row in r["profile_table"]} == {
      "conv", "transformer", "bilstm", "head"}
  text = out.read_text()
  assert "## Explaining and designing" in text
  assert "## What the figures show" in text and "- Targets met:" in text


def test_too_few_rows_are_refused_before_any_work(tmp_path):
  with pytest.raises(InputError, match="--rows must be at least 1,000"):
    tensorflow_benchmark.run_benchmark(str(tmp_path / "B.md"), rows=10,
                                       quick=True,
                                       bench_dir=str(tmp_path / "work"))
  assert not list(tmp_path.iterdir())


@pytest.mark.slow
@pytest.mark.skipif(sys.version_info < (3, 11),
                    reason="JAX 0.10 needs Python >= 3.11")
@pytest.mark.long
def test_quick_run_on_jax_without_tensorflow(tmp_path):
  out = tmp_path / "G.md"
  e = env()
  e.pop("KERAS_BACKEND", None)  # the command selects it
  proc = subprocess.run(
      [sys.executable, str(REPO / "tests" / "no_tensorflow.py"), "-m",
       "madlab_dream.bench", "--backend=jax", "--quick", f"--output={out}"],
      env=e, cwd=REPO, capture_output=True, text=True, timeout=600)
  assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
  r = json.loads((tmp_path / "G.json").read_text())
  assert r["device"]["platform"] == "cpu"
  assert r["hardware"]["keras_backend"] == "jax"
  assert set(r) >= set(MODEL_SECTIONS) and "preprocessing" not in r
  calls = r["runs"]["float32"]["runs"]["xla"]
  assert calls["fit"]["jit_compile"] is True
  assert calls["fit"]["window_calls"] >= calls["train_step"]["window_calls"]
  assert r["formulations"]["max_abs_difference"] < 1e-4
  candidates = r["candidates"]
  assert set(candidates["compiled"]) == {"model", "shift_attention",
                                         "merged_conv"}
  assert all(c["flops"] > 0 and c["temp_bytes"] > 0
             for c in candidates["compiled"].values())
  assert max(candidates["relative_difference"].values()) < 1e-5
  text = out.read_text()
  assert "JAX sees no accelerator" in text
  assert "## Candidate formulations of the layers" in text


def test_rows_do_not_apply_to_jax(tmp_path):
  proc = run_module("madlab_dream.bench", "--backend=jax", "--rows=10",
                    f"--output={tmp_path / 'G.md'}", timeout=60)
  assert_one_line_error(proc, "--rows", "--backend=jax")


def test_jax_run_refuses_keras_on_another_backend(tmp_path):
  # This process imported Keras on TensorFlow.
  with pytest.raises(InputError, match="KERAS_BACKEND=jax"):
    jax_benchmark.run_jax_benchmark(str(tmp_path / "G.md"), quick=True)
  assert not (tmp_path / "G.md").exists()


def test_gpu_run_refuses_to_start_without_the_wheels(tmp_path):
  script = tmp_path / "madlab_dream" / "tools" / "bench" / "gpu_run.sh"
  script.parent.mkdir(parents=True)
  shutil.copy(GPU_RUN, script)
  proc = subprocess.run(["bash", str(script), str(tmp_path / "out")],
                        capture_output=True, text=True, timeout=30)
  assert proc.returncode == 2 and "make gpu-wheels" in proc.stderr
  assert not (tmp_path / "out").exists()


def test_the_gpu_wheels_complete_what_gpu_run_expects():
  pins = re.search(r"^GPU_WHEELS \?= (.+)$", (REPO / "Makefile").read_text(),
                   re.M).group(1)
  wheels = dict(p.split("==") for p in pins.split())
  for name, version in wheels.items():
    assert importlib.metadata.version(name) == version, name
  expected = set(re.search(r"^#   requires: (.+)$", GPU_RUN.read_text(),
                           re.M).group(1).split())
  def needs(package):
    return {re.split(r"[ ;<>=!~\[]", r)[0].lower().replace("_", "-")
            for r in importlib.metadata.requires(package) or ()
            if "extra ==" not in r}
  wheel_names = {name.lower().replace("_", "-") for name in wheels}
  required = set().union(*(needs(name) for name in wheels))
  assert required == expected | wheel_names - {"keras"}
