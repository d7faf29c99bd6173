"""The GPU check's steps: MadLab's full recipe through the package's commands.

  KERAS_BACKEND=jax python -m madlab_dream.gpu_check [--smoke]

On a machine with Keras on JAX (or PyTorch) and no TensorFlow (`make
gpu-check`; without a package index `make gpu-wheels` prepares Keras's
wheels elsewhere): simulate 2,000,000 rows, run `python -m
madlab_dream.train --flagfile=experiments/base.flags` in mixed_bfloat16
under a time budget of about 4 minutes, predict and score the simulated
test set (`predict`, `evaluate`), then time the bare compiled training step
of the same model in this process (JAX), and the same step with Keras on
PyTorch when PyTorch is installed (a process of its own). Prints each
figure as it comes and writes BENCHMARKS_GPU.md and BENCHMARKS_GPU.json
(only figures this run measured, the device named).

--smoke runs the same steps at tiny sizes (the quick-start model, a few
thousand rows, seconds of training): the test suite runs it on CPU. The
command is `commands.gpu_check`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time

FULL = {"rows": 2_000_000, "test_rows": 20_000, "budget": "4m",
        "flagfile": "experiments/base.flags", "batch": 1024,
        "precision": "mixed_bfloat16"}
SMOKE = {"rows": 3_000, "test_rows": 300, "budget": "20s",
         "flagfile": "experiments/quickstart.flags", "batch": 32,
         "precision": "mixed_bfloat16",
         "extra": ["--min_val_rows=300", "--train_eval_rows=300",
                   "--steps_per_epoch=20", "--epochs=3"]}


def log(t0: float, *parts) -> None:
  print(f"[{time.time() - t0:7.1f} s]", *parts, flush=True)


def module(name: str, *args, backend: str | None = None) -> str:
  """Runs `python -m name args` (this interpreter); its stdout. A failure
  stops the check with the command's last stderr line."""
  env = dict(os.environ)
  if backend:
    env["KERAS_BACKEND"] = backend
  proc = subprocess.run([sys.executable, "-m", name, *args], env=env,
                        capture_output=True, text=True)
  if proc.returncode:
    last = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
    raise RuntimeError(f"python -m {name} failed ({proc.returncode}): {last}")
  return proc.stdout


def train_and_score(out: str, sizes: dict, budget: str, t0: float) -> dict:
  """simulate -> train -> predict -> evaluate; the figures of each."""
  sim, run = os.path.join(out, "sim"), os.path.join(out, "run")
  module("madlab_dream.simulate", f"--output_dir={sim}",
         f"--train_rows={sizes['rows']}", f"--test_rows={sizes['test_rows']}",
         "--seed=1")
  with open(os.path.join(sim, "simulation.json")) as f:
    ceiling = float(json.load(f)["noise_ceiling"])
  log(t0, f"simulated {sizes['rows']:,} rows; noise ceiling r {ceiling:.4f}")
  t = time.time()
  module("madlab_dream.train", f"--flagfile={sizes['flagfile']}",
         f"--train_data={os.path.join(sim, 'train_sequences.txt')}",
         f"--model_dir={run}", f"--mixed_precision={sizes['precision']}",
         f"--time_budget={budget}", "--noprogress", *sizes.get("extra", []))
  with open(os.path.join(run, "report.json")) as f:
    report = json.load(f)
  epochs = [{"epoch": h["epoch"], "val_pearson": h.get("val_pearson"),
             "of_ceiling": h.get("val_pearson", 0.0) / ceiling,
             "seq_per_s": h.get("seq_per_s")} for h in report["history"]]
  for e in epochs:
    log(t0, f"epoch {e['epoch']}: validation r {e['val_pearson']:.4f} "
        f"({100 * e['of_ceiling']:.1f} % of the ceiling)")
  log(t0, f"train: {report['throughput_seq_per_s']:,.0f} seq/s "
      f"({time.time() - t:.0f} s with start-up)")
  submission = os.path.join(out, "submission.json")
  module("madlab_dream.predict", f"--model={run}",
         f"--input={os.path.join(sim, 'test_sequences.txt')}",
         f"--output={submission}")
  scores = os.path.join(out, "scores.json")
  module("madlab_dream.evaluate", f"--predictions={submission}",
         f"--ground_truth={os.path.join(sim, 'filtered_test_data_with_MAUDE_expression.txt')}",
         f"--subsets_dir={os.path.join(sim, 'test_subset_ids')}",
         f"--public_dir={os.path.join(sim, 'public_leaderboard_ids')}",
         f"--output={scores}")
  with open(scores) as f:
    official = json.load(f)
  named = {k: official[k] for k in ("pearson_score", "spearman_score")
           if k in official}
  log(t0, "official scores:", json.dumps(named))
  return {"ceiling": ceiling, "epochs": epochs, "official": official,
          "train_seq_per_s": report["throughput_seq_per_s"],
          "train_seconds": report["train_seconds"],
          "wall_seconds": time.time() - t, "precision": report["precision"],
          "matmul_precision": report.get("matmul_precision"),
          "backend": report.get("backend")}


def bare_step(smoke: bool, batch: int) -> dict:
  """Seq/s of the package's compiled training step (mixed_bfloat16) on
  this process's Keras backend."""
  # Imported when used: Keras (and what imports it) starts a framework.
  import keras

  # Imported when used: these import Keras too.
  from madlab_dream import timing
  from madlab_dream.config import TINY_MODEL
  from madlab_dream.config import ModelConfig
  from madlab_dream.tools.bench import compiled_calls
  from madlab_dream.tools.bench.throughput import build_in_policy
  config = ModelConfig(**TINY_MODEL) if smoke else ModelConfig()
  model = build_in_policy(config, "mixed_bfloat16")
  codes, y = compiled_calls.random_batch(batch, config.seq_len)
  if keras.backend.backend() == "jax":
    step = compiled_calls.train_step_call(model, codes, y, True)
    how = "jitted stateless train step (bench.compiled_calls)"
  else:  # Keras's own step on PyTorch
    model.compile(optimizer=keras.optimizers.RMSprop(1e-4), loss="mse")
    step = lambda: model.train_on_batch(codes, y)  # noqa: E731
    how = "Model.train_on_batch"
  t = time.time()
  timing.wait(step())
  compile_s = time.time() - t
  run = timing.call_windows(step, batch, 3 if smoke else 5, warmup=2,
                            calibration=2, window_s=0.5 if smoke else 1.0,
                            min_calls=2)
  return {"backend": keras.backend.backend(), "batch": batch, "how": how,
          "seq_per_s": run["per_s"], "compile_s": compile_s}


def device() -> str:
  """The accelerator (or CPU) Keras's backend computes on, in words."""
  # Imported when used: Keras, JAX and PyTorch start frameworks.
  import keras
  if keras.backend.backend() == "jax":
    import jax  # the backend Keras runs on
    d = jax.devices()[0]
    return f"{d.platform}: {getattr(d, 'device_kind', d)} x {jax.device_count()}"
  if keras.backend.backend() == "torch":
    import torch  # the backend Keras runs on
    if torch.cuda.is_available():
      return f"cuda: {torch.cuda.get_device_name(0)}"
  import platform  # only where no accelerator answered
  return f"cpu: {platform.processor() or platform.machine()}"


def torch_step(smoke: bool, batch: int) -> dict | None:
  """The bare step with Keras on PyTorch (a process of its own), or None
  where PyTorch is not installed."""
  if importlib.util.find_spec("torch") is None:
    return None
  out = module("madlab_dream.gpu_check", "--bare_step_only",
               f"--smoke={str(smoke).lower()}", backend="torch")
  return json.loads(out.strip().splitlines()[-1])


def markdown(r: dict) -> str:
  """BENCHMARKS_GPU.md: the figures of `r`, as measured."""
  e2e = r["e2e"]
  lines = [
      "# GPU check", "",
      f"Measured by `python -m madlab_dream.gpu_check"
      f"{' --smoke' if r['smoke'] else ''}` (`make gpu-check`) on {r['device']}"
      f"; Keras {r['keras']} on {e2e['backend']}; {r['seconds']:.0f} s in all.",
      "", f"`python -m madlab_dream.train --flagfile={r['sizes']['flagfile']}` "
      f"on {r['sizes']['rows']:,} simulated rows, "
      f"{e2e['precision'].get('mixed_precision')}, time budget "
      f"{r['budget']}, matmul precision "
      f"{(e2e['matmul_precision'] or {}).get('requested', 'default')}: "
      f"{e2e['train_seq_per_s']:,.0f} seq/s.", "",
      "| epoch | validation r | share of the noise ceiling "
      f"({e2e['ceiling']:.3f}) |", "|---:|---:|---:|"]
  lines += [f"| {e['epoch']} | {e['val_pearson']:.4f} | "
            f"{100 * e['of_ceiling']:.1f} % |" for e in e2e["epochs"]]
  scores = e2e["official"].get("scores", e2e["official"])
  lines += ["", "Official scores on the simulated test set "
            "(`python -m madlab_dream.evaluate`):", "", "```",
            json.dumps(scores, indent=1)[:2000], "```", "",
            "Bare training step (mixed_bfloat16), this model:", "",
            "| backend | how | batch | seq/s | first call (s) |",
            "|---|---|---:|---:|---:|"]
  for s in r["bare_steps"]:
    lines.append(f"| {s['backend']} | {s['how']} | {s['batch']:,} | "
                 f"{s['seq_per_s']:,.0f} | {s['compile_s']:.1f} |")
  return "\n".join(lines) + "\n"
