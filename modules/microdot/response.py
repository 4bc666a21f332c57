# The Response object: what a handler returns, made ready to be sent.
import json

from microdot.protocol import RequestError, response_head, \
    unsafe_header_value
from microdot.structures import NoCaseDict


try:  # CPython tells coroutines from generators
    import inspect  # pyright: ignore[reportMissingImports]
    iscoroutine = inspect.iscoroutine
except ImportError:  # MicroPython: a coroutine is a generator
    def iscoroutine(obj):
        return hasattr(obj, 'send') and hasattr(obj, 'throw')


# Writes to an asyncio writer, an async test stream or a plain file.
async def send_bytes(writer, data):
    if hasattr(writer, 'awrite'):
        await writer.awrite(data)
        return
    ret = writer.write(data)
    if iscoroutine(ret):
        await ret
    if hasattr(writer, 'drain'):
        await writer.drain()


class Response:
    default_content_type = 'text/plain'
    default_send_file_max_age = None
    send_file_buffer_size = 1024
    types_map = {
        'css': 'text/css',
        'gif': 'image/gif',
        'html': 'text/html',
        'ico': 'image/x-icon',
        'jpeg': 'image/jpeg',
        'jpg': 'image/jpeg',
        'js': 'application/javascript',
        'json': 'application/json',
        'png': 'image/png',
        'svg': 'image/svg+xml',
        'txt': 'text/plain',
        'wasm': 'application/wasm',
        'webp': 'image/webp',
    }
    already_handled = None  # set below: a Response that sends nothing
    is_head = False
    _full_content_type = ('', '')

    def __init__(self, body=b'', status_code=200, headers=None, reason=None):
        if body is None and status_code == 200:
            body = b''
            status_code = 204
        self.status_code = status_code
        self.headers = NoCaseDict(headers)
        self.reason = reason
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            self.headers.setdefault('Content-Type',
                                    'application/json; charset=UTF-8')
        elif isinstance(body, str):
            body = body.encode()
        elif body is None:
            body = b''
        self.body = body

    # Fills in the headers a complete response needs.
    def complete(self):
        headers = self.headers
        ctype = None
        if not headers or 'Content-Type' not in headers:
            ctype = self.default_content_type
            if 'charset=' not in ctype:
                cache = Response._full_content_type  # built once, not per request
                if cache[0] != ctype:
                    cache = Response._full_content_type = (
                        ctype, ctype + '; charset=UTF-8')
                ctype = cache[1]
        length = None
        if isinstance(self.body, bytes) and self.status_code not in (
                204, 304) and (not headers or 'Content-Length' not in headers):
            length = str(len(self.body))  # 204 and 304 have no body
        if not headers and ctype is not None and length is not None:
            # the usual case: both headers set in one go
            self.headers = NoCaseDict(
                {'Content-Length': length, 'Content-Type': ctype},
                {'content-length': 'Content-Length',
                 'content-type': 'Content-Type'})
            return
        if length is not None:
            headers['Content-Length'] = length
        if ctype is not None:
            headers['Content-Type'] = ctype

    # The headers as (name, value) strs, Set-Cookie lists expanded; a value
    # that could split the response (CR, LF, NUL) raises RequestError(400).
    def header_items(self):
        items = []
        for name, value in self.headers.items():
            if isinstance(value, list):
                for v in value:
                    items.append((name, str(v)))
            else:
                items.append((name, value if isinstance(value, str)
                              else str(value)))
        text = ''.join([name + value for name, value in items])
        if '\r' in text or '\n' in text or '\0' in text:
            raise RequestError(400, 'Invalid header value')
        return items

    def body_iter(self):
        from microdot.body import BodyIter
        return BodyIter(self.body, self.send_file_buffer_size)

    # Writes the whole response as HTTP/1.0, the body ending at close.
    async def write(self, stream):
        self.complete()
        reason = self.reason
        if reason is None:
            reason = 'OK' if self.status_code == 200 else 'N/A'
        await send_bytes(stream, response_head(
            '1.0', self.status_code, reason, self.header_items()))
        it = self.body_iter()
        try:
            if not self.is_head:
                async for chunk in it:
                    await send_bytes(stream, chunk)
        finally:
            await it.aclose()

    # Loaded on first use, like send_file().
    def set_cookie(self, cookie, value, *args, **kwargs):
        from microdot.cookies import cookie_header
        cookies = self.headers.get('Set-Cookie')
        if cookies is None:
            self.headers['Set-Cookie'] = cookies = []
        elif not isinstance(cookies, list):
            self.headers['Set-Cookie'] = cookies = [cookies]
        cookies.append(cookie_header(cookie, value, *args, **kwargs))

    def delete_cookie(self, cookie, **kwargs):
        kwargs['expires'] = 'Thu, 01 Jan 1970 00:00:01 GMT'
        kwargs['max_age'] = 0
        self.set_cookie(cookie, '', **kwargs)

    @classmethod
    def redirect(cls, location, status_code=302):
        if unsafe_header_value(location):
            raise RequestError(400, 'Invalid redirect location')
        return cls(status_code=status_code, headers={'Location': location})

    # Loaded on first use, so apps that serve no files don't pay for it.
    @classmethod
    def send_file(cls, filename, *args, **kwargs):
        from microdot.files import file_response
        return file_response(cls, filename, *args, **kwargs)


Response.already_handled = Response()
redirect = Response.redirect
send_file = Response.send_file
