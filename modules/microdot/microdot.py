# The core names under their historical module, for
# `from microdot.microdot import ...` in existing applications.
from microdot import AsyncBytesIO, HTTPException, Microdot, MultiDict, \
    NoCaseDict, Request, Response, URLPattern, abort, invoke_handler, \
    iscoroutine, redirect, send_file, urldecode, urlencode  # noqa: F401
