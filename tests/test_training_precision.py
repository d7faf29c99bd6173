"""--mixed_precision=auto (training/precision.py): float32 without bfloat16
matrix units, the probes and the decision with them, the record."""

import json
import types

import numpy as np
import pytest

from madlab_dream import config as cfg
from madlab_dream import machine
from madlab_dream.config import TINY_MODEL
from madlab_dream.training import precision

TINY = cfg.ModelConfig(**TINY_MODEL, seq_len=20, seed=0)
AUTO = cfg.TrainConfig(mixed_precision="auto", batch_size=32)


def tiny_cache(n=256, val=64, seed=0):
  """A cache-like object: codes with a learnable target."""
  rng = np.random.default_rng(seed)
  codes = rng.integers(0, 4, (n + val, 20)).astype(np.uint8)
  y = (codes == 2).sum(1).astype(np.float32)
  y = (y - y.mean()) / y.std()
  return types.SimpleNamespace(train_codes=codes[:n], train_targets=y[:n],
                               val_codes=codes[n:], val_targets=y[n:])


def cpu_with(monkeypatch, flags):
  """/proc/cpuinfo's matrix flags replaced by `flags`."""
  monkeypatch.setattr(machine, "cpu", lambda: {"model": "Test CPU",
                                               "matrix_flags": list(flags)})


def no_probes(*args, **kwargs):
  raise AssertionError("auto measured where it should not have")


def test_auto_picks_float32_on_a_cpu_without_bf16_units(monkeypatch):
  cpu_with(monkeypatch, ["avx2", "fma", "avx512f", "avx512_vnni"])
  monkeypatch.setattr(precision, "speed_probe", no_probes)
  monkeypatch.setattr(precision, "accuracy_probe", no_probes)
  assert not machine.has_bf16_matrix_units()
  out = precision.resolve(AUTO, TINY, tiny_cache(), has_gpu=lambda: False)
  assert out["mixed_precision"] == "none" and out["policy"] == "float32"
  assert out["requested"] == "auto" and out["bf16_matrix_units"] is False
  assert "no bfloat16 matrix units" in out["reason"]
  assert "speed" not in out and "accuracy" not in out


@pytest.mark.parametrize("flag", ["avx512_bf16", "amx_bf16"])
def test_bf16_units_are_read_from_the_cpu_flags(monkeypatch, flag):
  cpu_with(monkeypatch, ["avx2", flag])
  assert machine.has_bf16_matrix_units()


def test_explicit_values_are_kept_without_measuring(monkeypatch):
  monkeypatch.setattr(precision, "speed_probe", no_probes)
  for value in ("none", "mixed_bfloat16", "mixed_float16"):
    out = precision.resolve(AUTO.replace(mixed_precision=value), TINY)
    assert out["mixed_precision"] == value
    assert out["policy"] == precision.keras_policy(value)
  assert precision.keras_policy("none") == "float32"
  with pytest.raises(ValueError):
    precision.keras_policy("auto")


def speed(speedup):
  return {"speedup": speedup}


def accuracy(r32, r16):
  return {"pearson": {"float32": r32, "mixed_bfloat16": r16},
          "steps": 100, "within": r16 - r32 >= -cfg.AUTO_BF16_MAX_R_DROP}


@pytest.mark.parametrize("kwargs, want, why", [
    (dict(strategy="mirrored", units=True, gpu=True), "none", "strategy"),
    (dict(units=False, gpu=False), "none", "no bfloat16 matrix units"),
    (dict(units=True, gpu=False), None, None),
    (dict(units=True, gpu=False, speed=speed(1.05)), "none", "< 1.10x"),
    (dict(units=True, gpu=False, speed=speed(1.5)), None, None),
    (dict(units=True, gpu=False, speed=speed(1.5), has_validation=False),
     "none", "no validation rows"),
    (dict(units=True, gpu=False, speed=speed(1.5),
          accuracy=accuracy(0.60, 0.59)), "none", "more than 0.005 below"),
    (dict(units=True, gpu=False, speed=speed(1.5),
          accuracy=accuracy(0.60, 0.597)), "mixed_bfloat16", "within 0.005"),
    (dict(units=False, gpu=True, speed=speed(2.0),
          accuracy=accuracy(0.60, 0.61)), "mixed_bfloat16", "within"),
])
def test_the_decision(kwargs, want, why):
  found = precision.verdict(**{"strategy": "default", **kwargs})
  if want is None:
    assert found is None  # a probe must run first
  else:
    assert found[0] == want and why in found[1]


def test_auto_with_bf16_units_measures_and_records(monkeypatch, tmp_path):
  """With the flags mocked to a bfloat16 CPU, auto runs the speed probe on
  the run's rows (and the accuracy probe only if bfloat16 was faster);
  the record is reused by a resumed run."""
  cpu_with(monkeypatch, ["avx512f", "avx512_bf16"])
  cache = tiny_cache()
  calls = []
  real_speed, real_accuracy = precision.speed_probe, precision.accuracy_probe

  def counted_speed(*args, **kwargs):
    calls.append("speed")
    return real_speed(*args, **{**kwargs, "windows": 2, "steps": 1,
                                "warmup": 1})

  def small_accuracy(*args, **kwargs):
    calls.append("accuracy")
    return real_accuracy(*args, **{**kwargs, "steps": 3, "val_rows": 64})

  monkeypatch.setattr(precision, "speed_probe", counted_speed)
  monkeypatch.setattr(precision, "accuracy_probe", small_accuracy)
  out = precision.resolve_for_run(str(tmp_path), False, train_config=AUTO,
                                  model_config=TINY, cache=cache, jit=False,
                                  has_gpu=lambda: False)
  assert calls[0] == "speed"
  s = out["speed"]
  assert set(s["seconds_per_step"]) == {"float32", "mixed_bfloat16"}
  assert s["speedup"] == pytest.approx(s["seconds_per_step"]["float32"]
                                       / s["seconds_per_step"][
                                           "mixed_bfloat16"])
  faster = s["speedup"] >= cfg.AUTO_BF16_MIN_SPEEDUP
  assert ("accuracy" in calls) == faster == ("accuracy" in out)
  assert out["mixed_precision"] in ("none", "mixed_bfloat16")
  if out["mixed_precision"] == "mixed_bfloat16":
    assert out["accuracy"]["within"]
  record = json.loads((tmp_path / precision.RECORD_FILE).read_text())
  assert record["mixed_precision"] == out["mixed_precision"]
  calls.clear()
  again = precision.resolve_for_run(str(tmp_path), True, train_config=AUTO,
                                    model_config=TINY, cache=cache, jit=False)
  assert again["reused"] and not calls
  assert again["mixed_precision"] == out["mixed_precision"]


def test_accuracy_probe_trains_both_precisions_from_the_same_weights():
  cache = tiny_cache(n=512, val=128)
  out = precision.accuracy_probe(TINY, AUTO, cache.train_codes,
                                 cache.train_targets, cache.val_codes,
                                 cache.val_targets, jit=False, steps=20,
                                 batch=32, learning_rate=1e-2, val_rows=128)
  r = out["pearson"]
  assert out["steps"] == 20 and out["batch"] == 32 and out["val_rows"] == 128
  assert out["learning_rate"] == 1e-2 != AUTO.learning_rate
  assert r["float32"] > 0.3 and r["mixed_bfloat16"] > 0.3  # both learned
  assert out["difference"] == pytest.approx(r["mixed_bfloat16"]
                                            - r["float32"])
  assert out["within"] == (out["difference"] >= -cfg.AUTO_BF16_MAX_R_DROP)


@pytest.mark.parametrize("sequences, steps", [
    (None, cfg.AUTO_BF16_PROBE_STEPS), (10 * cfg.AUTO_BF16_PROBE_BATCH, 10),
    (5, 1), (10**9, cfg.AUTO_BF16_PROBE_STEPS)])
def test_the_accuracy_probe_never_trains_longer_than_the_run(
    monkeypatch, sequences, steps):
  asked = {}

  def fast_speed(*args, **kwargs):
    return {"speedup": 2.0}

  def recorded_accuracy(*args, **kwargs):
    asked.update(kwargs)
    return {"within": True, "steps": kwargs["steps"],
            "pearson": {"float32": 0.5, precision.BF16: 0.5}}

  monkeypatch.setattr(precision, "speed_probe", fast_speed)
  monkeypatch.setattr(precision, "accuracy_probe", recorded_accuracy)
  out = precision.resolve(AUTO, TINY, cache=tiny_cache(), jit=False,
                          probe_sequences=sequences,
                          has_bf16_units=lambda: True, has_gpu=lambda: False)
  assert asked["steps"] == steps
  assert out["mixed_precision"] == precision.BF16
