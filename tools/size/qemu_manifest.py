# The qemu port without microdot: asyncio only (the port's own manifest
# freezes its test modules, which a board would not carry).
include("$(MPY_DIR)/extmod/asyncio")
