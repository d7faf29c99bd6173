"""The reading of the per-block profile, written out for the report.

Where the time goes against where the FLOPs are (the BiLSTM's thin
sequential steps, the convolution stack, the transformer's memory-bound
work), and what would close the gap, with every figure taken from the
measured profile.
"""

from __future__ import annotations

from madlab_dream.bench.plan import TARGETS


def diagnosis(r: dict) -> list[str]:
  """What the profile says, from the measured figures.

  Args:
    r: the benchmark's results, with `derived` and `profile_table`.

  Returns:
    Markdown lines: whether the MFU targets are met, then one item per
    block kind (its share of time and FLOPs, its utilisation, what holds
    it down and what would help).
  """
  d = r["derived"]
  rows = {(row["mode"], row["block"]): row for row in r["profile_table"]}
  cfg = r["model"]["flops_analytic"]["config"]
  u, W = cfg["lstm_units"], cfg["conv_reduced"]
  missed = (d["train_mfu"] < TARGETS["train_mfu"] or
            d["infer_mfu"] < TARGETS["inference_mfu"])
  out = ["**Reading.** " + (
      "The MFU targets are missed on this machine. " if missed else
      "The MFU targets are met. ")]
  lstm_t, lstm_f = rows[("train", "bilstm")], rows[("forward", "bilstm")]
  out.append(
      f"- BiLSTM: {100 * lstm_f['time_share']:.0f} % of the forward time "
      f"and {100 * lstm_t['time_share']:.0f} % of the training time for "
      f"{100 * lstm_f['flops_share']:.1f} % of the FLOPs "
      f"({100 * lstm_f['utilisation']:.1f} % / "
      f"{100 * lstm_t['utilisation']:.1f} % utilisation): L = "
      f"{cfg['seq_len']} sequential steps, each a [batch, W + u] x "
      f"[W + u, 4u] product with 4u = {4 * u} outputs, far too thin to use "
      "the matrix units; the backward pass walks the same steps in reverse. "
      "What would close it: compute the input projection x W for all steps "
      f"as one [batch x L, W] x [W, 4u] product before the loop "
      f"({100 * W / (W + u):.0f} % of the LSTM FLOPs) and "
      "keep only the tiny h U recurrence sequential, run both directions in "
      "one loop, or replace the 4-unit LSTM by a pooling/attention readout "
      "(a model change).")
  for name, label in (("conv", "Convolution stack"),
                      ("transformer", "Transformer blocks")):
    f, t = rows[("forward", name)], rows[("train", name)]
    out.append(
        f"- {label}: {100 * f['flops_share']:.0f} % of the FLOPs at "
        f"{100 * f['utilisation']:.0f} % (forward) and "
        f"{100 * t['utilisation']:.0f} % (training) utilisation.")
  out.append(
      "- The transformer's utilisation is held down by work that is not a "
      "large matrix product: the [L, 2L-1] relative logits are shifted by "
      "pad/reshape/slice copies, softmax and LayerNorm are memory-bound, and "
      "the attention products are batched 110 x 96 x 110 matrices (one "
      "head). The wide convolutions (Cin = 4, kernels 15-30) are lowered to "
      "thin products; BatchNorm and swish are separate memory-bound passes "
      "in training. What would help: fuse element-wise work into the "
      "products (XLA does some; on this CPU the "
      f"{'XLA' if d['train_mode'] == 'xla' else 'non-XLA (oneDNN)'} path "
      "was faster for training), use bfloat16 on CPUs with AMX/AVX512-BF16 "
      "matrix units, and larger per-call work (bigger batches) for "
      "inference.")
  return out
