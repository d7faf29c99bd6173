"""What machine a figure was measured on: CPU model and matrix extensions,
cores, memory, accelerators, library versions.

Speeds differ between machines of the same size (an AMD EPYC without bf16
matrix units and an Intel Xeon with AMX-BF16 train the same model at very
different rates), so every report and benchmark names the CPU and its
matrix flags beside its figures.
"""

from __future__ import annotations

import os
import platform

#: /proc/cpuinfo flags that decide matrix throughput (bf16 and int8 units).
MATRIX_FLAGS = ("avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni",
                "amx_tile", "amx_bf16", "amx_int8", "amx_fp16")


def cpu() -> dict:
  """{"model", "matrix_flags"} from /proc/cpuinfo (best effort)."""
  model = platform.processor() or platform.machine()
  flags: set[str] = set()
  try:
    with open("/proc/cpuinfo") as f:
      for line in f:
        if line.startswith("model name"):
          model = line.split(":", 1)[1].strip()
        elif line.startswith("flags") and not flags:
          flags = set(line.split(":", 1)[1].split())
  except OSError:
    pass
  return {"model": model,
          "matrix_flags": [f for f in MATRIX_FLAGS if f in flags]}


def has_bf16_matrix_units() -> bool:
  """True on CPUs with AMX-BF16 or AVX512-BF16 instructions."""
  found = set(cpu()["matrix_flags"])
  return bool(found & {"amx_bf16", "avx512_bf16"})


def describe(with_tensorflow: bool = True) -> dict:
  """The machine and library versions, for reports and benchmarks."""
  info = cpu()
  memory_gib = None
  try:
    memory_gib = round(os.sysconf("SC_PAGE_SIZE") *
                       os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
  except (ValueError, OSError):
    pass
  out = {"cpu": info["model"], "cpu_matrix_flags": info["matrix_flags"],
         "cores": os.cpu_count(), "memory_gib": memory_gib, "gpus": [],
         "python": platform.python_version()}
  # The frameworks this process runs on, imported (or found) only here.
  import keras
  out["keras"] = keras.__version__
  out["keras_backend"] = keras.backend.backend()
  if with_tensorflow and keras.backend.backend() == "tensorflow":
    # TensorFlow imported when used: importing it starts its runtime (seconds).
    import tensorflow as tf
    out["tensorflow"] = tf.__version__
    for gpu in tf.config.list_physical_devices("GPU"):
      details = tf.config.experimental.get_device_details(gpu)
      out["gpus"].append(details.get("device_name", gpu.name))
  elif keras.backend.backend() == "jax":
    # JAX imported when used: optional, and importing it starts its runtime.
    import jax
    out["jax"] = jax.__version__
    out["gpus"] = [d.device_kind for d in jax.devices() if d.platform == "gpu"]
  return out


def cpu_line(info: dict) -> str:
  """'AMD EPYC (avx512f, avx512_bf16), 2 cores' from `describe()`."""
  flags = ", ".join(info.get("cpu_matrix_flags") or []) or "no matrix flags"
  return f"{info['cpu']} ({flags}), {info['cores']} cores"
