# MicroPython's qemu board MPS2_AN385 (Cortex-M3) with asyncio turned on, to
# measure a 32-bit build without hardware. Used as BOARD_DIR from outside the
# MicroPython tree; the qemu port's own Makefile does the rest.
include $(TOP)/ports/qemu/boards/MPS2_AN385/mpconfigboard.mk

# found before the port's folder, so that this folder's mpconfigport.h wins
INC += -I$(abspath $(BOARD_DIR))
