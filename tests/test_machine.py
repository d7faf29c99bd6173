"""The machine description (madlab_dream.machine)."""

from madlab_dream import machine


def test_cpu_description_and_matrix_flags():
  info = machine.cpu()
  assert info["model"]
  assert set(info["matrix_flags"]) <= set(machine.MATRIX_FLAGS)
  assert machine.has_bf16_matrix_units() == bool(
      {"amx_bf16", "avx512_bf16"} & set(info["matrix_flags"]))


def test_describe_and_one_line():
  info = machine.describe()
  for key in ("cpu", "cpu_matrix_flags", "cores", "memory_gib", "keras",
              "keras_backend", "python"):
    assert key in info
  line = machine.cpu_line(info)
  assert info["cpu"] in line and f"{info['cores']} cores" in line
  no_flags = machine.cpu_line({**info, "cpu_matrix_flags": []})
  assert "no matrix flags" in no_flags
