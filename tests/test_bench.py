"""The benchmark command: end to end on tiny sizes, FLOP counters, data."""

import json

import numpy as np
import pytest

from madlab_dream import bench
from madlab_dream.config import ModelConfig
from madlab_dream.io import dream

from helpers import assert_one_line_error
from helpers import run_module


@pytest.mark.slow
def test_quick_run_writes_every_section(tmp_path):
  out = tmp_path / "B.md"
  proc = run_module("madlab_dream.bench", "--quick", f"--output={out}",
                    f"--bench_dir={tmp_path / 'work'}", timeout=240)
  assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
  r = json.loads((tmp_path / "B.json").read_text())
  for key in ("hardware", "generated", "preprocessing", "madlab_approach",
              "pipeline", "model", "derived", "profile_table", "gpu"):
    assert key in r, key
  assert r["preprocessing"]["counts"]["read"] == bench.QUICK.rows
  assert r["preprocessing"]["peak_rss_bytes"] > 0
  assert r["preprocessing"]["cache_bytes"] > 0
  assert [run["rows"] for run in r["madlab_approach"]["runs"]] == list(
      bench.QUICK.madlab_rows)
  assert r["pipeline"]["sequences"] == (bench.QUICK.pipeline_batches
                                        * r["pipeline"]["batch_size"])
  model = r["model"]
  assert set(model["training"]) == {"xla", "no_xla"}
  assert set(model["inference"]) == {"xla", "no_xla"}
  assert model["training"]["xla"]["jit_compile_effective"] is True
  assert model["training"]["no_xla"]["jit_compile_effective"] is False
  for run in model["training"].values():
    assert len(run["windows_seq_per_s"]) == bench.QUICK.train_windows
    assert run["seq_per_s"] > 0
  assert model["matmul"]["flops_per_s"] > 0
  # The HLO count of the compiled model agrees with the analytic one.
  fx = model["flops_xla"]
  assert fx["while_loops"] == 0
  assert fx["forward"] == pytest.approx(fx["analytic_forward"], rel=1e-6)
  assert fx["train"] == pytest.approx(fx["analytic_train_exact"], rel=2e-3)
  assert {row["block"] for row in r["profile_table"]} == {
      "conv", "transformer", "bilstm", "head"}
  # The previous formulation against the current one, in the same run.
  f = model["formulations"]
  assert f["previous"] == {"relative_logits": "shift",
                           "lstm_implementation": "keras"}
  for kind in ("training", "inference"):
    assert set(f[kind]["seconds"]) == {"previous", "current"}
    assert f[kind]["speedup"] == pytest.approx(
        f[kind]["seconds"]["previous"] / f[kind]["seconds"]["current"])
  assert f["max_abs_difference"] < 1e-4
  # float32 against bfloat16, and what auto decides.
  p = model["precisions"]
  assert p["matmul"]["bfloat16"]["dtype"] == "bfloat16"
  assert set(p["training"]) == set(p["inference"]) == {"xla", "no_xla"}
  assert p["accuracy"]["steps"] == bench.QUICK.accuracy_steps
  assert p["auto"]["mixed_precision"] in ("none", "mixed_bfloat16")
  assert p["auto"]["bf16_matrix_units"] == r["hardware"][
      "cpu_matrix_flags"].count("avx512_bf16") + r["hardware"][
      "cpu_matrix_flags"].count("amx_bf16") > 0
  # Saturation mutagenesis: 3 L variants per sequence.
  ism = model["ism"]
  assert ism["sequences"] == bench.QUICK.ism_sequences
  assert ism["variants"] == 3 * 110 * ism["sequences"]
  assert ism["seq_per_s"] > 0 and ism["one_at_a_time"]["seq_per_s"] > 0
  d = r["derived"]
  assert d["train_mfu"] == pytest.approx(
      d["train_seq_per_s"] * model["flops_analytic"]["train_3x"]
      / model["matmul"]["flops_per_s"])
  assert d["schedule_s"] == pytest.approx(
      bench.SCHEDULE_EXAMPLES / d["train_seq_per_s"])
  text = out.read_text()
  for heading in ("## Machine", "## Summary", "## 1. Preprocessing",
                  "## 2. Input pipeline", "## 3. Training",
                  "### Against the previous formulation",
                  "### bfloat16 against float32",
                  "### Saturation mutagenesis", "## 4. FLOPs",
                  "### Where the time goes", "## 5. Time to train",
                  "## 6. GPU"):
    assert heading in text, heading
  assert "Quick mode" in text
  assert "| CPU matrix extensions |" in text
  assert f"`--mixed_precision=auto` on this machine: {p['auto']['mixed_precision']}" in text
  if r["gpu"] is None:
    assert "no GPU" in text and "make bench" in text


@pytest.mark.slow
def test_too_few_rows_is_one_line_error(tmp_path):
  proc = run_module("madlab_dream.bench", "--quick", "--rows=10",
                    f"--output={tmp_path / 'B.md'}",
                    f"--bench_dir={tmp_path / 'work'}", timeout=60)
  assert_one_line_error(proc, "--rows")
  assert not (tmp_path / "B.md").exists()


def test_generated_file_looks_like_the_challenge_data(tmp_path):
  path = tmp_path / "train.txt"
  path.write_bytes(bench.generate_dream_lines(
      20_000, np.random.default_rng(0)))
  rows = dream.read(str(path), 110, keep_text=True)
  assert len(rows) == 20_000
  assert set(np.unique(rows.lengths)) <= set(range(104, 112))
  assert np.mean(rows.lengths == 110) == pytest.approx(0.82, abs=0.02)
  whole = np.floor(rows.expression) == rows.expression
  assert np.mean(whole) == pytest.approx(bench.WHOLE_FRACTION, abs=0.02)
  assert rows.expression.min() >= 0 and rows.expression.max() <= 17
  assert all(s.startswith(bench.FLANK5.decode()) and
             s.endswith(bench.FLANK3.decode()) for s in rows.text[:500])
  # Seeded: the same rows again for the same seed, other rows for another.
  assert bench.generate_dream_lines(
      20_000, np.random.default_rng(0)) == path.read_bytes()
  assert bench.generate_dream_lines(
      20_000, np.random.default_rng(1)) != path.read_bytes()


def test_analytic_flops_match_a_hand_count():
  # One conv branch, no transformer block: every term by hand.
  L, k, F, W, u = 10, 3, 5, 7, 2
  base = ModelConfig(seq_len=L, conv_kernels=(k,), conv_filters=F,
                     conv_reduced=W, num_blocks=0, lstm_units=u, key_size=8,
                     value_size=8)
  f0 = bench.analytic_flops(base, batch=4)
  conv_wide = 2 * L * k * 4 * F                      # 1,200
  conv_reduce = 2 * L * F * W                        # 700
  # Hoisted: x K for both directions (one [L, W] x [W, 8u] product), then L
  # steps of h [2u] x a block-diagonal [2u, 8u] kernel.
  lstm = 2 * L * W * 8 * u + 2 * L * (2 * u) * (8 * u)
  head = 2 * 2 * u
  assert f0["forward"] == conv_wide + conv_reduce + lstm + head == 5428
  assert f0["train_3x"] == 3 * 5428
  assert f0["train_exact"] == 3 * 5428 - conv_wide
  # Keras's Bidirectional LSTM: x W and h U per direction and step.
  keras_lstm = bench.analytic_flops(base.replace(lstm_implementation="keras"),
                                    batch=4)
  assert keras_lstm["detail"]["bilstm"] == 2 * L * 2 * (W * 4 * u
                                                        + u * 4 * u)

  # One transformer block (width 8, one head of 8, 6 relative features).
  base = base.replace(conv_reduced=8)
  f0 = bench.analytic_flops(base, batch=4)
  f1 = bench.analytic_flops(base.replace(num_blocks=1), batch=4)
  qkv = 3 * 2 * L * 8 * 8
  rel_keys = 2 * (2 * L - 1) * 6 * 8 / 4             # once per batch of 4
  logits = 2 * L * L * 8 + 2 * L * L * 8             # content, gathered
  values = 2 * L * L * 8
  out = 2 * L * 8 * 8
  ffn = 2 * (2 * L * 8 * 16)
  block = qkv + rel_keys + logits + values + out + ffn
  assert f1["forward"] - f0["forward"] == pytest.approx(block)
  assert f1["parts"]["transformer"] == pytest.approx(block)
  # The shift computes [L, 2L-1] relative logits: L (L - 1) K more.
  shifted = bench.analytic_flops(base.replace(num_blocks=1,
                                              relative_logits="shift"), 4)
  assert shifted["forward"] - f1["forward"] == pytest.approx(
      2 * L * (L - 1) * 8)


def test_preset_flops_by_the_formula():
  f = bench.analytic_flops(batch=1024)
  L, W = 110, 96
  conv = sum(2 * L * k * 4 * 192 for k in (15, 20, 25, 30)) + 4 * (
      2 * L * 192 * W)
  block = (4 * 2 * L * W * W + 2 * 219 * 96 * 96 / 1024
           + 3 * (2 * L * L * W) + 2 * 2 * L * W * 192)
  lstm = 2 * L * W * 32 + 2 * L * 8 * 32
  assert f["forward"] == pytest.approx(conv + 2 * block + lstm + 16)
  assert f["forward"] == pytest.approx(78.546e6, rel=1e-4)


def test_hlo_counter_on_known_computations():
  import tensorflow as tf

  @tf.function(jit_compile=True)
  def fn(a, b, x, kernel):
    unused = tf.matmul(b, tf.transpose(b))  # dead code: not counted
    del unused
    y = tf.matmul(a, b)                                   # 2*4*3*5 = 120
    z = tf.nn.conv1d(x, kernel, stride=1, padding="SAME")  # 2*2*10*6*4*3
    return y, z

  args = (tf.ones([4, 3]), tf.ones([3, 5]), tf.ones([2, 10, 3]),
          tf.ones([4, 3, 6]))
  counted = bench.hlo_flops(fn.experimental_get_compiler_ir(*args)(
      stage="hlo"))
  assert counted == {"flops": 120 + 2 * 2 * 10 * 6 * 4 * 3, "while_loops": 0}

  @tf.function(jit_compile=True)
  def loop(m):
    return tf.while_loop(lambda i, v: i < 7,
                         lambda i, v: (i + 1, tf.matmul(v, m)),
                         (tf.constant(0), m))[1]

  counted = bench.hlo_flops(loop.experimental_get_compiler_ir(
      tf.ones([3, 3]))(stage="hlo"))
  # The body is counted once; the loop is reported.
  assert counted == {"flops": 2 * 27, "while_loops": 1}


def test_linear_extrapolation():
  line = bench.linear_extrapolation(1000, 2.0, 3000, 3.0, 11_000)
  assert line["per_row"] == pytest.approx(0.0005)
  assert line["fixed"] == pytest.approx(1.5)
  assert line["value"] == pytest.approx(7.0)
