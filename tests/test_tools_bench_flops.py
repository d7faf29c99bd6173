"""The benchmark's FLOP count: by hand, by formula, and against XLA's HLO."""

import pytest
from hlo_flops import hlo_flops
from hlo_flops import model_hlo_flops

from madlab_dream import model as model_lib
from madlab_dream.config import TINY_MODEL
from madlab_dream.tools.bench.flops import analytic_flops


def test_analytic_flops_match_a_hand_count():
  # One conv branch, no transformer block: every term by hand.
  L, k, F, W, u = 10, 3, 5, 7, 2
  base = dict(seq_len=L, conv_kernels=(k,), conv_filters=F, conv_reduced=W,
              num_blocks=0, lstm_units=u, key_size=8, value_size=8)
  f0 = analytic_flops(model_lib.build_model(base), batch=4)
  conv_wide = 2 * L * k * 4 * F                      # 1,200
  conv_reduce = 2 * L * F * W                        # 700
  # x K for both directions (one [L, W] x [W, 8u] product), then L steps
  # of h [2u] x a block-diagonal [2u, 8u] kernel.
  lstm = 2 * L * W * 8 * u + 2 * L * (2 * u) * (8 * u)
  assert f0["forward"] == conv_wide + conv_reduce + lstm + 2 * 2 * u == 5428
  assert f0["train_3x"] == 3 * 5428
  assert f0["train_exact"] == 3 * 5428 - conv_wide
  assert f0["attention"] == 0
  # One transformer block (width 8, one head of 8, 6 relative features).
  base["conv_reduced"] = 8
  f0 = analytic_flops(model_lib.build_model(base), batch=4)
  f1 = analytic_flops(model_lib.build_model(base, num_blocks=1), batch=4)
  qkv = 3 * 2 * L * 8 * 8
  rel_keys = 2 * (2 * L - 1) * 6 * 8 / 4             # once per batch of 4
  l2 = 3 * 2 * L * L * 8          # content, relative (gathered), x values
  out = 2 * L * 8 * 8
  ffn = 2 * (2 * L * 8 * 16)
  block = qkv + rel_keys + l2 + out + ffn
  assert f1["forward"] - f0["forward"] == pytest.approx(block)
  assert f1["parts"]["transformer"] == pytest.approx(block)
  assert f1["attention"] == pytest.approx((block - ffn) / f1["forward"])
  assert f1["attention_l2"] == pytest.approx(l2 / f1["forward"])


def test_preset_flops_by_the_formula():
  for L in (110, 249):
    f = analytic_flops(model_lib.build_model(seq_len=L), batch=1024)
    W = 96
    conv = sum(2 * L * k * 4 * 192 for k in (15, 20, 25, 30)) + 4 * (
        2 * L * 192 * W)
    block = (4 * 2 * L * W * W + 2 * (2 * L - 1) * 96 * 96 / 1024
             + 3 * (2 * L * L * W) + 2 * 2 * L * W * 192)
    lstm = 2 * L * W * 32 + 2 * L * 8 * 32
    assert f["forward"] == pytest.approx(conv + 2 * block + lstm + 16)
  assert analytic_flops(model_lib.build_model(), 1024)["forward"] == \
      pytest.approx(78.546e6, rel=1e-4)


def test_the_count_is_what_xla_compiles():
  model = model_lib.build_model(TINY_MODEL, seq_len=24)
  counted = model_hlo_flops(model, batch=4)
  analytic = analytic_flops(model, batch=4)
  assert counted["while_loops"] == 0
  assert counted["forward"] == pytest.approx(analytic["forward"], rel=1e-6)
  assert counted["train"] == pytest.approx(analytic["train_exact"], rel=2e-3)


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
  counted = hlo_flops(fn.experimental_get_compiler_ir(*args)(stage="hlo"))
  assert counted == {"flops": 120 + 2 * 2 * 10 * 6 * 4 * 3, "while_loops": 0}

  @tf.function(jit_compile=True)
  def loop(m):
    return tf.while_loop(lambda i, v: i < 7,
                         lambda i, v: (i + 1, tf.matmul(v, m)),
                         (tf.constant(0), m))[1]

  counted = hlo_flops(loop.experimental_get_compiler_ir(
      tf.ones([3, 3]))(stage="hlo"))
  # The body is counted once; the loop is reported.
  assert counted == {"flops": 2 * 27, "while_loops": 1}
