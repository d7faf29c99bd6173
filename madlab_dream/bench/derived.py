"""Figures derived from the measured ones (nothing is measured here): the
faster XLA setting, model FLOP utilisation (MFU) against the matmul rate of
the same run, and the per-block profile as shares of time and FLOPs."""

from __future__ import annotations


def derive(run: dict, flops: dict) -> dict:
  """Per kind of call (train_step, fit, inference), at its faster XLA
  setting: {kind, mode, seq_per_s, flops_per_s, mfu} (training FLOPs: 3 x
  forward); "training": the faster of train_step and fit.

  Args:
    run: `throughput.model_throughput`'s figures.
    flops: {"train": `analytic_flops` at the training batch, "inference":
      at the inference batch}.
  """
  runs, peak = run["runs"], run["matmul"]["flops_per_s"]
  out = {}
  for kind, per_seq in (("train_step", flops["train"]["train_3x"]),
                        ("fit", flops["train"]["train_3x"]),
                        ("inference", flops["inference"]["forward"])):
    mode = max(runs, key=lambda m: runs[m][kind]["per_s"])
    rate = runs[mode][kind]["per_s"]
    out[kind] = {"kind": kind, "mode": mode, "seq_per_s": rate,
                 "flops_per_s": rate * per_seq, "mfu": rate * per_seq / peak}
  out["training"] = max(out["train_step"], out["fit"],
                        key=lambda best: best["seq_per_s"])
  return out


def profile_table(profile: dict, flops: dict, peak: float) -> list[dict]:
  """One row per (pass, block) of `block_profile.profile_blocks`' figures:
  time and FLOPs shares, FLOP/s and utilisation of the matmul rate `peak`
  (`flops` as in `derive`)."""
  rows = []
  for mode, flops_of in (("forward", flops["inference"]["parts"]),
                         ("train", flops["train"]["parts_train"])):
    parts = profile[mode]
    total_time = sum(p["seconds"] for p in parts.values())
    for name, p in parts.items():
      achieved = flops_of[name] * p["batch"] / p["seconds"]
      rows.append({"mode": mode, "block": name, "batch": p["batch"],
                   "seconds": p["seconds"],
                   "time_share": p["seconds"] / total_time,
                   "flops_share": flops_of[name] / sum(flops_of.values()),
                   "flops_per_s": achieved, "utilisation": achieved / peak})
  return rows
