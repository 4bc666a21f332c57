"""The hostile-input application on the ASGI and WSGI adapters (CPython):
the same routes as the built-in server run, with limits from environment
variables. Servers import ``asgi_app`` or ``wsgi_app`` from here."""
import os

from microdot import Request, asgi, wsgi
from microdot.multipart import FileUpload
from microdot.websocket import WebSocket

import hostile_routes

for _env, _cls, _attr in (('MAX_CONTENT_LENGTH', Request, 'max_content_length'),
                          ('MAX_BODY_LENGTH', Request, 'max_body_length'),
                          ('WS_MAX_MESSAGE_LENGTH', WebSocket, 'max_message_length'),
                          ('MAX_MEMORY_SIZE', FileUpload, 'max_memory_size')):
    if os.environ.get(_env):
        setattr(_cls, _attr, int(os.environ[_env]))

FILES_ROOT = os.environ.get('FILES_ROOT') or '.'
asgi_app = hostile_routes.build(asgi.Microdot(), FILES_ROOT)
wsgi_app = hostile_routes.build(wsgi.Microdot(), FILES_ROOT)
