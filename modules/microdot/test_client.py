# A client that runs requests through an application in memory, for tests.
import json

from microdot.messages import Request, Response
from microdot.protocol import RequestError, reason_phrase
from microdot.bodies import AsyncBytesIO
from microdot.streams import BufferedStream, read_request
from microdot.structures import NoCaseDict


class TestResponse:
    __test__ = False  # not a test class, whatever pytest thinks

    # body is None when the response has none: HEAD, or a connection taken
    # over (Response.already_handled), where status_code is None too unless
    # the handler wrote a response head.
    def __init__(self, status_code=200, reason=None, headers=None, body=b''):
        self.status_code = status_code
        if reason is None and status_code is not None:
            reason = reason_phrase(status_code)
        self.reason = reason
        self.headers = headers if headers is not None else NoCaseDict()
        self.body = body

    @classmethod
    async def create(cls, res):
        it = res.body_iter()
        try:
            if res.is_head:
                body = None
            else:
                chunks = []
                async for chunk in it:
                    chunks.append(chunk)
                body = b''.join(chunks)
        finally:
            await it.aclose()
        return cls(res.status_code, res.reason, res.headers, body)

    @property
    def text(self):
        if self.body is None:
            return None
        try:
            return self.body.decode()
        except ValueError:
            return None

    @property
    def json(self):
        ctype = self.headers.get('Content-Type', '')
        if self.body is None or \
                not ctype.split(';')[0].strip().endswith('json'):
            return None
        return json.loads(self.body.decode())

    # The events of a text/event-stream body, as dicts: 'data' (bytes, the
    # data lines joined by newlines), 'data_json' (data parsed as JSON, None
    # when it is not JSON), 'event', 'event_id' and 'retry' (in seconds, as
    # given to sse.send), each None when not sent. Comments are left out.
    @property
    def events(self):
        if self.body is None or not self.headers.get(
                'Content-Type', '').startswith('text/event-stream'):
            return None
        events = []
        event = _new_event()
        for line in self.body.replace(b'\r\n', b'\n').split(b'\n'):
            if not line:
                if event['data'] is not None:
                    try:
                        event['data_json'] = json.loads(event['data'].decode())
                    except ValueError:
                        pass
                    events.append(event)
                event = _new_event()
                continue
            i = line.find(b':')
            name, value = (line, b'') if i < 0 else (line[:i], line[i + 1:])
            if value[:1] == b' ':
                value = value[1:]
            if name == b'data':
                data = event['data']
                event['data'] = value if data is None else data + b'\n' + value
            elif name == b'event':
                event['event'] = value.decode()
            elif name == b'id':
                event['event_id'] = value.decode()
            elif name == b'retry' and value.isdigit():
                event['retry'] = int(value) / 1000
        return events


def _new_event():
    return {'data': None, 'data_json': None, 'event': None, 'event_id': None,
            'retry': None}


class TestClient:
    __test__ = False

    def __init__(self, app, cookies=None, scheme=None, host=None):
        self.app = app
        self.cookies = dict(cookies or {})  # sent to every path
        self.path_cookies = {}  # (path, name): value, set with a narrower Path
        self.scheme = scheme
        self.host = host or 'example.com'

    # The Cookie header value for a request to path: the cookies for every
    # path first, so that the app, which keeps the last value of a name,
    # sees the one set for the narrower path.
    def _cookie_header(self, path):
        pairs = [k + '=' + str(v) for k, v in self.cookies.items()]
        path = path.split('?', 1)[0].split('#', 1)[0]
        for (cookie_path, name), value in self.path_cookies.items():
            if _path_matches(path, cookie_path):
                pairs.append(name + '=' + value)
        return '; '.join(pairs)

    # Builds the raw bytes of a request, the way a client would send them;
    # header values lose surrounding whitespace (b2a_base64's newline too).
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
        cookies = self._cookie_header(path)
        if cookies:
            old = str(headers.get('Cookie', '')).strip()
            headers['Cookie'] = old + '; ' + cookies if old else cookies
        lines = [method + ' ' + _quote_target(path) + ' HTTP/1.1']
        for name, value in headers.items():
            lines.append(name + ': ' + str(value).strip())
        return ('\r\n'.join(lines) + '\r\n\r\n').encode() + body

    async def request(self, method, path, headers=None, body=None, sock=None):
        raw = self._request_bytes(method.upper(), path, headers, body)
        reader, writer = sock if sock else (AsyncBytesIO(raw), _Writer())
        req = error = res = None
        try:
            req = await read_request(Request, self.app, reader, writer,
                                     ('127.0.0.1', 1234), self.scheme)
            await req.read_body()
        except RequestError as exc:
            if exc.status_code == 400:
                error = exc  # malformed: the app's error handlers answer
            else:  # a limit: answered without the app, as the server does
                res = Response(exc.reason, exc.status_code)
                res.complete()
        if res is None:
            res = await self.app.dispatch_request(req, error)
        if res is Response.already_handled:
            return _taken_over_response(getattr(writer, 'head', None))
        # cookies first: a body that fails midway raises from here
        self._update_cookies(res.headers.get('Set-Cookie'))
        return await TestResponse.create(res)

    def _update_cookies(self, set_cookies):
        if not set_cookies:
            return
        if not isinstance(set_cookies, list):
            set_cookies = [set_cookies]
        for cookie in set_cookies:
            attrs = [a.strip() for a in cookie.split(';')]
            name, _, value = attrs[0].partition('=')
            path = '/'
            expired = False
            for attr in attrs[1:]:
                lower = attr.lower()
                if lower.startswith('path=') and attr[5:6] == '/':
                    path = attr[5:]
                elif lower == 'max-age=0' or lower.startswith('max-age=-') \
                        or (lower.startswith('expires=') and '1970' in lower):
                    expired = True
            # no Path, or Path=/: the cookie goes to every path
            if path == '/':
                jar, key = self.cookies, name
            else:
                jar, key = self.path_cookies, (path, name)
            if expired:
                jar.pop(key, None)
            else:
                jar[key] = value

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

    # QUERY (a safe GET that carries its query in the body).
    async def query(self, path, headers=None, body=None):
        return await self.request('QUERY', path, headers=headers, body=body)

    # Opens a WebSocket on path and talks to it with client: a generator
    # (sync, or async on CPython), or a function returning one, that yields
    # the messages to send; each yield returns the next message the server
    # sent (None if it sent none). When it ends, the client closes (1000).
    # Returns a TestResponse: 101 after an upgrade, else the error answer.
    async def websocket(self, path, client, headers=None):
        headers = NoCaseDict(headers)
        for name, value in (('Upgrade', 'websocket'),
                            ('Connection', 'Upgrade'),
                            ('Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='),
                            ('Sec-WebSocket-Version', '13')):
            headers.setdefault(name, value)
        if callable(client) and not hasattr(client, 'send') and \
                not hasattr(client, 'asend'):
            client = client()
        peer = _WebSocketPeer(self._request_bytes('GET', path, headers, None),
                              client)
        try:
            req = await Request.create(self.app, peer, peer,
                                       ('127.0.0.1', 1234), self.scheme)
            res = await self.app.dispatch_request(req)
        finally:
            await peer.stop()
        if res is not Response.already_handled:
            self._update_cookies(res.headers.get('Set-Cookie'))
            return await TestResponse.create(res)
        return _taken_over_response(peer.head)


# RFC 6265 path-match: path is cookie_path or below it.
def _path_matches(path, cookie_path):
    if not path.startswith(cookie_path):
        return False
    return len(path) == len(cookie_path) or cookie_path[-1] == '/' or \
        path[len(cookie_path)] == '/'


# The TestResponse for a connection a handler took over: the status and
# headers of the response head it wrote (a WebSocket's 101), no body.
def _taken_over_response(head):
    if not head:
        return TestResponse(None, None, NoCaseDict(), None)
    lines = head.decode().split('\r\n')
    status = lines[0].split(' ', 2)
    headers = NoCaseDict()
    for line in lines[1:]:
        name, _, value = line.partition(':')
        if name:
            headers[name] = value.strip()
    return TestResponse(int(status[1]), status[2] if len(status) > 2 else '',
                        headers, None)


# What a handler writes to request.sock under TestClient.request; head is
# the response head it wrote, if any (a route that takes the connection
# over, like a WebSocket upgrade, writes its own).
class _Writer:
    def __init__(self):
        self.out = b''

    @property
    def head(self):
        i = self.out.find(b'\r\n\r\n')
        return self.out[:i] if i >= 0 else None

    def write(self, data):
        self.out += data

    async def drain(self):
        pass

    def close(self):
        pass

    async def wait_closed(self):
        pass


# Percent-encodes bytes a request line can't carry (spaces, controls, UTF-8).
def _quote_target(path):
    out = []
    for byte in path.encode():
        if byte < 0x21 or byte > 0x7e:
            out.append('%%%02X' % byte)
        else:
            out.append(chr(byte))
    return ''.join(out)


# Both ends of the connection a WebSocket route sees under TestClient: the
# server reads the request, then the client's frames (_more); what it writes
# (write) is the 101 head, then frames whose messages go to the client.
class _WebSocketPeer(BufferedStream):
    def __init__(self, raw, client):
        super().__init__()
        from microdot import websocket
        self.ws = websocket
        self.buf = raw
        self.client = client
        self.started = False
        self.out = b''
        self.head = None
        self.parser = websocket.FrameParser(0, masked=False)
        self.received = []
        self.server_close = None  # (code, reason) once the server closed
        self.close_sent = False

    def write(self, data):
        self.out += data
        if self.head is None:
            i = self.out.find(b'\r\n\r\n')
            if i < 0:
                return
            self.head, self.out = self.out[:i], self.out[i + 4:]
        self.parser.feed(self.out)
        self.out = b''
        while True:
            event = self.parser.next_event()
            if event is None:
                return
            if event[0] < self.ws.CLOSE:
                self.received.append(event[1])
            elif event[0] == self.ws.CLOSE:
                self.server_close = event[1]

    async def drain(self):
        pass

    def _frame(self, opcode, payload):
        return self.ws.encode_frame(opcode, payload, mask=b'\x1d\x2a\x3b\x4c')

    async def _more(self):
        if self.close_sent:
            return b''
        if self.client is not None and self.server_close is None:
            reply = None
            if self.started and self.received:
                reply = self.received.pop(0)
            self.started = True
            try:
                if hasattr(self.client, 'asend'):
                    message = await self.client.asend(reply)
                else:
                    message = self.client.send(reply)
            except (StopIteration, StopAsyncIteration):
                self.client = None
            else:
                if isinstance(message, str):
                    return self._frame(self.ws.TEXT, message.encode())
                return self._frame(self.ws.BINARY, message)
        self.close_sent = True
        code = self.server_close[0] if self.server_close else 1000
        return self._frame(self.ws.CLOSE, self.ws.close_payload(code))

    # Hands the client what the server sent last; what it yields then can't
    # be sent any more.
    async def stop(self):
        client, self.client = self.client, None
        if client is not None:
            try:
                while self.started and self.received:
                    reply = self.received.pop(0)
                    if hasattr(client, 'asend'):
                        await client.asend(reply)
                    else:
                        client.send(reply)
            except (StopIteration, StopAsyncIteration):
                return
            if hasattr(client, 'aclose'):
                await client.aclose()
            else:
                client.close()
