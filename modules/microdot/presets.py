# Server settings sized to each supported board: the TCP sockets its network
# stack can hold and the heap it has once Wi-Fi is up. A board's firmware
# freezes a microdot_preset module naming its board, and `import microdot`
# applies that preset; on stock firmware, microdot.apply_preset('RPI_PICO_W')
# does the same. Settings the app assigns afterwards win. Data only: this
# module imports nothing.

# The settings, in the order of each board's tuple below.
NAMES = ('max_connections', 'max_tls_connections', 'keepalive_timeout',
         'request_head_timeout', 'max_content_length', 'max_body_length',
         'send_file_buffer_size', 'heap_reserve')

# RP2040/RP2350 with a CYW43 radio: lwIP holds 5 TCP connections
# (MEMP_NUM_TCP_PCB) and TLS contexts (tens of KB) come from the Python heap.
# ESP32 family: lwIP holds 10 sockets (CONFIG_LWIP_MAX_SOCKETS) beside the
# listener and DNS; TLS contexts come from the ESP-IDF heap, short of
# internal RAM. The unix port gets the package's own defaults. A tuple of
# constants stays in flash when frozen, where a dict would take RAM.
BOARDS = (
    ('RPI_PICO', 4, 1, 5, 5, 16384, 4096, 512, 4096),
    ('RPI_PICO_W', 4, 1, 5, 5, 16384, 4096, 512, 4096),
    ('RPI_PICO2_W', 4, 2, 5, 5, 32768, 8192, 1024, 4096),
    ('ESP32_GENERIC', 7, 2, 5, 5, 16384, 4096, 1024, 4096),
    ('ESP32_GENERIC_S3', 7, 2, 5, 5, 32768, 8192, 1024, 4096),
    ('ESP32_GENERIC_C3', 7, 2, 5, 5, 16384, 4096, 1024, 4096),
    ('UNIX', 32, 4, 10, 10, 16384, 16384, 1024, 2048),
)


# The preset of a board, as a dict of setting -> value.
def preset(board):
    for row in BOARDS:
        if row[0] == board:
            return dict(zip(NAMES, row[1:]))
    raise ValueError('no preset for ' + board)
