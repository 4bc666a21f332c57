# Raspberry Pi Pico (RP2040): the .uf2 goes onto the RPI-RP2 drive (BOOTSEL).
MP_PORT = rp2
MP_BOARD = RPI_PICO
CHIP = rp2040
FLASH_METHOD = uf2
UF2_DRIVE = RPI-RP2
# Relative to the MicroPython tree.
BASE_MANIFEST = ports/rp2/boards/manifest.py
SUBMODULES = lib/pico-sdk lib/tinyusb lib/mbedtls lib/micropython-lib
TOOLCHAIN = arm-none-eabi-gcc
IMAGE_EXT = uf2
DEFAULT_PORT = /dev/ttyACM0
DEFAULT_BAUD = 115200
