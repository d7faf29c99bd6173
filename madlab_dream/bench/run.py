"""Orchestration: every section in order, then the report and its JSON.

`run_benchmark` generates (or reuses) the DREAM file, measures our
preprocessing and MadLab's approach, the input pipeline, then starts the
model worker (`run_model_worker`: `python -m madlab_dream.bench
--bench_worker_spec=SPEC`, a fresh process) on the CPU and, when there is
a GPU, once per precision on it, and writes the Markdown report and the
raw figures atomically.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from typing import Any, Sequence

from madlab_dream import compat
from madlab_dream import data
from madlab_dream import machine
from madlab_dream.bench.datagen import ensure_dream_file
from madlab_dream.bench.measure import child_env
from madlab_dream.bench.measure import log
from madlab_dream.bench.measure import repo_root
from madlab_dream.bench.plan import FULL
from madlab_dream.bench.plan import GPU_STEPS
from madlab_dream.bench.plan import QUICK
from madlab_dream.bench.plan import TARGETS
from madlab_dream.bench.preprocessing import bench_madlab_approach
from madlab_dream.bench.preprocessing import bench_preprocessing
from madlab_dream.bench.report import fmt_seconds
from madlab_dream.bench.report import render_markdown
from madlab_dream.bench.summary import derive
from madlab_dream.bench.summary import profile_table
from madlab_dream.bench.throughput import bench_pipeline
from madlab_dream.errors import InputError
from madlab_dream.io import files


def run_model_worker(spec: dict, bench_dir: str, name: str,
                     env: dict[str, str]) -> dict:
  """`throughput.bench_model(spec)` in a fresh process.

  A fresh process gets a clean precision policy and only the devices `env`
  leaves visible. The spec and the result go through JSON files named
  after `name` in `bench_dir`.

  Raises:
    RuntimeError: the worker failed or wrote no result.
  """
  spec_path = os.path.join(bench_dir, f"{name}.spec.json")
  out_path = os.path.join(bench_dir, f"{name}.result.json")
  files.write_text(spec_path, json.dumps({**spec, "output": out_path}))
  if os.path.exists(out_path):
    os.remove(out_path)
  proc = subprocess.run([sys.executable, "-m", "madlab_dream.bench",
                         f"--bench_worker_spec={spec_path}"], env=env,
                        cwd=repo_root())
  if proc.returncode != 0 or not os.path.exists(out_path):
    raise RuntimeError(f"model benchmark worker {name} failed "
                       f"(exit {proc.returncode})")
  with open(out_path) as f:
    return json.load(f)


def run_benchmark(output: str, rows: int | None = None, quick: bool = False,
                  bench_dir: str = "bench_output",
                  argv: Sequence[str] = ()) -> dict:
  """Runs every section and writes `output` (.md) and its .json beside it.

  Args:
    output: the Markdown report's path.
    rows: rows of the generated file (default: the sizes' own).
    quick: tiny sizes and a tiny model (`QUICK`) instead of `FULL`.
    bench_dir: generated data, caches, logs and worker files.
    argv: the command's arguments, shown in the report.

  Returns:
    The results, as written to the JSON file.

  Raises:
    InputError: too few rows, or an output that cannot be written.
  """
  t_start = time.perf_counter()
  sizes = dataclasses.replace(QUICK if quick else FULL)
  if rows is not None:
    sizes.rows = int(rows)
  least = max(sizes.madlab_rows[1], 4 * sizes.train_batch)
  if sizes.rows < least:
    raise InputError(f"--rows must be at least {least:,}"
                     f"{' with --quick' if quick else ''}, got {sizes.rows:,}")
  files.check_output(output)
  json_path = os.path.splitext(output)[0] + ".json"
  files.check_writable_dir(bench_dir)

  compat.tensorflow()
  hardware = machine.describe()
  log(f"machine: {machine.cpu_line(hardware)}")
  results: dict[str, Any] = {
      "argv": "".join(f" {a}" for a in argv),
      "date": time.strftime("%Y-%m-%d %H:%M %Z"), "quick": quick,
      "json": json_path, "hardware": hardware,
      "sizes": dataclasses.asdict(sizes), "targets": TARGETS}

  log("1/6 preprocessing")
  path, results["generated"] = ensure_dream_file(bench_dir, sizes.rows)
  results["preprocessing"] = bench_preprocessing(path, bench_dir, sizes.rows)
  results["madlab_approach"] = bench_madlab_approach(
      path, bench_dir, sizes.madlab_rows, sizes.rows)

  log("2/6 input pipeline")
  cache_dir = results["preprocessing"]["cache_dir"]
  cache = data.load_cache(cache_dir)
  results["pipeline"] = bench_pipeline(cache, FULL.train_batch,
                                       sizes.pipeline_batches,
                                       sizes.pipeline_warmup)
  del cache

  log("3-5/6 model throughput, FLOPs, MFU, profile (CPU worker)")
  spec = {"cache_dir": cache_dir, "bench_dir": os.path.abspath(bench_dir),
          "sizes": dataclasses.asdict(sizes), "precision": "float32",
          "jit_modes": [True, False], "flops": True, "compare": True,
          "profile": True,
          "flops_check": {"seq_len": 24} if quick else {}}
  results["model"] = run_model_worker(
      spec, bench_dir, "model_cpu", child_env(CUDA_VISIBLE_DEVICES=""))
  results["derived"] = derive(results["model"])
  results["profile_table"] = profile_table(results["model"])

  log("6/6 GPU")
  if hardware["gpus"]:
    gpu_sizes = dataclasses.replace(sizes, **({} if quick else GPU_STEPS))
    results["gpu"] = {}
    for precision in ("mixed_bfloat16", "float32"):
      spec = {"cache_dir": cache_dir, "bench_dir": os.path.abspath(bench_dir),
              "sizes": dataclasses.asdict(gpu_sizes),
              "precision": precision, "jit_modes": [True], "flops": False,
              "compare": False, "profile": False}
      results["gpu"][precision] = run_model_worker(
          spec, bench_dir, f"model_gpu_{precision}", child_env())
  else:
    log("no GPU on this machine: GPU figures not measured")
    results["gpu"] = None

  results["total_s"] = time.perf_counter() - t_start
  files.write_text(json_path, json.dumps(results, indent=1, default=float))
  files.write_text(output, render_markdown(results))
  log(f"wrote {output} and {json_path} ({fmt_seconds(results['total_s'])})")
  return results
