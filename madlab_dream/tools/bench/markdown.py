"""The report, rendered from the results of either backend's run: each
section reads its part of the results and is left out when that part was
not measured; "What the figures show" is `findings`'. Nothing is measured
here."""

from __future__ import annotations

import os

from madlab_dream.tools.bench import findings
from madlab_dream.tools.bench.sizes import EPOCH_ROWS
from madlab_dream.tools.bench.sizes import SCHEDULE_EXAMPLES
from madlab_dream.tools.bench.sizes import TPU_SEQ_PER_S

XLA = findings.XLA
KINDS = {"train_step": "training step", "fit": "`model.fit`",
         "inference": "inference"}


def fmt_seconds(seconds: float) -> str:
  """A duration in s, min, h or days, whichever reads best."""
  for unit, size, below in (("s", 1, 120), ("min", 60, 7200),
                            ("h", 3600, 3 * 86400)):
    if seconds < below:
      return f"{seconds / size:,.1f} {unit}"
  return f"{seconds / 86400:,.1f} days"


def table(head: list[str], rows: list[list]) -> list[str]:
  """A Markdown table, then an empty line."""
  return (["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
          + ["| " + " | ".join(str(cell) for cell in row) + " |"
             for row in rows] + [""])


def _header(r: dict) -> list[str]:
  jax = "device" in r
  return ["# Benchmarks" + (": Keras on JAX (XLA)" if jax else ""), "",
          f"Measured by `python -m madlab_dream.bench{r['argv']}` on "
          f"{r['date']} in {fmt_seconds(r['total_s'])}; every figure comes "
          f"from that run (raw figures: `{os.path.basename(r['json'])}`)."
          + (" **--quick: tiny sizes and the tiny model, a smoke test; the "
             "figures say nothing about the MadLab model's speed.**"
             if r["quick"] else "")
          + (" JAX sees no accelerator here: the figures are this CPU's."
             if jax and not findings.on_accelerator(r) else "")
          + ("" if jax else " TensorFlow measures the CPU here (GPUs "
             "hidden); `make bench-gpu` (`--backend=jax`) measures a GPU"
             + (f", against {r['targets']['gpu_train_seq_per_s']:,.0f} "
                "training sequences/s on one H100."
                if "gpu_train_seq_per_s" in r.get("targets", {}) else ".")),
          ""]


def _machine(r: dict) -> list[str]:
  hw, d = r["hardware"], r.get("device")
  rows = [["CPU", f"{hw['cpu']}, {hw['cores']} cores, {hw['memory_gib']} GiB;"
                  " matrix extensions: "
                  + (", ".join(hw.get("cpu_matrix_flags") or []) or "none")],
          ["GPU", ", ".join(hw["gpus"]) or "none"],
          ["JAX device" if d else "TensorFlow", f"{d['count']} x {d['kind']} "
           f"({d['platform']}), JAX {d['jax']}, matmul precision "
           f"{d['matmul_precision']}" if d else hw["tensorflow"]],
          ["Keras / Python", f"{hw['keras']} / {hw['python']}"]]
  peaks = [run["matmul"] for run in r["runs"].values()]
  peaks += [r["precisions"]["matmul"]] if "precisions" in r else []
  rows += [[f"{m['dtype']} matmul ({m['n']:,}^3, median of {m['reps']})",
            f"{m['flops_per_s'] / 1e9:,.1f} GFLOP/s"] for m in peaks]
  return ["## Machine", ""] + table(["", ""], rows)


def _summary(r: dict) -> list[str]:
  met = {True: "yes", False: "**no**", None: ""}
  rows = [[a, b, c, met[d]] for a, b, c, d in findings.summary_rows(r)]
  for precision, d in r["derived"].items():
    rate = d["training"]["seq_per_s"]
    rows.append([f"training ({KINDS[d['training']['kind']]}) / inference, "
                 f"{precision}", f"{rate:,.0f} / "
                 f"{d['inference']['seq_per_s']:,.0f} seq/s", "", ""])
    rows.append([
        f"one epoch ({EPOCH_ROWS:,} rows) / MadLab's schedule "
        f"({SCHEDULE_EXAMPLES:,} examples; their TPU: "
        f"{fmt_seconds(SCHEDULE_EXAMPLES / TPU_SEQ_PER_S)}), {precision}",
        f"{fmt_seconds(EPOCH_ROWS / rate)} / "
        f"{fmt_seconds(SCHEDULE_EXAMPLES / rate)}", "", ""])
  return (["## Summary", ""]
          + table(["measure", "measured", "target", "met"], rows)
          + ["## What the figures show", ""]
          + [f"- {s}" for s in findings.findings(r)] + [""])


def _preprocessing(r: dict) -> list[str]:
  if "preprocessing" not in r:
    return []
  pre, mad, pipe = r["preprocessing"], r["madlab_approach"], r["pipeline"]
  w, p = mad["wall_s"], mad["peak_rss_bytes"]
  return [
      "## Preprocessing and input pipeline", "",
      f"`{pre['command']}` on a generated DREAM-format file of "
      f"{pre['rows']:,} rows ({pre['input_bytes'] / 1e6:,.0f} MB, in the page"
      f" cache), from an empty cache: {pre['wall_s']:.1f} s wall, CPU "
      f"{pre['user_s'] + pre['sys_s']:.1f} s, peak resident memory "
      f"{pre['peak_rss_bytes'] / 1e9:.2f} GB (Python start-up included), "
      f"cache {pre['cache_bytes'] / 1e9:.2f} GB.", "",
      f"MadLab's approach, {mad['method']}: "
      + "; ".join(f"{run['rows']:,} rows {run['wall_s']:.2f} s, "
                  f"{run['peak_rss_bytes'] / 1e6:,.0f} MB" for run in
                  mad["runs"])
      + f"; at {w['at']:,} rows {w['fixed']:.2f} s + {w['per_row'] * 1e6:.2f}"
      f" s per million rows = {fmt_seconds(w['value'])}, "
      f"{p['fixed'] / 1e6:,.0f} MB + {p['per_row']:,.0f} bytes per row = "
      f"{p['value'] / 1e9:.1f} GB (their one-hot array alone: "
      f"{mad['bool_array_bytes_full'] / 1e9:.2f} GB), assuming no swapping.",
      "", f"`data.train_dataset` over the cache, {pipe['batches']:,} batches "
      f"of {pipe['batch_size']:,}: **{pipe['seq_per_s']:,.0f} sequences/s**"
      + (f"; the NumPy stream of the backends without TensorFlow "
         f"(`data.train_batches`, the same batches): "
         f"**{pipe['numpy_seq_per_s']:,.0f} sequences/s**"
         if "numpy_seq_per_s" in pipe else "") + ".",
      ""]


def _throughput(r: dict) -> list[str]:
  s, f, rows = r["sizes"], r["flops"], []
  for precision, run in r["runs"].items():
    for mode, calls in run["runs"].items():
      for kind, label in KINDS.items():
        w, best = calls[kind], r["derived"][precision][kind]
        rows.append([precision, f"{label}, {XLA[mode]}",
                     f"{w['first_call_s']:.1f} s", w["window_calls"],
                     ", ".join(f"{x:,.0f}" for x in w["windows_per_s"]),
                     f"**{w['per_s']:,.0f}**", f"{100 * best['mfu']:.1f} %"
                     if best["mode"] == mode else ""])
  return [
      f"## Throughput ({r['runs']['float32']['parameters']:,} parameters, "
      f"L = {f['train']['seq_len']}, batches {s['train_batch']:,} / "
      f"{s['infer_batch']:,})", "",
      "Training step: one compiled step (MSE + L2, RMSprop 1e-4) on a batch "
      "on the device; `model.fit`: one call over "
      + ("`data.train_dataset`" if "pipeline" in r else "NumPy arrays")
      + "; inference: the inference form (BatchNorm folded). Median of "
      "windows after the compiling first call. MFU (at the faster XLA "
      "setting): seq/s x FLOPs per sequence (training 3 x forward) / the "
      "matmul rate of the compute dtype.", ""] + table(
          ["precision", "run", "first call", "calls per window",
           "windows (seq/s)", "median", "MFU"], rows)


def _ab_table(a: str, b: str, rows: list[tuple]) -> list[str]:
  return table(["path", "batch", "XLA", f"{a} seq/s", f"{b} seq/s",
                f"{b} / {a}"],
               [[label, f"{ab['batch']:,}", "on" if ab["jit_compile"]
                 else "off", f"{ab['seq_per_s'][a]:,.0f}",
                 f"{ab['seq_per_s'][b]:,.0f}",
                 f"**{findings.ratio_text(ab, a, b)}**"] for label, ab in rows])


def _formulations(r: dict) -> list[str]:
  f = r.get("formulations")
  return [] if not f else [
      "## Against the reference formulation", "",
      "The model's weights in `tools/bench/reference_model.py` (Transformer-XL "
      "shift attention, Keras's Bidirectional LSTM, BatchNorm unfolded) "
      "against the model (gathered relative keys, hoisted BiLSTM input "
      f"projection, BatchNorm folded), {r['sizes']['ab_windows']} "
      f"alternating windows of {r['sizes']['ab_calls']} call(s) per side.",
      ""] + _ab_table("reference", "model", [
          ("training step", f["training"]), ("inference", f["inference"])])


def _candidates(r: dict) -> list[str]:
  c = r.get("candidates")
  if not c:
    return []
  ab = c["training"]
  rows = []
  for name, cost in c["compiled"].items():
    rows.append([name, f"{ab['seq_per_s'][name]:,.0f}",
                 f"{ab['seq_per_s'][name] / ab['seq_per_s']['model']:.2f}x",
                 f"{cost['flops'] / ab['batch'] / 1e6:,.1f}",
                 f"{cost['bytes_accessed'] / ab['batch'] / 1e6:,.2f}",
                 f"{cost['temp_bytes'] / 1e6:,.0f}",
                 "" if name == "model" else
                 f"{c['relative_difference'][name]:.1e}"])
  return [
      "## Candidate formulations of the layers", "",
      "The model's compiled training step (float32, XLA, batch "
      f"{ab['batch']:,}) beside the same weights in each candidate "
      "formulation (`tools/bench/candidates.py`): shift_attention "
      "(Enformer's [L, 2L-1] relative products and the Transformer-XL "
      "shift), merged_conv (the four wide convolutions as one, kernels "
      "zero-padded and centred). XLA's own cost and memory analysis of "
      "each compiled step; alternating windows.", ""] + table(
          ["formulation", "seq/s", "vs model", "XLA MFLOPs / sequence",
           "XLA MB accessed / sequence", "temporary memory (MB)",
           "relative difference of predictions"], rows)


def _lengths(r: dict) -> list[str]:
  c = r.get("lengths")
  if not c:
    return []
  rows = []
  for length, f in c["flops"].items():
    share = {k: v / f["forward"] for k, v in f["parts"].items()}
    share["ffn"] = f["detail"].get("ffn", 0.0) / f["forward"]
    rows.append([length, f"{f['forward'] / 1e6:,.2f}",
                 f"{f['train_exact'] / 1e6:,.2f}"] + [
                     f"{100 * x:.1f} %" for x in (
                         share["conv"], f["attention"], f["attention_l2"],
                         share["ffn"], share["bilstm"])])
  short, long = (f"L={x}" for x in (min(c["lengths"]), max(c["lengths"])))
  return (["## Sequence length and FLOPs", "",
           "The model at each length (110 nt: DREAM; 249 nt: Drosophila "
           "STARR-seq). FLOPs per sequence: every matrix product "
           "(multiply-add = 2) counted from the weight shapes (`tools/bench/"
           "flops.py`); training: forward + the backward products needed. "
           "Sequences/s: alternating windows.", ""]
          + table(["L", "forward MFLOP", "training MFLOP", "convolutions",
                   "attention", "its L x L products", "feed-forward",
                   "BiLSTM"], rows)
          + _ab_table(short, long, [("training step", c["training"]),
                                    ("inference", c["inference"])]))


def _precisions(r: dict) -> list[str]:
  p = r.get("precisions")
  if not p:
    return []
  acc, auto, pr = p["accuracy"], p["auto"], p["accuracy"]["pearson"]
  rows = [(kind, ab) for kind in ("training", "inference")
          for ab in p[kind].values()]
  return (["## bfloat16 against float32", "", "Same weights, alternating "
           "windows; bfloat16 matrix units on this CPU: "
           f"{'yes' if auto['bf16_matrix_units'] else 'no'}.", ""]
          + _ab_table("float32", "mixed_bfloat16", rows) + [
      f"Largest inference difference {p['max_abs_difference']:.3f}. Pearson r"
      f" on {acc['val_rows']:,} simulated rows after {acc['steps']} steps of "
      f"{acc['batch']} from the same weights: float32 {pr['float32']:.4f}, "
      f"mixed_bfloat16 {pr['mixed_bfloat16']:.4f} (at most {acc['max_drop']}"
      f" below: {'met' if acc['within'] else 'not met'}). "
      "**`--mixed_precision=auto`'s rule on these figures: "
      f"{auto['mixed_precision']}** ({auto['reason']}).", ""])


def _mutagenesis(r: dict) -> list[str]:
  m = r.get("mutagenesis")
  return [] if not m else [
      "## Saturation mutagenesis", "", f"`ism_codes` through the exported "
      f"SavedModel (`Predictor`, batches of {m['batch']:,}) on "
      f"{m['sequences']:,} sequences ({m['variants']:,} variants): "
      f"**{m['seq_per_s']:,.1f} sequences/s**; one sequence at a time "
      f"(`saturation_mutagenesis`): {m['one_at_a_time']['seq_per_s']:,.1f}.",
      ""]


def _explain_design(r: dict) -> list[str]:
  e = r.get("explain_design")
  if not e:
    return []
  g, d = e["gradients"], e["design"]
  return [
      "## Explaining and designing", "",
      f"`explain`'s input gradients (batches of {g['batch_size']:,}): "
      f"**{g['gradient_evaluations_per_s']:,.0f} gradient evaluations/s**, "
      f"{g['vs_training']:.2f}x the training step's sequences/s "
      f"(forward alone: {g['forward_per_s']:,.0f}/s). Expected gradients "
      "with R references and S steps cost R x S evaluations per sequence.",
      "",
      f"`design`'s greedy rounds through the SavedModel (batches of "
      f"{d['batch_size']:,}): **{d['candidate_evaluations_per_s']:,.0f} "
      f"candidate evaluations/s**, {d['ratio']:.2f}x plain inference "
      f"through the same SavedModel ({d['inference_seq_per_s']:,.0f} "
      f"sequences/s; medians of {d['windows']} alternating windows).", ""]


def _profile(r: dict) -> list[str]:
  rows = r.get("profile_table")
  return [] if not rows else (
      ["## Time per block", "",
       "Each block alone on its input activations: the inference form "
       "forward, the model forward + gradients; utilisation = the block's "
       "FLOPs / its time / the matmul rate.", ""]
      + table(["pass", "block", "batch", "time", "time share", "FLOPs share",
               "utilisation"],
              [[row["mode"], row["block"], f"{row['batch']:,}",
                f"{row['seconds'] * 1e3:,.1f} ms"] + [
                    f"{100 * row[k]:.1f} %" for k in (
                        "time_share", "flops_share", "utilisation")]
               for row in rows]))


def _costs(r: dict) -> list[str]:
  """What each section of the run cost, wall time."""
  if "section_seconds" not in r:
    return []
  costs = r["section_seconds"]
  rows = [[name, fmt_seconds(seconds)] for name, seconds in costs.items()]
  rows.append(["**all sections**", fmt_seconds(sum(costs.values()))])
  return (["## What each section cost", "",
           f"Wall time of each section of this run (the whole run: "
           f"{fmt_seconds(r['total_s'])}).", ""]
          + table(["section", "wall time"], rows))


SECTIONS = (_header, _machine, _summary, _preprocessing, _throughput,
            _formulations, _candidates, _lengths, _precisions, _mutagenesis,
            _explain_design, _profile, _costs)
#: Sections and the results they are drawn from: results written by an
#: earlier bench that lack them get a line saying so, not a KeyError.
NEEDS = {_machine: ("Machine", ("hardware", "runs")),
         _summary: ("Summary", ("runs", "derived", "sizes")),
         _throughput: ("Throughput", ("runs", "derived", "sizes", "flops"))}


def render(r: dict) -> str:
  """The report for the results of either backend's run."""
  lines = []
  for section in SECTIONS:
    title, keys = NEEDS.get(section, ("", ()))
    missing = [key for key in keys if key not in r]
    if missing:
      lines += [f"## {title}", "", "Not in these results (no "
                f"{', '.join(missing)}: they were written by an earlier "
                "bench); rerun `python -m madlab_dream.bench` to measure "
                "it.", ""]
    else:
      lines += section(r)
  return "\n".join(lines)
