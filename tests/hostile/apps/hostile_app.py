# The built-in server application of the hostile-input tests and the soak
# run, on CPython and on MicroPython alike. Limits come from environment
# variables so each run can use short timeouts.
#
# Usage: PORT=8123 FILES_ROOT=/some/dir python hostile_app.py
import os
import sys

# run as a program: hostile_routes.py is beside this file (HOSTILE_APPS)
sys.path.append(os.getenv('HOSTILE_APPS') or '.')

from microdot import Microdot, Request  # noqa: E402
from microdot.multipart import FileUpload, FormDataIter  # noqa: E402
from microdot.websocket import WebSocket  # noqa: E402

import hostile_routes  # noqa: E402

# The core's modules that load on first use (an error answer, a body, a
# chunked body, a file, a cookie, a Vary name) are loaded now: the memory
# checks after each case then see leaks, not a module's first use.
import microdot.bodies  # noqa: E402,F401
import microdot.chunked  # noqa: E402,F401
import microdot.cookies  # noqa: E402,F401
import microdot.errors  # noqa: E402,F401
import microdot.files  # noqa: E402,F401
import microdot.vary  # noqa: E402,F401

# environment variable -> (class, attribute, converter)
SETTINGS = {
    'MAX_CONNECTIONS': (Microdot, 'max_connections', int),
    'KEEPALIVE_TIMEOUT': (Microdot, 'keepalive_timeout', float),
    'REQUEST_HEAD_TIMEOUT': (Microdot, 'request_head_timeout', float),
    'BODY_TIMEOUT': (Microdot, 'body_timeout', float),
    'WRITE_TIMEOUT': (Microdot, 'write_timeout', float),
    'LISTEN_BACKLOG': (Microdot, 'listen_backlog', int),
    'MAX_CONTENT_LENGTH': (Request, 'max_content_length', int),
    'MAX_BODY_LENGTH': (Request, 'max_body_length', int),
    'MAX_READLINE': (Request, 'max_readline', int),
    'MAX_HEADER_COUNT': (Request, 'max_header_count', int),
    'MAX_HEADER_BYTES': (Request, 'max_header_bytes', int),
    'WS_MAX_MESSAGE_LENGTH': (WebSocket, 'max_message_length', int),
    'MAX_MEMORY_SIZE': (FileUpload, 'max_memory_size', int),
    'FORM_BUFFER_SIZE': (FormDataIter, 'buffer_size', int),
}

for _name in SETTINGS:
    _value = os.getenv(_name)
    if _value:
        _cls, _attr, _conv = SETTINGS[_name]
        setattr(_cls, _attr, _conv(_value))

app = hostile_routes.build(Microdot(), os.getenv('FILES_ROOT') or '.')
app.run(host='127.0.0.1', port=int(os.getenv('PORT') or '5000'))
