# Generic ESP32-S3 (Xtensa LX7, native USB): merged image at 0x0.
MP_PORT = esp32
MP_BOARD = ESP32_GENERIC_S3
CHIP = esp32s3
FLASH_METHOD = esptool
FLASH_OFFSET = 0x0
# Relative to the MicroPython tree.
BASE_MANIFEST = ports/esp32/boards/manifest.py
SUBMODULES = lib/berkeley-db-1.xx lib/micropython-lib
TOOLCHAIN = idf.py
IMAGE_EXT = bin
DEFAULT_PORT = /dev/ttyACM0
DEFAULT_BAUD = 460800
