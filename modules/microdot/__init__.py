from microdot.structures import MultiDict, NoCaseDict, urlencode, urldecode, AsyncBytesIO
from microdot.protocol import HTTPException, RequestError
from microdot.request import Request
from microdot.response import Response, iscoroutine, redirect, send_file
from microdot.app import Microdot, abort
