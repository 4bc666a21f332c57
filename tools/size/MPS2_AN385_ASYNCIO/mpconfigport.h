// The qemu port's configuration, with asyncio on (the port turns it off).
#include_next <mpconfigport.h>

#undef MICROPY_PY_ASYNCIO
#define MICROPY_PY_ASYNCIO (1)
