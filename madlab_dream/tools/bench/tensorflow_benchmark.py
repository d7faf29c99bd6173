"""`python -m madlab_dream.bench`: every measurement on this machine's CPU
(TensorFlow; a GPU is hidden from it: `--backend=jax` measures GPUs).

The DREAM file (generated or reused), our preprocessing beside MadLab's
approach, the input pipeline, then the model (`model_sections`).
"""

from __future__ import annotations

import dataclasses
import time
from typing import Sequence

from madlab_dream import compat
from madlab_dream import data
from madlab_dream import machine
from madlab_dream.config import ModelConfig
from madlab_dream.errors import InputError
from madlab_dream.io import files
from madlab_dream.tools.bench import block_profile
from madlab_dream.tools.bench import comparisons
from madlab_dream.tools.bench import dream_file
from madlab_dream.tools.bench import explain_design
from madlab_dream.tools.bench import mutagenesis
from madlab_dream.tools.bench import outputs
from madlab_dream.tools.bench import precision_comparison
from madlab_dream.tools.bench import preprocessing
from madlab_dream.tools.bench import throughput
from madlab_dream.tools.bench.flops import analytic_flops
from madlab_dream.tools.bench.outputs import log
from madlab_dream.tools.bench.sizes import FULL
from madlab_dream.tools.bench.sizes import QUICK


def _cpu_only(tf) -> None:
  """Hides GPUs from TensorFlow, unless its runtime already started."""
  try:
    tf.config.set_visible_devices([], "GPU")
  except RuntimeError:
    log("TensorFlow's runtime had started: its devices stay as they were")


def _throughput(cache, sizes, config: ModelConfig):
  """(figures, model, calls) of `model_throughput`, `fit` on the cache."""
  fit_data = lambda steps: {  # noqa: E731
      "x": data.train_dataset(cache.train_codes, cache.train_targets,
                              sizes.train_batch, seed=1),
      "steps_per_epoch": steps}
  run, model, calls = throughput.model_throughput(
      config, "float32", sizes, fit_data, sizes.jit_modes)
  flops = {"train": analytic_flops(model, sizes.train_batch),
           "inference": analytic_flops(model, sizes.infer_batch)}
  return ({"runs": {"float32": run}, "flops": flops,
           "derived": {"float32": throughput.derive(run, flops)}}, model, calls)


def model_sections(cache, sizes, work_dir: str) -> dict:
  """The model's throughput on a loaded `data.Cache`, then with its faster
  XLA settings the comparisons, saturation mutagenesis, explain's and
  design's rates and the profile; "section_seconds": what each cost."""
  config = ModelConfig(**sizes.model)
  costs: dict[str, float] = {}
  found, model, calls = timed(costs, "throughput", _throughput, cache, sizes,
                              config)
  best = found["derived"]["float32"]
  modes = {kind: best[kind]["mode"] for kind in ("train_step", "inference")}
  fastest = {kind: calls[mode][kind] for kind, mode in modes.items()}
  train_jit, infer_jit = (mode == "xla" for mode in modes.values())
  found["formulations"] = timed(
      costs, "formulations", comparisons.compare_formulations, model,
      fastest["train_step"], sizes, train_jit, infer_jit)
  found["lengths"] = timed(costs, "lengths", comparisons.compare_lengths,
                           config, fastest, sizes, train_jit, infer_jit)
  found["precisions"] = timed(
      costs, "precisions", precision_comparison.compare_precisions, config,
      model, {mode: calls[mode]["train_step"] for mode in calls}, sizes)
  found["mutagenesis"] = timed(costs, "mutagenesis",
                               mutagenesis.bench_mutagenesis, model,
                               cache.train_codes, sizes, work_dir)
  found["explain_design"] = timed(
      costs, "explain_design", explain_design.bench_explain_design, model,
      found["mutagenesis"]["saved_model"], sizes,
      best["train_step"]["seq_per_s"])
  found["profile"] = timed(costs, "profile", block_profile.profile_blocks,
                           model, cache.train_codes, sizes, train_jit,
                           infer_jit)
  found["profile_table"] = block_profile.profile_table(
      found["profile"], found["flops"],
      found["runs"]["float32"]["matmul"]["flops_per_s"])
  found["section_seconds"] = costs
  return found


def timed(costs: dict, name: str, fn, *args):
  """fn(*args), its wall seconds recorded as costs[name]."""
  started = time.perf_counter()
  result = fn(*args)
  costs[name] = round(time.perf_counter() - started, 1)
  log(f"{name}: {costs[name]:.0f} s")
  return result


def run_benchmark(output: str, rows: int | None = None, quick: bool = False,
                  bench_dir: str = "bench_output",
                  argv: Sequence[str] = ()) -> dict:
  """Runs every measurement; writes `output` (.md) and its .json beside it.

  Raises:
    InputError: too few rows, or an output that cannot be written.
  """
  sizes = QUICK if quick else FULL
  sizes = dataclasses.replace(sizes, rows=int(rows or sizes.rows))
  least = max(sizes.madlab_rows[1], 4 * sizes.train_batch)
  if sizes.rows < least:
    raise InputError(f"--rows must be at least {least:,}"
                     f"{' with --quick' if quick else ''}, got {sizes.rows:,}")
  files.check_writable_dir(bench_dir)
  compat.tensorflow(_cpu_only)
  results = outputs.start(output, argv, quick, sizes, machine.describe())
  log(f"machine: {machine.cpu_line(results['hardware'])}")
  costs: dict[str, float] = {}
  path, results["generated"] = timed(costs, "generated file",
                                     dream_file.ensure_dream_file, bench_dir,
                                     sizes.rows)
  results["preprocessing"] = timed(costs, "preprocessing",
                                   preprocessing.bench_preprocessing, path,
                                   bench_dir, sizes.rows)
  results["madlab_approach"] = timed(
      costs, "madlab_approach", preprocessing.bench_madlab_approach, path,
      bench_dir, sizes.madlab_rows, sizes.rows)
  cache = data.load_cache(results["preprocessing"]["cache_dir"])
  results["pipeline"] = timed(costs, "pipeline", preprocessing.bench_pipeline,
                              cache, FULL.train_batch, sizes.pipeline_batches,
                              sizes.pipeline_warmup)
  results.update(model_sections(cache, sizes, bench_dir))
  results["section_seconds"] = {**costs, **results["section_seconds"]}
  return outputs.finish(results, output)
