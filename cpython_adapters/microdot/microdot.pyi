# `from microdot.microdot import ...`, as existing applications write it.
from microdot import (
    AsyncBytesIO as AsyncBytesIO,
    HTTPException as HTTPException,
    Microdot as Microdot,
    MultiDict as MultiDict,
    NoCaseDict as NoCaseDict,
    Request as Request,
    Response as Response,
    URLPattern as URLPattern,
    abort as abort,
    invoke_handler as invoke_handler,
    iscoroutine as iscoroutine,
    redirect as redirect,
    send_file as send_file,
    urldecode as urldecode,
    urlencode as urlencode,
)
