"""The summary figures derived from a model worker's measurements.

Best throughputs, model FLOP/s and utilisation (MFU) against the measured
matmul rate, the time of an epoch and of MadLab's schedule, and the
per-block profile as shares of time and FLOPs.
"""

from __future__ import annotations

from madlab_dream.bench.plan import EPOCH_ROWS
from madlab_dream.bench.plan import SCHEDULE_EXAMPLES


def _best(runs: dict) -> tuple[str, dict]:
  return max(runs.items(), key=lambda kv: kv[1]["seq_per_s"])


def derive(model: dict) -> dict:
  """Best throughputs, achieved FLOP/s, MFU, training time extrapolations.

  Args:
    model: a model worker's result with FLOP counts (`bench_model`).

  Returns:
    The best training and inference mode and sequences/s, their model
    FLOP/s (training: 3 x forward), the matmul peak, train_mfu, infer_mfu,
    and epoch_s and schedule_s at the best training rate.
  """
  fa = model["flops_analytic"]
  fi = model["flops_analytic_inference"]
  peak = model["matmul"]["flops_per_s"]
  train_mode, train = _best(model["training"])
  infer_mode, infer = _best(model["inference"])
  out = {
      "train_mode": train_mode, "train_seq_per_s": train["seq_per_s"],
      "infer_mode": infer_mode, "infer_seq_per_s": infer["seq_per_s"],
      "train_flops_per_s": train["seq_per_s"] * fa["train_3x"],
      "infer_flops_per_s": infer["seq_per_s"] * fi["forward"],
      "peak_flops_per_s": peak,
  }
  out["train_mfu"] = out["train_flops_per_s"] / peak
  out["infer_mfu"] = out["infer_flops_per_s"] / peak
  out["epoch_s"] = EPOCH_ROWS / train["seq_per_s"]
  out["schedule_s"] = SCHEDULE_EXAMPLES / train["seq_per_s"]
  return out


def profile_table(model: dict) -> list[dict]:
  """Rows: block, time share, FLOPs share, utilisation (fwd and train).

  Args:
    model: a model worker's result with FLOP counts and a profile.

  Returns:
    One dict per (pass, block): mode, block, batch, jit, seconds,
    time_share, flops_per_seq, flops_share, flops_per_s, utilisation.
  """
  fa = model["flops_analytic"]
  fi = model["flops_analytic_inference"]
  peak = model["matmul"]["flops_per_s"]
  rows = []
  for mode, flops_of in (("forward", fi["parts"]), ("train",
                                                    fa["parts_train"])):
    parts = model["profile"][mode]
    total_time = sum(p["seconds"] for p in parts.values())
    total_flops = sum(flops_of.values())
    for name, p in parts.items():
      achieved = flops_of[name] * p["batch"] / p["seconds"]
      rows.append({"mode": mode, "block": name, "batch": p["batch"],
                   "jit": p["jit"], "seconds": p["seconds"],
                   "time_share": p["seconds"] / total_time,
                   "flops_per_seq": flops_of[name],
                   "flops_share": flops_of[name] / total_flops,
                   "flops_per_s": achieved, "utilisation": achieved / peak})
  return rows
