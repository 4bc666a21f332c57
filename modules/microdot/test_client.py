# A client that runs requests through an application in memory, for tests.
import json

from microdot.protocol import RequestError
from microdot.request import Request
from microdot.response import Response
from microdot.streams import AsyncBytesIO
from microdot.structures import NoCaseDict


class TestResponse:
    __test__ = False  # not a test class, whatever pytest thinks

    def __init__(self, status_code=200, reason=None, headers=None, body=b''):
        self.status_code = status_code
        self.reason = reason or ('OK' if status_code == 200 else 'N/A')
        self.headers = headers if headers is not None else NoCaseDict()
        self.body = body

    @classmethod
    async def create(cls, res):
        chunks = []
        it = res.body_iter()
        try:
            if not res.is_head:
                async for chunk in it:
                    chunks.append(chunk)
        finally:
            await it.aclose()
        return cls(res.status_code, res.reason, res.headers, b''.join(chunks))

    @property
    def text(self):
        try:
            return self.body.decode()
        except ValueError:
            return None

    @property
    def json(self):
        ctype = self.headers.get('Content-Type', '')
        if not ctype.split(';')[0].strip().endswith('json'):
            return None
        return json.loads(self.body.decode())


class TestClient:
    __test__ = False

    def __init__(self, app, cookies=None, scheme=None, host=None):
        self.app = app
        self.cookies = dict(cookies or {})
        self.scheme = scheme
        self.host = host or 'example.com'

    # Builds the raw bytes of a request, the way a client would send them.
    def _request_bytes(self, method, path, headers, body):
        headers = NoCaseDict(headers)
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers.setdefault('Content-Type', 'application/json')
        elif isinstance(body, str):
            body = body.encode()
        elif body is None:
            body = b''
        if body or method in ('POST', 'PUT', 'PATCH'):
            headers.setdefault('Content-Length', str(len(body)))
        headers.setdefault('Host', self.host)
        if self.cookies:
            cookies = '; '.join(k + '=' + str(v)
                                for k, v in self.cookies.items())
            old = headers.get('Cookie')
            headers['Cookie'] = old + '; ' + cookies if old else cookies
        lines = [method + ' ' + _quote_target(path) + ' HTTP/1.1']
        for name, value in headers.items():
            lines.append(name + ': ' + str(value))
        return ('\r\n'.join(lines) + '\r\n\r\n').encode() + body

    async def request(self, method, path, headers=None, body=None, sock=None):
        raw = self._request_bytes(method.upper(), path, headers, body)
        reader, writer = sock if sock else (AsyncBytesIO(raw), AsyncBytesIO(b''))
        try:
            req = await Request.create(self.app, reader, writer,
                                       ('127.0.0.1', 1234), self.scheme)
        except RequestError as exc:
            return TestResponse(exc.status_code, None, NoCaseDict(),
                                exc.reason.encode())
        res = await self.app.dispatch_request(req)
        if res is Response.already_handled:
            return None
        response = await TestResponse.create(res)
        self._update_cookies(response.headers.get('Set-Cookie'))
        return response

    def _update_cookies(self, set_cookies):
        if not set_cookies:
            return
        if not isinstance(set_cookies, list):
            set_cookies = [set_cookies]
        for cookie in set_cookies:
            attrs = [a.strip() for a in cookie.split(';')]
            name, _, value = attrs[0].partition('=')
            expired = False
            for attr in attrs[1:]:
                lower = attr.lower()
                if lower == 'max-age=0' or lower.startswith('max-age=-') or \
                        (lower.startswith('expires=') and '1970' in lower):
                    expired = True
            if expired:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    async def get(self, path, headers=None):
        return await self.request('GET', path, headers=headers)

    async def post(self, path, headers=None, body=None):
        return await self.request('POST', path, headers=headers, body=body)

    async def put(self, path, headers=None, body=None):
        return await self.request('PUT', path, headers=headers, body=body)

    async def patch(self, path, headers=None, body=None):
        return await self.request('PATCH', path, headers=headers, body=body)

    async def delete(self, path, headers=None):
        return await self.request('DELETE', path, headers=headers)

    async def head(self, path, headers=None):
        return await self.request('HEAD', path, headers=headers)

    async def options(self, path, headers=None):
        return await self.request('OPTIONS', path, headers=headers)


# Percent-encodes bytes a request line can't carry (spaces, controls, UTF-8).
def _quote_target(path):
    out = []
    for byte in path.encode():
        if byte < 0x21 or byte > 0x7e:
            out.append('%%%02X' % byte)
        else:
            out.append(chr(byte))
    return ''.join(out)
