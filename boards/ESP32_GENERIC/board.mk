# Generic ESP32 (Xtensa LX6): merged image at 0x1000, over a USB-serial bridge.
MP_PORT = esp32
MP_BOARD = ESP32_GENERIC
CHIP = esp32
FLASH_METHOD = esptool
FLASH_OFFSET = 0x1000
# Relative to the MicroPython tree.
BASE_MANIFEST = ports/esp32/boards/manifest.py
SUBMODULES = lib/berkeley-db-1.xx lib/micropython-lib
TOOLCHAIN = idf.py
IMAGE_EXT = bin
DEFAULT_PORT = /dev/ttyUSB0
DEFAULT_BAUD = 460800
