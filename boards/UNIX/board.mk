# MicroPython's unix port (standard variant): an interpreter for this machine.
MP_PORT = unix
MP_BOARD =
CHIP = host
FLASH_METHOD = none
# Relative to the MicroPython tree.
BASE_MANIFEST = ports/unix/variants/standard/manifest.py
# What the port's own `make submodules` fetches (ssl needs mbedtls), plus the frozen asyncio.
SUBMODULES = lib/mbedtls lib/berkeley-db-1.xx lib/micropython-lib
TOOLCHAIN = gcc
IMAGE_EXT =
DEFAULT_PORT =
DEFAULT_BAUD =
