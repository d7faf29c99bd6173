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

DEMO_DIR ?= demo_output
DATA ?= data/train_sequences.txt
RUN_DIR ?= runs/madlab

.PHONY: install test test-fast demo reproduce bench clean

install: $(STAMP)

$(STAMP): setup.cfg setup.py
	@if [ -z "$$VIRTUAL_ENV" ] && [ ! -x $(VENV)/bin/python ]; then \
	  echo "creating virtual environment $(VENV)"; $(PYTHON) -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

test: install
	$(PY) -m pytest -q tests

test-fast: install
	$(PY) -m pytest -q -m "not slow" tests

demo: install
	$(PY) -m madlab_dream.demo --output_dir=$(DEMO_DIR)

reproduce: install
	$(PY) -m madlab_dream.train --flagfile=experiments/madlab_schedule.flags \
	  --train_data=$(DATA) --model_dir=$(RUN_DIR)

bench: install
	$(PY) -m madlab_dream.bench --output=BENCHMARKS.md

clean:
	rm -rf $(DEMO_DIR) bench_output build dist *.egg-info .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
