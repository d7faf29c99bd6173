"""The report says what its figures show (bench/findings.py, markdown.py,
and the figures derived from the measured ones), on made-up figures."""

import copy
import dataclasses

import pytest

from madlab_dream import model as model_lib
from madlab_dream.config import TINY_MODEL
from madlab_dream.tools.bench import block_profile
from madlab_dream.tools.bench import findings
from madlab_dream.tools.bench import markdown
from madlab_dream.tools.bench import throughput
from madlab_dream.tools.bench.flops import analytic_flops
from madlab_dream.tools.bench.sizes import QUICK
from madlab_dream.tools.bench.sizes import TARGETS


def window(rate, calls=2):
  return {"first_call_s": 1.0, "window_calls": calls,
          "windows_per_s": [rate * 0.9, rate, rate * 1.1], "per_s": rate}


def ab(batch, **rates):
  """An A/B whose windows are the median +- 1 %."""
  return {"batch": batch, "jit_compile": False,
          "seq_per_s": rates, "seconds": {k: batch / v for k, v in
                                          rates.items()},
          "window_seconds": {k: [batch / v * 0.99, batch / v, batch / v *
                                 1.01] for k, v in rates.items()}}


@pytest.fixture(scope="module")
def flops():
  tiny = {length: model_lib.build_model(TINY_MODEL, seq_len=length)
          for length in (110, 249)}
  return {length: {"train": analytic_flops(m, 64),
                   "inference": analytic_flops(m, 128)}
          for length, m in tiny.items()}


def cpu_results(flops):
  run = {"precision": "float32", "parameters": 1061,
         "matmul": {"n": 256, "dtype": "float32", "reps": 2,
                    "flops_per_s": 1e10},
         "runs": {"xla": {"train_step": window(900), "fit": window(800),
                          "inference": window(3000)},
                  "no_xla": {"train_step": window(600), "fit": window(500),
                             "inference": window(2000)}}}
  rows = [{"mode": mode, "block": block, "batch": 64, "seconds": s,
           "time_share": s / 1.0, "flops_share": f, "flops_per_s": 1e9,
           "utilisation": u} for mode in ("forward", "train")
          for block, s, f, u in (("conv", 0.2, 0.05, 0.02),
                                 ("transformer", 0.6, 0.9, 0.09),
                                 ("bilstm", 0.19, 0.05, 0.01),
                                 ("head", 0.01, 0.0, 0.0))]
  return {
      "argv": " --quick", "date": "today", "quick": True, "json": "B.json",
      "total_s": 60.0, "sizes": dataclasses.asdict(QUICK), "targets": TARGETS,
      "hardware": {"cpu": "Some CPU", "cores": 2, "memory_gib": 8.0,
                   "cpu_matrix_flags": ["avx2"], "gpus": [],
                   "tensorflow": "2.x", "keras": "3.x", "python": "3.11"},
      "preprocessing": {"rows": 4000, "wall_s": 2.0, "user_s": 1.0,
                        "sys_s": 0.1, "peak_rss_bytes": 2e9,
                        "cache_bytes": 5e8, "input_bytes": 4e5,
                        "command": "python -m madlab_dream.data",
                        "counts": {"read": 4000, "kept": 2900,
                                   "train": 1900, "validation": 1000}},
      "madlab_approach": {
          "wall_s": {"value": 30.0, "fixed": 0.1, "per_row": 1e-5,
                     "at": 4000},
          "peak_rss_bytes": {"value": 8e9, "fixed": 3e7, "per_row": 3000,
                             "at": 4000},
          "runs": [{"rows": 500, "wall_s": 1.0, "peak_rss_bytes": 4e7}],
          "method": "their steps", "bool_array_bytes_full": 1e9},
      "pipeline": {"seq_per_s": 1e6, "batches": 20, "batch_size": 1024,
                   "warmup": 2},
      "runs": {"float32": run}, "flops": flops[110],
      "derived": {"float32": throughput.derive(run, flops[110])},
      "formulations": {"training": ab(64, reference=500, model=700),
                       "inference": ab(128, reference=1000, model=1010),
                       "max_abs_difference": 2e-6},
      "lengths": {"lengths": [110, 249],
                  "flops": {str(L): flops[L]["train"] for L in flops},
                  "training": ab(64, **{"L=110": 800, "L=249": 200}),
                  "inference": ab(128, **{"L=110": 3000, "L=249": 600})},
      "precisions": {
          "matmul": {"n": 256, "dtype": "bfloat16", "reps": 2,
                     "flops_per_s": 2e10},
          "training": {"no_xla": ab(64, float32=600, mixed_bfloat16=660)},
          "inference": {"no_xla": ab(128, float32=2000,
                                     mixed_bfloat16=1800)},
          "max_abs_difference": 0.01,
          "accuracy": {"steps": 3, "batch": 32, "learning_rate": 3e-4,
                       "val_rows": 200, "max_drop": 0.005, "within": True,
                       "pearson": {"float32": 0.1, "mixed_bfloat16": 0.1}},
          "auto": {"mixed_precision": "none", "reason": "no units",
                   "bf16_matrix_units": False, "jit_compile": False}},
      "mutagenesis": {"sequences": 4, "variants": 1320, "seconds": 0.4,
                      "seq_per_s": 10.0, "variants_per_s": 3300.0,
                      "batch": 128,
                      "one_at_a_time": {"sequences": 1, "seq_per_s": 9.0}},
      "profile_table": rows}


def test_derived_figures(flops):
  r = cpu_results(flops)
  d = r["derived"]["float32"]
  assert d["train_step"] == pytest.approx({
      "kind": "train_step", "mode": "xla", "seq_per_s": 900,
      "flops_per_s": 900 * flops[110]["train"]["train_3x"],
      "mfu": 900 * flops[110]["train"]["train_3x"] / 1e10})
  assert d["training"]["kind"] == "train_step"
  assert d["inference"]["mfu"] == pytest.approx(
      3000 * flops[110]["inference"]["forward"] / 1e10)
  times = {"a": {"batch": 2, "seconds": 1.0},
           "b": {"batch": 2, "seconds": 3.0}}
  table = block_profile.profile_table(
      {"forward": times, "train": times},
      {"inference": {"parts": {"a": 10.0, "b": 30.0}},
       "train": {"parts_train": {"a": 1.0, "b": 1.0}}}, peak=100.0)
  assert [row["time_share"] for row in table] == [0.25, 0.75] * 2
  assert table[3]["flops_share"] == 0.5
  assert table[1]["utilisation"] == pytest.approx(30.0 * 2 / 3.0 / 100.0)


def test_sentences_follow_the_figures(flops):
  r = cpu_results(flops)
  said = " ".join(findings.findings(r))
  assert "in inference the transformer takes the largest share" in said
  assert "bilstm has the lowest utilisation (1.0 %)" in said
  assert "1.40x the reference formulation's rate in training" in said
  # Inference windows overlap: the report says so instead of a speed-up.
  assert "1.01x (windows overlap: within this run's spread) in inference" \
      in said
  share = flops[249]["train"]["attention"]
  assert f"attention takes {100 * share:.0f} %" in said
  assert "training 0.25x" in said and 0.5 < share < 1
  assert "auto's rule chose none" in said
  rows = findings.summary_rows(r)
  missed = [row[0] for row in rows if row[3] is False]
  assert "training MFU (train step)" in missed
  assert "peak memory, MadLab's (extrapolated) over ours" in missed
  assert f"Targets met: {sum(row[3] is True for row in rows)} of 8" in said
  # Other figures, other sentences.
  r["profile_table"][1]["time_share"] = 0.05
  r["formulations"]["training"] = ab(64, reference=700, model=500)
  said = " ".join(findings.findings(r))
  assert "in inference the conv takes the largest share" in said
  assert "0.71x the reference formulation's rate" in said


def test_report_has_a_section_per_measurement(flops):
  text = markdown.render(cpu_results(flops))
  for heading in ("## Machine", "## Summary", "## What the figures show",
                  "## Preprocessing and input pipeline", "## Throughput",
                  "## Against the reference formulation",
                  "## Sequence length and FLOPs", "## bfloat16 against",
                  "## Saturation mutagenesis", "## Time per block"):
    assert heading in text, heading
  assert "--quick: tiny sizes" in text and "| CPU | Some CPU" in text
  assert "`make bench-gpu` (`--backend=jax`) measures a GPU" in text


def test_a_jax_report_has_only_what_it_measured(flops):
  r = cpu_results(flops)
  for name in ("preprocessing", "madlab_approach", "pipeline", "precisions",
               "mutagenesis", "profile_table"):
    del r[name]
  r["runs"]["float32"]["runs"].pop("no_xla")
  r["derived"]["float32"] = throughput.derive(r["runs"]["float32"], r["flops"])
  r["device"] = {"platform": "gpu", "kind": "H100", "count": 1,
                 "jax": "0.x", "matmul_precision": "None"}
  r["quick"], r["argv"] = False, " --backend=jax"
  text = markdown.render(r)
  assert "# Benchmarks: Keras on JAX" in text and "NumPy arrays" in text
  for absent in ("## Preprocessing", "make bench-gpu", "## Time per block",
                 "bfloat16 against", "tiny sizes", "training MFU"):
    assert absent not in text, absent
  rows = findings.summary_rows(r)
  assert rows[-1][0] == "training on the GPU, float32" and rows[-1][3] is False
  fast = copy.deepcopy(r)
  for calls in fast["runs"]["float32"]["runs"].values():
    calls["train_step"] = window(200_000)
  fast["derived"]["float32"] = throughput.derive(fast["runs"]["float32"],
                                              fast["flops"])
  assert findings.summary_rows(fast)[-1][3] is True
