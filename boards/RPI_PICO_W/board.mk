# Raspberry Pi Pico W (RP2040 + CYW43 Wi-Fi/Bluetooth): .uf2 onto the RPI-RP2 drive.
MP_PORT = rp2
MP_BOARD = RPI_PICO_W
CHIP = rp2040
FLASH_METHOD = uf2
UF2_DRIVE = RPI-RP2
# Relative to the MicroPython tree: the board's own manifest adds networking.
BASE_MANIFEST = ports/rp2/boards/RPI_PICO_W/manifest.py
SUBMODULES = lib/pico-sdk lib/tinyusb lib/mbedtls lib/micropython-lib lib/lwip lib/cyw43-driver lib/btstack
TOOLCHAIN = arm-none-eabi-gcc
IMAGE_EXT = uf2
DEFAULT_PORT = /dev/ttyACM0
DEFAULT_BAUD = 115200
