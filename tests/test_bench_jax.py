"""The JAX device benchmark (`python -m madlab_dream.bench --backend=jax`):
its timing and derived figures, its report, and the prepared device command.

The end-to-end run uses JAX's CPU build with TensorFlow blocked
(tests/no_tensorflow.py), as on the lent GPU machines, which have none.
"""

import importlib.metadata
import json
import re
import shutil
import subprocess
import sys

import pytest

from madlab_dream import bench
from madlab_dream.bench import jax_device
from madlab_dream.bench import jax_report
from madlab_dream.errors import InputError

from helpers import REPO
from helpers import assert_one_line_error
from helpers import env
from helpers import run_module

GPU_RUN = REPO / "madlab_dream" / "bench" / "gpu_run.sh"


@pytest.mark.slow
@pytest.mark.skipif(sys.version_info < (3, 11),
                    reason="JAX 0.10 needs Python >= 3.11")
def test_quick_run_on_jax_without_tensorflow(tmp_path):
  out = tmp_path / "G.md"
  e = env()
  e.pop("KERAS_BACKEND", None)  # the command selects it
  proc = subprocess.run(
      [sys.executable, str(REPO / "tests" / "no_tensorflow.py"), "-m",
       "madlab_dream.bench", "--backend=jax", "--quick", f"--output={out}"],
      env=e, cwd=REPO, capture_output=True, text=True, timeout=400)
  assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
  r = json.loads((tmp_path / "G.json").read_text())
  sizes = bench.DEVICE_QUICK
  assert r["quick"] and r["device"]["platform"] == "cpu"
  assert r["hardware"]["keras_backend"] == "jax"
  assert set(r["precisions"]) == {"float32", "mixed_bfloat16"}
  for precision, run in r["precisions"].items():
    assert run["matmul"]["dtype"] == {"float32": "float32",
                                      "mixed_bfloat16": "bfloat16"}[precision]
    assert run["matmul"]["flops_per_s"] > 0
    for name in ("train_step", "fit", "inference"):
      assert len(run[name]["windows_seq_per_s"]) == sizes.windows
      assert run[name]["seq_per_s"] > 0
    assert run["fit"]["window_steps"] == run["train_step"]["window_steps"]
    assert run["fit"]["jit_compile"] and run["train_step"]["finite"]
    d = run["derived"]
    assert d["train_mfu"] == pytest.approx(
        run["train_step"]["seq_per_s"] * r["flops"]["train"]["train_3x"]
        / run["matmul"]["flops_per_s"])
    assert d["schedule_s"] == pytest.approx(
        bench.SCHEDULE_EXAMPLES / run["train_step"]["seq_per_s"])
  text = out.read_text()
  for needle in ("## Device", "## Summary", "## Timed windows",
                 "## How it was measured", "--quick", "no accelerator"):
    assert needle in text, needle


def test_rows_do_not_apply_to_jax(tmp_path):
  proc = run_module("madlab_dream.bench", "--backend=jax", "--rows=10",
                    f"--output={tmp_path / 'G.md'}", timeout=60)
  assert_one_line_error(proc, "--rows", "--backend=jax")


def test_refuses_keras_on_another_backend(tmp_path):
  # This process imported Keras on TensorFlow.
  with pytest.raises(InputError, match="KERAS_BACKEND=jax"):
    jax_device.run_device_benchmark(str(tmp_path / "G.md"), quick=True)
  assert not (tmp_path / "G.md").exists()


def test_windows_are_sized_by_the_calibration():
  clock = {"t": 0.0}
  calls = []

  def run(k):  # 0.01 s per step on a fake clock
    calls.append(k)
    clock["t"] += 0.01 * k

  sizes = bench.DeviceSizes(train_batch=8, infer_batch=8, batches=1,
                            warmup=2, calibration=4, windows=3, window_s=0.095,
                            min_steps=2, matmul_n=2, matmul_reps=1, model={})
  real = jax_device.time.perf_counter
  jax_device.time.perf_counter = lambda: clock["t"]
  try:
    r = jax_device.timed_windows(run, sizes, per_step=8)
    fixed = jax_device.timed_windows(run, sizes, per_step=8, steps=3)
  finally:
    jax_device.time.perf_counter = real
  assert calls[:6] == [1, 2, 4, 10, 10, 10]
  assert r["window_steps"] == 10 and r["first_call_s"] == pytest.approx(0.01)
  assert r["windows_seq_per_s"] == pytest.approx([800.0] * 3)
  assert r["seq_per_s"] == pytest.approx(800.0)
  assert calls[6:] == [1, 2, 3, 3, 3] and fixed["window_steps"] == 3


def fake_results(train, platform="gpu", quick=False):
  """A results dict as run_device_benchmark writes it, one precision."""
  flops = {"train": bench.analytic_flops(batch=1024),
           "inference": bench.analytic_flops(batch=4096)}
  window = {"first_call_s": 20.0, "window_steps": 300,
            "windows_seq_per_s": [train] * 5, "seq_per_s": train}
  run = {"matmul": {"flops_per_s": 7e14, "dtype": "bfloat16"},
         "train_step": window, "fit": dict(window, seq_per_s=train / 2),
         "inference": dict(window, seq_per_s=4 * train)}
  run["derived"] = jax_device.derive(run, flops)
  return {"argv": " --backend=jax", "quick": quick, "date": "today",
          "json": "G.json", "total_s": 200.0, "parameters": 319_657,
          "device": {"platform": platform, "kind": "NVIDIA H100", "count": 1,
                     "jax": "0.11.2", "matmul_precision": "None"},
          "hardware": {"cpu": "x", "cores": 16, "keras": "3.15.1",
                       "keras_backend": "jax"},
          "model": {"seq_len": 110}, "sizes": bench.DEVICE_FULL.__dict__,
          "flops": flops, "precisions": {"mixed_bfloat16": run}}


def test_derived_figures_and_the_target():
  fast = fake_results(200_000)
  slow = fake_results(100_000)
  d = fast["precisions"]["mixed_bfloat16"]["derived"]
  forward = fast["flops"]["train"]["forward"]
  assert d["train_mfu"] == pytest.approx(200_000 * 3 * forward / 7e14)
  assert d["fit_mfu"] == pytest.approx(d["train_mfu"] / 2)
  assert d["schedule_s"] == pytest.approx(bench.SCHEDULE_EXAMPLES / 200_000)
  assert d["target_met"]
  assert not slow["precisions"]["mixed_bfloat16"]["derived"]["target_met"]


def test_report_says_what_was_measured_and_where():
  text = jax_report.render_device_markdown(fake_results(100_000))
  row = next(l for l in text.splitlines()
             if l.startswith("| mixed_bfloat16 | 100,000 |"))
  assert row.endswith("| **no** |") and "50,000" in row and "400,000" in row
  assert "NVIDIA H100" in text and "JAX's default" in text
  assert "no accelerator" not in text and "--quick" not in text
  cpu = jax_report.render_device_markdown(
      fake_results(1_000, platform="cpu", quick=True))
  assert "no accelerator" in cpu and "**--quick**" in cpu


def test_gpu_run_refuses_to_start_without_the_wheels(tmp_path):
  script = tmp_path / "madlab_dream" / "bench" / "gpu_run.sh"
  script.parent.mkdir(parents=True)
  shutil.copy(GPU_RUN, script)
  proc = subprocess.run(["bash", str(script)], capture_output=True,
                        text=True, timeout=30)
  assert proc.returncode == 2 and "make gpu-wheels" in proc.stderr


def test_carried_wheels_are_the_versions_tested_here():
  makefile = (REPO / "Makefile").read_text()
  pins = re.search(r"^GPU_WHEELS \?= (.+)$", makefile, re.M).group(1)
  wanted = dict(p.split("==") for p in pins.split())
  assert set(wanted) == {"keras", "namex", "optree"}
  for name, version in wanted.items():
    assert importlib.metadata.version(name) == version, name
  # Keras's own needs, besides these, are on the lent machines (KINDS.md).
  needs = {re.split(r"[ ;<>=!~\[]", r)[0].lower().replace("_", "-")
           for r in importlib.metadata.requires("keras")
           if "extra ==" not in r}
  assert needs - set(wanted) == {"absl-py", "numpy", "rich", "h5py",
                                 "ml-dtypes", "packaging"}
