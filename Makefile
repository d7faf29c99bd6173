# madlab-dream. `make demo` runs the whole product on a laptop; `make test`
# runs the test suite. Both install first (into .venv unless a virtual
# environment is already active).

PYTHON ?= python3
VENV ?= .venv
ifdef VIRTUAL_ENV
  PY := $(VIRTUAL_ENV)/bin/python
  STAMP := $(VIRTUAL_ENV)/.madlab_dream_installed
else
  PY := $(VENV)/bin/python
  STAMP := $(VENV)/.madlab_dream_installed
endif

# The Python of the active or project environment, else the system's (for
# targets that must not install, e.g. on a machine with JAX's CUDA build).
HOST_PY := $(if $(wildcard $(PY)),$(PY),$(PYTHON))

# What a GPU machine with Python 3.12 (x86-64) and JAX's CUDA build but no
# Keras needs for `python -m madlab_dream.bench --backend=jax` and the GPU
# check: Keras and three small dependencies (typing_extensions for optree).
# `make gpu-wheels` downloads them into .whl/; without a package index
# there, copy the repository with .whl/ and run
# `bash madlab_dream/tools/bench/gpu_run.sh` or the GPU check.
GPU_WHEELS ?= keras==3.15.1 namex==0.1.0 optree==0.20.0 typing_extensions==4.16.0
WHEEL_PLATFORMS := $(foreach p,manylinux_2_28_x86_64 manylinux_2_27_x86_64 \
  manylinux_2_17_x86_64 manylinux2014_x86_64 manylinux1_x86_64,--platform $(p))

DEMO_DIR ?= demo_output
DATA ?= data/train_sequences.txt
RUN_DIR ?= runs/madlab

.PHONY: install lint test test-fast test-long demo explain-demo design-demo reproduce reproduce-as-run bench bench-gpu gpu-check gpu-wheels clean

install: $(STAMP)

$(STAMP): setup.cfg setup.py
	@if [ -z "$$VIRTUAL_ENV" ] && [ ! -x $(VENV)/bin/python ]; then \
	  echo "creating virtual environment $(VENV)"; $(PYTHON) -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,explain]'
	@touch $(STAMP)

# Test files are spread over $(TEST_JOBS) processes (pytest-xdist), each file
# whole on one (its module fixtures built once); TEST_JOBS=0 runs serially.
TEST_JOBS ?= 2
PYTEST := $(PY) -m pytest -q $(if $(filter-out 0,$(TEST_JOBS)),-n $(TEST_JOBS) --dist loadfile)

# Lint (settings in pyproject.toml), then the tests.
lint: install
	$(PY) -m ruff check .

# make test: the suite CI runs; make test-long: the end-to-end runs of a
# minute or more it leaves out (demo, motif discovery, the bench's smoke
# runs, multi-worker training, own-data training, ...).
test: lint
	$(PYTEST) -m "not long" --durations=20 tests

test-fast: install
	$(PYTEST) -m "not slow and not long" tests

test-long: install
	$(PYTEST) -m long tests

demo: install
	$(PY) -m madlab_dream.demo --output_dir=$(DEMO_DIR)

# The explanations proved on the simulator's grammar, on the model `make
# demo` trained (run it first): report in $(DEMO_DIR)/explain/report.md.
explain-demo: install
	$(PY) -m madlab_dream.explain_demo --demo_dir=$(DEMO_DIR)

# Designs checked against the simulator's truth, on a finished demo (trains
# the ensemble's two other members with the demo's recipe when missing).
design-demo: install
	$(PY) -m madlab_dream.design_demo --demo_dir=$(DEMO_DIR)

# The model as MadLab's report describes it, on their schedule.
reproduce: install
	$(PY) -m madlab_dream.train --flagfile=experiments/madlab_schedule.flags \
	  --train_data=$(DATA) --model_dir=$(RUN_DIR)

# The model MadLab's code actually trained (transformer frozen), as they ran it.
reproduce-as-run: install
	$(PY) -m madlab_dream.train --flagfile=experiments/madlab_as_run.flags \
	  --train_data=$(DATA) --model_dir=$(RUN_DIR)_as_run

bench: install
	$(PY) -m madlab_dream.bench --output=BENCHMARKS.md

# The model on whatever accelerator JAX sees (Keras on JAX, XLA; no
# TensorFlow needed). Installs nothing: run it where JAX's CUDA build and
# Keras are installed (without a package index: gpu_run.sh, above).
bench-gpu:
	KERAS_BACKEND=jax $(HOST_PY) -m madlab_dream.bench --backend=jax \
	  --output=BENCHMARKS_JAX.md

# MadLab's recipe through the package's own commands on the GPU JAX sees
# (no TensorFlow needed): simulate 2,000,000 rows, train base.flags in
# mixed_bfloat16 for about 4 minutes, predict, score, and the bare compiled
# step beside it (and on PyTorch where installed). Installs nothing; writes
# BENCHMARKS_GPU.md and .json.
gpu-check:
	KERAS_BACKEND=jax $(HOST_PY) -m madlab_dream.gpu_check \
	  --output_dir=gpu_check_output --report=BENCHMARKS_GPU.md

# The wheels gpu_run.sh installs (Python 3.12, manylinux x86-64).
gpu-wheels:
	mkdir -p .whl
	rm -f $(foreach w,$(GPU_WHEELS),.whl/$(firstword $(subst ==, ,$(w)))-*.whl)
	$(HOST_PY) -m pip download --no-deps --only-binary=:all: \
	  --python-version 3.12 --implementation cp $(WHEEL_PLATFORMS) \
	  -d .whl $(GPU_WHEELS)

clean:
	rm -rf $(DEMO_DIR) bench_output build dist *.egg-info .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
