"""What the measured figures show, and only that: `summary_rows` checks each
target against its figure; each other function returns the sentence one
part of the results supports (None when it was not measured). A ratio whose
timed windows overlap is said to be within the run's spread."""

from __future__ import annotations

XLA = {"xla": "XLA on", "no_xla": "XLA off"}


def _pct(x: float) -> str:
  return f"{100 * x:.0f} %"


def on_accelerator(r: dict) -> bool:
  """Whether the results' runs are on an accelerator (JAX's GPU)."""
  return r.get("device", {}).get("platform", "cpu") != "cpu"


def ratio_text(ab: dict, a: str, b: str) -> str:
  """'1.28x': b's rate / a's, marked when their windows overlap."""
  wa, wb = ab["window_seconds"][a], ab["window_seconds"][b]
  overlap = min(wa) <= max(wb) and min(wb) <= max(wa)
  return (f"{ab['seq_per_s'][b] / ab['seq_per_s'][a]:.2f}x"
          + (" (windows overlap: within this run's spread)" if overlap
             else ""))


def _row(label: str, value: float, target: float, unit: str,
         higher: bool = True) -> tuple:
  met = value >= target if higher else value <= target
  return (label, unit.format(value),
          (">= " if higher else "<= ") + unit.format(target), met)


def summary_rows(r: dict) -> list[tuple]:
  """(measure, measured, target, met: True/False/None) for the summary:
  the MFU targets on a CPU, the training target on an accelerator."""
  t, rows = r["targets"], []
  if "preprocessing" in r:
    pre, mad = r["preprocessing"], r["madlab_approach"]
    for label, value, target, unit, higher in (
        (f"preprocessing {pre['rows']:,} rows, wall", pre["wall_s"],
         "preprocess_wall_s", "{:.1f} s", False),
        ("preprocessing, peak memory", pre["peak_rss_bytes"] / 1e9,
         "preprocess_peak_gb", "{:.2f} GB", False),
        ("cache size", pre["cache_bytes"] / 1e9, "cache_gb", "{:.2f} GB",
         False),
        ("speed against MadLab's preprocessing (extrapolated)",
         mad["wall_s"]["value"] / pre["wall_s"], "speedup_vs_madlab",
         "{:.1f}x", True),
        ("peak memory, MadLab's (extrapolated) over ours",
         mad["peak_rss_bytes"]["value"] / pre["peak_rss_bytes"],
         "memory_vs_madlab", "{:.1f}x", True),
        ("input pipeline", r["pipeline"]["seq_per_s"], "pipeline_seq_per_s",
         "{:,.0f} seq/s", True)):
      rows.append(_row(label, value, t[target], unit, higher))
  for precision, d in r["derived"].items():
    if on_accelerator(r):
      rows.append(_row(f"training on the GPU, {precision}",
                       d["training"]["seq_per_s"], t["gpu_train_seq_per_s"],
                       "{:,.0f} seq/s"))
    elif precision == "float32":
      rows += [_row(f"{kind} MFU ({d[kind]['kind'].replace('_', ' ')})",
                    100 * d[kind]["mfu"], 100 * t[target], "{:.1f} %")
               for kind, target in (("training", "train_mfu"),
                                    ("inference", "inference_mfu"))]
  return rows


def targets(r: dict) -> str | None:
  rows = [row for row in summary_rows(r) if row[3] is not None]
  missed = [f"{row[0]} ({row[1]}, target {row[2]})" for row in rows
            if not row[3]]
  return None if not rows else (
      f"Targets met: {len(rows) - len(missed)} of {len(rows)}"
      + (f"; missed: {'; '.join(missed)}." if missed else "."))


def fit_against_step(r: dict) -> str:
  d = r["derived"]["float32"]
  return (f"`model.fit` trained at "
          f"{_pct(d['fit']['seq_per_s'] / d['train_step']['seq_per_s'])} of "
          "the compiled training step's rate (what differs: the input "
          "pipeline and Keras's loop).")


def profile(r: dict) -> str | None:
  """Per pass, the block with the largest share of the time beside its
  share of the FLOPs, and the block with the lowest utilisation."""
  rows, parts = r.get("profile_table"), []
  for mode, label in (("forward", "inference"), ("train", "training")):
    mine = [row for row in rows or [] if row["mode"] == mode]
    if not mine:
      return None
    top = max(mine, key=lambda row: row["time_share"])
    low = min((row for row in mine if row["flops_share"] > 0.005),
              key=lambda row: row["utilisation"])
    parts.append(f"in {label} the {top['block']} takes the largest share of "
                 f"the time ({_pct(top['time_share'])}, for "
                 f"{_pct(top['flops_share'])} of the FLOPs) and "
                 + ("it" if low is top else f"the {low['block']}")
                 + f" has the lowest utilisation "
                 f"({100 * low['utilisation']:.1f} %)")
  return "Per block: " + "; ".join(parts) + "."


def formulations(r: dict) -> str | None:
  f = r.get("formulations")
  return None if not f else (
      f"The model ran at {ratio_text(f['training'], 'reference', 'model')} "
      "the reference formulation's rate in training and "
      f"{ratio_text(f['inference'], 'reference', 'model')} in inference; "
      f"their predictions differ by at most {f['max_abs_difference']:.1e}.")


def precisions(r: dict) -> str | None:
  p = r.get("precisions")
  if not p:
    return None
  matmul = (p["matmul"]["flops_per_s"]
            / r["runs"]["float32"]["matmul"]["flops_per_s"])
  model = [f"{ratio_text(ab, 'float32', 'mixed_bfloat16')} ({kind}, "
           f"{XLA[mode]})" for kind in ("training", "inference")
           for mode, ab in p[kind].items()]
  return (f"bfloat16's matmul ran at {matmul:.2f}x float32's rate, the model "
          f"in mixed_bfloat16 at {', '.join(model)}; auto's rule chose "
          f"{p['auto']['mixed_precision']}.")


def lengths(r: dict) -> str | None:
  c = r.get("lengths")
  if not c:
    return None
  a, b = min(c["lengths"]), max(c["lengths"])
  fa, fb = c["flops"][str(a)], c["flops"][str(b)]
  return (f"At L = {b} a sequence costs {fb['forward'] / fa['forward']:.2f}x "
          f"the FLOPs of L = {a}; the attention takes {_pct(fb['attention'])}"
          f" of them ({_pct(fa['attention'])} at {a}; its L x L products "
          f"{_pct(fb['attention_l2'])} and {_pct(fa['attention_l2'])}). "
          f"Sequences/s at {b} against {a}: training "
          f"{ratio_text(c['training'], f'L={a}', f'L={b}')}, inference "
          f"{ratio_text(c['inference'], f'L={a}', f'L={b}')}.")


def findings(r: dict) -> list[str]:
  """Every sentence the results support."""
  return [s for s in (f(r) for f in (targets, fit_against_step, profile,
                                     formulations, precisions, lengths)) if s]
