# The Request object, and reading one request head from a stream.
import json

from microdot.protocol import RequestError, body_framing, parse_headers, \
    parse_request_line
from microdot.response import send_bytes
from microdot.streams import AsyncBytesIO, BufferedStream, ConnectionStream
from microdot.structures import MultiDict, urldecode


class Request:
    # Limits, class-level so an app can change them (Request.x = ...).
    max_content_length = 16 * 1024  # larger declared bodies get 413
    max_body_length = 16 * 1024  # bodies up to this are read into .body
    max_readline = 2 * 1024  # longest request or header line (414/431)
    max_header_count = 32  # more header lines get 431
    max_header_bytes = 4 * 1024  # all header lines together, else 431

    class G:
        pass

    # Per-request state starts at these class-level defaults, so a request
    # only stores what differs: fewer allocations per request on a board.
    url_prefix = ''
    subapp = None
    route = None
    url_args = None
    files = None
    query_string = None
    content_length = 0
    chunked = False
    body_source = None  # the framed body on a server connection
    after_request_handlers = ()
    _body = None
    _stream = None
    _json = None
    _form = None
    _args = None
    _cookies = None
    _g = None

    def __init__(self, app, client_addr, method, url, http_version, headers,
                 body=None, stream=None, sock=None, url_prefix='',
                 subapp=None, scheme=None, route=None):
        self.app = app
        self.client_addr = client_addr
        self.method = method
        self.url = url
        self.http_version = http_version
        self.headers = headers
        self.scheme = scheme or 'http'
        self.sock = sock
        if url_prefix:
            self.url_prefix = url_prefix
        if subapp is not None:
            self.subapp = subapp
        if route is not None:
            self.route = route
        if body is not None:
            self._body = body
        if stream is not None:
            self._stream = stream
        i = url.find('?')
        if i < 0:
            self.path = url
        else:
            self.path, self.query_string = url[:i], url[i + 1:]
        value = headers.get('Content-Length')
        if value:
            try:
                self.content_length = int(value)
            except ValueError:
                raise RequestError(400, 'Bad Content-Length')
        self.content_type = headers.get('Content-Type')

    @property
    def g(self):
        if self._g is None:
            self._g = Request.G()
        return self._g

    @property
    def args(self):
        if self._args is None:
            self._args = self._parse_urlencoded(self.query_string or '')
        return self._args

    @args.setter
    def args(self, value):
        self._args = value

    @property
    def cookies(self):
        if self._cookies is None:
            self._cookies = {}
            for cookie in (self.headers.get('Cookie') or '').split(';'):
                i = cookie.find('=')
                if i >= 0:
                    self._cookies[cookie[:i].strip()] = cookie[i + 1:].strip()
                elif cookie.strip():
                    self._cookies[cookie.strip()] = ''
        return self._cookies

    @cookies.setter
    def cookies(self, value):
        self._cookies = value

    @staticmethod
    def _parse_urlencoded(text):
        args = MultiDict()
        try:
            if isinstance(text, bytes):
                text = text.decode()
            for pair in text.split('&'):
                if pair:
                    i = pair.find('=')
                    if i < 0:
                        args[urldecode(pair)] = ''
                    else:
                        args[urldecode(pair[:i])] = urldecode(pair[i + 1:])
        except ValueError:  # invalid UTF-8 included
            raise RequestError(400, 'Bad URL encoding')
        return args

    # The lines of a request head read line by line, without their line
    # ends, the request line first; None when the stream ends before a
    # request starts.
    @staticmethod
    async def _read_head(stream):
        cls = Request
        lines = []
        total = 0
        status = 414
        while True:
            line = await stream.readline(cls.max_readline, status)
            if not line and not lines:
                return None
            if not line or line[-1] != 0x0a:
                raise RequestError(400, 'Incomplete request head')
            line = line[:-2] if line[-2:] == b'\r\n' else line[:-1]
            if not line:
                if lines:
                    return lines
                continue  # empty lines before a request line are ignored
            lines.append(line)
            status = 431
            total += len(line)
            if len(lines) > cls.max_header_count + 1 or \
                    total > cls.max_header_bytes + cls.max_readline:
                raise RequestError(431, 'Request header fields too large')

    # Reads one request (head, and a small body) from a client stream;
    # None when the client closed the connection before sending anything.
    @staticmethod
    async def create(app, client_reader, client_writer, client_addr,
                     scheme=None):
        req = await Request.read_head(app, client_reader, client_writer,
                                      client_addr, scheme)
        if req is not None:
            await req.read_body()
        return req

    # The first half of create(): a Request for the next head on the stream,
    # its body not read yet (None at the end of the stream).
    @staticmethod
    async def read_head(app, client_reader, client_writer, client_addr,
                        scheme=None):
        if isinstance(client_reader, BufferedStream):
            stream = client_reader
        else:
            stream = ConnectionStream(client_reader)
        cls = Request
        buf, start = stream.buf, stream.pos
        end = buf.find(b'\r\n\r\n', start)
        if end >= 0:  # the usual case: the whole head is already buffered
            stream.pos = end + 4
            i = buf.find(b'\r\n', start)
            request_line = buf[start:i]
            block = buf[i + 2:end] if i < end else b''
        else:
            lines = await cls._read_head(stream)
            if lines is None:
                return None
            request_line = lines[0]
            block = b'\r\n'.join(lines[1:])
        if len(request_line) > cls.max_readline:
            raise RequestError(414, 'Request line too long')
        method, url, http_version = parse_request_line(request_line)
        if len(block) > cls.max_header_bytes or \
                block.count(b'\r\n') >= cls.max_header_count:
            raise RequestError(431, 'Request header fields too large')
        headers = parse_headers(block, cls.max_readline)
        if not headers.keymap.get('content-length') and \
                not headers.keymap.get('transfer-encoding'):
            content_length, chunked = 0, False  # no body: nothing to check
        else:
            content_length, chunked = body_framing(headers, http_version)
        req = cls(app, client_addr, method, url, http_version, headers,
                  sock=(stream, client_writer), scheme=scheme)
        req.chunked = chunked
        if not chunked and not content_length:
            req._body = b''
        else:
            from microdot.body import BodyStream
            req.body_source = BodyStream(
                stream, content_length, chunked, cls.max_content_length,
                cls.max_header_count, cls.max_header_bytes)
        return req

    # The second half of create(): reads a small body into .body, or leaves
    # a large one to .stream (answering 'Expect: 100-continue' first).
    async def read_body(self):
        source = self.body_source
        if source is None:
            return
        if self.http_version == '1.1' and self.content_length <= \
                self.max_content_length and self.headers.get(
                    'Expect', '').lower() == '100-continue':
            await send_bytes(self.sock[1], b'HTTP/1.1 100 Continue\r\n\r\n')
        await self.load_body(source)

    # Takes the body from source (a BufferedStream holding just the body):
    # small bodies are read into .body, larger allowed ones left to .stream.
    async def load_body(self, source):
        self._stream = source
        if self.content_length > self.max_content_length:
            return  # dispatch answers 413 without reading it
        if self.content_length:
            if self.content_length <= self.max_body_length:
                self._body = await source.readexactly(self.content_length)
                self._stream = None
            return
        data = await source.read(self.max_body_length + 1)
        while len(data) <= self.max_body_length:
            more = await source.read(self.max_body_length + 1 - len(data))
            if not more:
                self._body = data
                self._stream = None
                return
            data += more
        from microdot.body import ResumedStream
        self._stream = ResumedStream(data, source)

    @property
    def body(self):
        return b'' if self._body is None else self._body

    @property
    def stream(self):
        if self._stream is None:
            self._stream = AsyncBytesIO(self.body)
        return self._stream

    @property
    def json(self):
        if self._json is None:
            ctype = self.content_type
            if ctype is None or not ctype.split(';')[0].strip().endswith(
                    'json'):
                return None
            try:
                self._json = json.loads(self.body.decode())
            except ValueError:
                raise RequestError(400, 'Malformed JSON')
        return self._json

    @property
    def form(self):
        if self._form is None:
            ctype = self.content_type
            if ctype is None or ctype.split(';')[0].strip() != \
                    'application/x-www-form-urlencoded':
                return None
            self._form = self._parse_urlencoded(self.body)
        return self._form

    @form.setter
    def form(self, value):
        self._form = value

    def after_request(self, f):
        if not self.after_request_handlers:
            self.after_request_handlers = []
        self.after_request_handlers.append(f)
        return f
