# MicroPython's unix port (standard variant): an interpreter for this machine.
MP_PORT = unix
MP_BOARD =
CHIP = host
FLASH_METHOD = none
# Relative to the MicroPython tree.
BASE_MANIFEST = ports/unix/variants/standard/manifest.py
SUBMODULES = lib/micropython-lib lib/berkeley-db-1.xx
TOOLCHAIN = gcc
IMAGE_EXT =
DEFAULT_PORT =
DEFAULT_BAUD =
