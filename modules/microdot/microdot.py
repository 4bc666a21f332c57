# The core names under their historical module, for
# `from microdot.microdot import ...` in existing applications.
from microdot.protocol import HTTPException  # noqa: F401
from microdot.structures import MultiDict, NoCaseDict, urldecode, urlencode
from microdot.streams import AsyncBytesIO  # noqa: F401
from microdot.routing import URLPattern  # noqa: F401
from microdot.request import Request  # noqa: F401
from microdot.response import Response, iscoroutine, redirect, \
    send_file  # noqa: F401
from microdot.app import Microdot, abort, invoke_handler  # noqa: F401
