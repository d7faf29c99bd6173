"""The reading of the per-block profile, written out for the report.

Where the time goes against where the FLOPs are (the BiLSTM's sequential
steps, the convolution stack, the transformer's memory-bound work), what
issue 16 changed and what it gained (the previous formulation, measured in
the same run), what is left and what would close the rest, with every figure
taken from the measured results.
"""

from __future__ import annotations

from madlab_dream.bench.plan import TARGETS


def _pct(x: float) -> str:
  return f"{100 * x:.0f} %"


def _mode(jit: bool) -> str:
  return "XLA" if jit else "no XLA (TensorFlow's oneDNN kernels)"


def diagnosis(r: dict) -> list[str]:
  """What the profile says, from the measured figures.

  Args:
    r: the benchmark's results, with `derived` and `profile_table`.

  Returns:
    Markdown lines: whether the MFU targets are met, then one item per
    block kind (its share of time and FLOPs, its utilisation, what holds
    it down and what would help), then the gains measured against the
    previous formulation and bfloat16.
  """
  d, m = r["derived"], r["model"]
  rows = {(row["mode"], row["block"]): row for row in r["profile_table"]}
  cfg = m["flops_analytic"]["config"]
  u, W, L = cfg["lstm_units"], cfg["conv_reduced"], cfg["seq_len"]
  missed = [name for name, value, target in (
      ("training", d["train_mfu"], TARGETS["train_mfu"]),
      ("inference", d["infer_mfu"], TARGETS["inference_mfu"]))
            if value < target]
  plural = "s are" if len(missed) > 1 else " is"
  head = "**Reading.** " + (
      f"The {' and '.join(missed)} MFU target{plural} missed on this "
      "machine; the blocks below say where the time goes. "
      if missed else "The MFU targets are met. ")
  head += (f"Training is fastest with {_mode(d['train_mode'] == 'xla')}, "
           f"inference with {_mode(d['infer_mode'] == 'xla')}.")
  out = [head]
  lstm_f, lstm_t = rows[("forward", "bilstm")], rows[("train", "bilstm")]
  hoisted = cfg.get("lstm_implementation") == "hoisted"
  out.append(
      f"- BiLSTM: {_pct(lstm_f['time_share'])} of the forward time and "
      f"{_pct(lstm_t['time_share'])} of the training time for "
      f"{100 * lstm_f['flops_share']:.1f} % of the FLOPs "
      f"({100 * lstm_f['utilisation']:.1f} % / "
      f"{100 * lstm_t['utilisation']:.1f} % utilisation). " + (
          f"The input projection of all {L} steps and both directions is "
          f"one [batch x L, {W}] x [{W}, {8 * u}] product before the loop "
          f"({100 * W / (W + 2 * u):.0f} % of its FLOPs); what is left is "
          f"sequential: {L} steps of a [batch, {2 * u}] x [{2 * u}, "
          f"{8 * u}] product and the gate non-linearities, far too thin for "
          "the matrix units and bound by per-step overhead (and its "
          "reverse in the backward pass). Only a model change (a pooling "
          "or attention readout instead of the 4-unit LSTM) would remove it."
          if hoisted else
          f"L = {L} sequential steps, each a [batch, W + u] x [W + u, "
          f"{4 * u}] product, far too thin to use the matrix units."))
  conv_f, conv_t = rows[("forward", "conv")], rows[("train", "conv")]
  out.append(
      f"- Convolution stack: {_pct(conv_f['flops_share'])} of the FLOPs, "
      f"{_pct(conv_f['time_share'])} of the forward and "
      f"{_pct(conv_t['time_share'])} of the training time, at "
      f"{_pct(conv_f['utilisation'])} (forward) and "
      f"{_pct(conv_t['utilisation'])} (training) utilisation. The wide "
      "convolutions see 4 input channels (one-hot), so each output is a "
      "thin k x 4 product; every branch then writes and reads [batch, L, "
      f"{cfg['conv_filters']}] and [batch, L, {W}] activations several "
      "times. In inference BatchNorm is folded into the convolutions (two "
      "passes fewer per branch); in training it cannot be (batch "
      "statistics), and BatchNorm and swish stay separate memory-bound "
      "passes on the non-XLA path. One merged convolution for all branches "
      "(the kernels zero-padded to the widest) was measured slower at "
      "MadLab's kernels 15-30 (`layers.MultiScaleConv`'s docstring): it "
      "adds a third of the wide-convolution FLOPs and a split of its "
      "output.")
  tf_f, tf_t = rows[("forward", "transformer")], rows[("train",
                                                          "transformer")]
  gather = cfg.get("relative_logits") == "gather"
  out.append(
      f"- Transformer blocks: {_pct(tf_f['flops_share'])} of the FLOPs, "
      f"{_pct(tf_f['time_share'])} of the forward and "
      f"{_pct(tf_t['time_share'])} of the training time, at "
      f"{_pct(tf_f['utilisation'])} (forward) and "
      f"{_pct(tf_t['utilisation'])} (training) utilisation. " + (
          "The relative logits contract q with the relative keys gathered "
          "into the [L, L] layout once per batch: no shift copies, and "
          "half the products of the [L, 2L-1] formulation. "
          if gather else
          "The [L, 2L-1] relative logits are shifted by pad/reshape/slice "
          "copies. ") +
      "What holds the rest down is work that is not a large matrix "
      "product: softmax over [batch, L, L], two LayerNorms and two "
      "residual additions per block are memory-bound, the attention "
      f"products are {L} x {cfg['key_size']} x {L} matrices per sequence "
      "(one head), and the head split/merge and the [H, L]-batched layout "
      "of the relative logits add transposes.")
  f = m.get("formulations")
  if f:
    out.append(
        f"- Against the previous formulation (same run): training "
        f"{f['training']['speedup']:.2f}x, inference "
        f"{f['inference']['speedup']:.2f}x as fast.")
  p = m.get("precisions")
  if p:
    matmul = p["matmul"]
    ratio = (matmul["bfloat16"]["flops_per_s"]
             / matmul["float32"]["flops_per_s"])

    def ratios(kind):
      return ", ".join(
          f"{run['speedup']:.2f}x ({'XLA' if key == 'xla' else 'no XLA'})"
          for key, run in p[kind].items())
    best = max(run["speedup"] for kind in ("training", "inference")
               for run in p[kind].values())
    out.append(
        f"- bfloat16: the bfloat16 matmul runs at {ratio:.2f}x the float32 "
        f"rate here; in mixed_bfloat16 the model trains {ratios('training')} "
        f"and predicts {ratios('inference')} as fast as in float32" + (
            " (less than the matmul ratio: the element-wise work and the "
            "casts around every layer do not speed up)" if best < ratio
            else "") +
        ". The MFU above is float32 against the float32 matmul rate.")
  if missed:
    xla_note = (
        "XLA fuses them, but its training step was slower than the "
        "oneDNN one here" if d["train_mode"] != "xla" else
        "XLA fuses most of them, but not into its matrix products")
    out.append(
        "- What would close the rest: fusing the element-wise passes "
        "(BatchNorm statistics, swish, LayerNorm, softmax) into the "
        f"products around them ({xla_note}); in training a fused "
        "BatchNorm kernel (TensorFlow's own was measured much faster than "
        "Keras's BatchNormalization on a 2-core EPYC, "
        "`layers.MultiScaleConv`'s docstring, but it is TensorFlow-only "
        "and cannot synchronise replicas); larger "
        "products per call "
        "(more heads or a wider model: a model change); or mixed_bfloat16 "
        "where it is faster and the accuracy criterion holds (section 3).")
  return out
