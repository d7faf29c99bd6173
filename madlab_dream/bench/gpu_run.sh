#!/usr/bin/env bash
# The JAX/XLA benchmark on a lent GPU machine, in one prepared command.
#
# Those machines have Python 3.12 with JAX (CUDA), NumPy, absl-py, h5py,
# ml-dtypes, rich and pandas, but neither TensorFlow nor Keras, and reach no
# package registry. `make gpu-wheels` (here) puts the missing wheels in
# .whl/; the device tool carries them:
#
#   run(command="bash madlab_dream/bench/gpu_run.sh", carry=[".whl"],
#       timeout_s=540)
#
# This installs them under /tmp/site and runs
# `python3 -m madlab_dream.bench --backend=jax` (MadLab's preset, float32 and
# mixed_bfloat16, batch 1,024 / 4,096; about 4 minutes on one GPU), writing
# BENCHMARKS_GPU.md and .json to $OUT (the tool's output folder) or, without
# it, to the repository root. Extra arguments go to the benchmark
# (e.g. --quick).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! ls .whl/keras-*.whl >/dev/null 2>&1; then
  echo "gpu_run.sh: no .whl/keras-*.whl: run 'make gpu-wheels' and carry .whl" >&2
  exit 2
fi
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
  --upgrade --target /tmp/site .whl/*.whl
export PYTHONPATH="/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
export KERAS_BACKEND=jax PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null \
  || echo "gpu_run.sh: nvidia-smi found no GPU"
out="${OUT:-.}"
python3 -m madlab_dream.bench --backend=jax --output="$out/BENCHMARKS_GPU.md" "$@"
