# microdot: a tiny web framework for MicroPython and CPython.
from microdot.protocol import HTTPException
from microdot.structures import MultiDict, NoCaseDict, urldecode, urlencode
from microdot.streams import AsyncBytesIO
from microdot.routing import URLPattern
from microdot.request import Request
from microdot.response import Response, iscoroutine, redirect, send_file
from microdot.app import Microdot, abort

__version__ = '0.1.0'
