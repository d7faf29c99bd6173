"""The JAX device benchmark's Markdown section, from its results dict.

`render_device_markdown(results)` gives BENCHMARKS_GPU.md: the device, a
summary per precision against the H100 target, the timed windows, and how
it was measured. Every number is read from `results` (`jax_device`);
nothing is measured here.
"""

from __future__ import annotations

from madlab_dream.bench.plan import GPU_TARGET_SCHEDULE_MIN
from madlab_dream.bench.plan import GPU_TARGET_SEQ_PER_S
from madlab_dream.bench.plan import SCHEDULE_EXAMPLES
from madlab_dream.bench.plan import TPU_SEQ_PER_S
from madlab_dream.bench.report import fmt_seconds


def _rate(x: float) -> str:
  return f"{x:,.0f}"


def _pct(x: float) -> str:
  return f"{100 * x:.1f} %"


def _windows(run: dict) -> str:
  return ", ".join(_rate(r) for r in run["windows_seq_per_s"])


def _precision(setting: str) -> str:
  return "JAX's default" if setting in ("None", "", None) else setting


def _header(r: dict) -> list[str]:
  d = r["device"]
  out = ["# The MadLab model on an accelerator: Keras on JAX (XLA)", "",
         f"Measured by `python -m madlab_dream.bench{r['argv']}` on "
         f"{r['date']} in {fmt_seconds(r['total_s'])} (raw figures: "
         f"`{r['json']}`).", ""]
  if r["quick"]:
    out += ["**--quick**: the tiny model on tiny batches, a smoke test; "
            "these figures say nothing about the MadLab model's speed.", ""]
  if d["platform"] == "cpu":
    out += ["JAX sees no accelerator here: every figure below is this "
            "machine's CPU (JAX's CPU build), not a GPU.", ""]
  return out


def _device(r: dict) -> list[str]:
  d, hw = r["device"], r["hardware"]
  return [
      "## Device", "",
      "| | |", "|---|---|",
      f"| accelerator | {d['kind']} ({d['platform']}; {d['count']} "
      "device(s), the first one used) |",
      f"| host CPU | {hw['cpu']}, {hw['cores']} cores |",
      f"| JAX / Keras | {d['jax']} / {hw['keras']} (backend "
      f"{hw['keras_backend']}) |",
      f"| matmul precision | {_precision(d['matmul_precision'])}, for the "
      "model and the peak alike (on NVIDIA GPUs JAX's default may run "
      "float32 products as TF32) |",
      f"| model | {r['parameters']:,} parameters, L = "
      f"{r['model']['seq_len']}; {r['flops']['train']['forward'] / 1e6:,.2f}"
      " MFLOP forward per sequence |", ""]


def _summary(r: dict) -> list[str]:
  out = ["## Summary", "",
         "| precision | training seq/s (jitted step) | training seq/s "
         "(`model.fit`) | inference seq/s | matmul peak (TFLOP/s) | "
         "training MFU | inference MFU | MadLab's schedule | target met |",
         "|---|---|---|---|---|---|---|---|---|"]
  for precision, run in r["precisions"].items():
    dv = run["derived"]
    out.append(
        f"| {precision} | {_rate(run['train_step']['seq_per_s'])} | "
        f"{_rate(run['fit']['seq_per_s'])} | "
        f"{_rate(run['inference']['seq_per_s'])} | "
        f"{run['matmul']['flops_per_s'] / 1e12:,.2f} "
        f"({run['matmul']['dtype']}) | {_pct(dv['train_mfu'])} | "
        f"{_pct(dv['infer_mfu'])} | {fmt_seconds(dv['schedule_s'])} | "
        f"{'yes' if dv['target_met'] else '**no**'} |")
  out += ["", f"Target: >= {GPU_TARGET_SEQ_PER_S:,} training sequences/s "
          f"on one H100, i.e. MadLab's schedule ({SCHEDULE_EXAMPLES:,} "
          f"examples) in < {GPU_TARGET_SCHEDULE_MIN:.0f} min; MadLab's "
          f"8-core TPU ran ~{TPU_SEQ_PER_S:,} seq/s "
          f"({fmt_seconds(SCHEDULE_EXAMPLES / TPU_SEQ_PER_S)}). The "
          "schedule and MFU use the jitted step's rate.", ""]
  return out


def _details(r: dict) -> list[str]:
  s = r["sizes"]
  out = ["## Timed windows (sequences/s)", "",
         "| precision | run | batch | first call (compiles) | steps per "
         "window | windows | median |", "|---|---|---|---|---|---|---|"]
  for precision, run in r["precisions"].items():
    for name, batch in (("train_step", s["train_batch"]),
                        ("fit", s["train_batch"]),
                        ("inference", s["infer_batch"])):
      w = run[name]
      out.append(f"| {precision} | {name.replace('_', ' ')} | {batch:,} | "
                 f"{w['first_call_s']:.1f} s | {w['window_steps']:,} | "
                 f"{_windows(w)} | {_rate(w['seq_per_s'])} |")
  return out + [""]


def _method(r: dict) -> list[str]:
  s, f = r["sizes"], r["flops"]
  return [
      "## How it was measured", "",
      f"- Training: one jitted step (`model.stateless_call` in training "
      "mode, MSE + the L2 terms, `jax.value_and_grad`, RMSprop "
      "`stateless_apply`, state donated) on batches of "
      f"{s['train_batch']:,} random uint8 codes already on the device "
      f"({s['batches']} batches used in turn). `model.fit` "
      "(`jit_compile=True`) runs the same computation from NumPy arrays "
      "through Keras's loop, one fit call per window.",
      f"- Inference: jitted `model.stateless_call(training=False)` on "
      f"device batches of {s['infer_batch']:,}.",
      f"- Windows: after the first (compiling) call and {s['warmup']} "
      f"warm-up step(s), {s['calibration']} calibration steps set the steps "
      f"per window (about {s['window_s']:g} s, at least {s['min_steps']}); "
      f"{s['windows']} windows, each ending when its last result is ready; "
      "the median is reported.",
      f"- Matmul peak: a jitted {s['matmul_n']:,}^3 `jax.numpy` product in "
      "the compute dtype (bfloat16 for `mixed_bfloat16`), median of "
      f"{s['matmul_reps']} after a compiling call.",
      f"- MFU: training = seq/s x 3 x forward FLOPs "
      f"({f['train']['train_3x'] / 1e6:,.2f} MFLOP per sequence) / peak; "
      f"inference = seq/s x forward ({f['inference']['forward'] / 1e6:,.2f}"
      " MFLOP) / peak; FLOPs counted analytically "
      "(`bench.flops.analytic_flops`).", ""]


def render_device_markdown(r: dict) -> str:
  """BENCHMARKS_GPU.md for the results of `run_device_benchmark`."""
  lines: list[str] = []
  for section in (_header, _device, _summary, _details, _method):
    lines.extend(section(r))
  return "\n".join(lines)
