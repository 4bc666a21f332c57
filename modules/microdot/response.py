# The Response object: what a handler returns, made ready to be sent.
import json

from microdot.protocol import RequestError, response_head, \
    unsafe_header_value
from microdot.structures import NoCaseDict


try:  # CPython tells coroutines from generators
    from inspect import iscoroutine
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


# Async iteration over any body a Response may hold, chunk by chunk.
class BodyIter:
    def __init__(self, body, buffer_size):
        self.body = body
        self.buffer_size = buffer_size
        self.it = None
        if isinstance(body, bytes):
            self.kind = 0
        elif hasattr(body, 'read'):
            self.kind = 1
        elif hasattr(body, '__aiter__'):
            self.kind = 2
            self.it = body.__aiter__()
        else:
            self.kind = 3
            self.it = iter(body)

    def __aiter__(self):
        return self

    async def __anext__(self):
        while True:
            kind = self.kind
            end = False
            if kind == 0:
                data = self.body
                self.body = b''
                end = not data
            elif kind == 1:
                data = self.body.read(self.buffer_size)
                if iscoroutine(data):
                    data = await data
                end = not data
            elif kind == 2:
                try:
                    data = await self.it.__anext__()
                except StopAsyncIteration:
                    end = True
            else:
                try:
                    data = next(self.it)
                except StopIteration:
                    end = True
            if end:
                await self.aclose()
                raise StopAsyncIteration
            if isinstance(data, str):
                data = data.encode()
            if data:  # empty chunks from generators are skipped
                return data

    # Closes the body's source (file, generator) once.
    async def aclose(self):
        body, self.body = self.body, b''
        for obj in (self.it, body):
            closer = getattr(obj, 'aclose', None)
            if closer is None:
                closer = getattr(obj, 'close', None)
            if closer is not None:
                ret = closer()
                if iscoroutine(ret):
                    await ret
        self.it = None


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

    def __init__(self, body=b'', status_code=200, headers=None, reason=None):
        if body is None and status_code == 200:
            body = b''
            status_code = 204
        self.status_code = status_code
        self.headers = NoCaseDict(headers)
        self.reason = reason
        self.is_head = False
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
        if isinstance(self.body, bytes) and 'Content-Length' not in headers:
            headers['Content-Length'] = str(len(self.body))
        if 'Content-Type' not in headers:
            ctype = self.default_content_type
            if 'charset=' not in ctype:
                ctype += '; charset=UTF-8'
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

    def set_cookie(self, cookie, value, path=None, domain=None, expires=None,
                   max_age=None, secure=False, http_only=False,
                   partitioned=False):
        value = str(value)
        for text in (cookie, value, path or '', domain or ''):
            if ';' in text or unsafe_header_value(text):
                raise RequestError(400, 'Invalid cookie')
        parts = [cookie + '=' + value]
        if path:
            parts.append('Path=' + path)
        if domain:
            parts.append('Domain=' + domain)
        if expires:
            if hasattr(expires, 'strftime'):
                expires = expires.strftime('%a, %d %b %Y %H:%M:%S GMT')
            parts.append('Expires=' + expires)
        if max_age is not None:
            parts.append('Max-Age=' + str(max_age))
        if secure:
            parts.append('Secure')
        if http_only:
            parts.append('HttpOnly')
        if partitioned:
            parts.append('Partitioned')
        cookies = self.headers.get('Set-Cookie')
        if cookies is None:
            self.headers['Set-Cookie'] = cookies = []
        elif not isinstance(cookies, list):
            self.headers['Set-Cookie'] = cookies = [cookies]
        cookies.append('; '.join(parts))

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
