#!/usr/bin/env bash
# `python -m madlab_dream.bench --backend=jax` on a GPU machine without a
# package index: Python 3.12 with JAX's CUDA build and these packages, but
# neither TensorFlow nor Keras:
#   requires: numpy absl-py h5py ml-dtypes rich packaging
# On a machine with an index, `make gpu-wheels` downloads the rest (Keras
# and three small dependencies) into .whl/. Copy the repository with .whl/
# to the GPU machine and run
#
#   bash madlab_dream/tools/bench/gpu_run.sh [OUTPUT_DIR] [bench flags, e.g. --quick]
#   bash madlab_dream/tools/bench/gpu_run.sh check [OUTPUT_DIR]   # the GPU check
#
# The wheels go into a temporary directory (nothing is installed for the
# system or the user); the report and its raw figures, BENCHMARKS_GPU.md
# and .json, go to OUTPUT_DIR, else $BENCH_OUTPUT_DIR, else the repository
# root. MadLab's preset in float32 and mixed_bfloat16 takes a few minutes
# on one GPU. `check` runs `python -m madlab_dream.gpu_check` instead (its
# runs in OUTPUT_DIR/gpu_check_output, under 8 minutes on one H200).
set -euo pipefail
cd "$(dirname "$0")/../../.."
out="${BENCH_OUTPUT_DIR:-.}"
check=""
if [[ "${1:-}" == check ]]; then check=1; shift; fi
if [[ $# -gt 0 && "$1" != --* ]]; then out="$1"; shift; fi
if ! ls .whl/keras-*.whl >/dev/null 2>&1; then
  echo "gpu_run.sh: no .whl/keras-*.whl: run 'make gpu-wheels' on a machine" \
    "with a package index and copy .whl/ here" >&2
  exit 2
fi
mkdir -p "$out"
site="$(mktemp -d)"
trap 'rm -rf "$site"' EXIT
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
  --target "$site" .whl/*.whl
export PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}"
export KERAS_BACKEND=jax PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader \
  2>/dev/null || echo "gpu_run.sh: nvidia-smi found no GPU"
if [[ -n "$check" ]]; then
  python3 -m madlab_dream.gpu_check --output_dir="$out/gpu_check_output" \
    --report="$out/BENCHMARKS_GPU.md" "$@"
else
  python3 -m madlab_dream.bench --backend=jax \
    --output="$out/BENCHMARKS_GPU.md" "$@"
fi
