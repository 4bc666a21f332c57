# Async byte streams, loaded with the first request: the buffered stream a
# request head is read from, the framed body of one request, an in-memory
# stream, and the chunk-by-chunk iteration of a response body.
#
# BufferedStream keeps one bytes buffer and an offset into it, so reading a
# line costs one slice; subclasses only say where more bytes come from
# (_more). The server keeps one stream per connection, so bytes of a
# pipelined request that arrive early wait in its buffer.
from microdot.protocol import RequestError, parse_chunk_size, \
    parse_request_head
from microdot.structures import iscoroutine


class BufferedStream:
    chunk_size = 512

    def __init__(self):
        self.buf = b''
        self.pos = 0

    # Next bytes from the source, b'' at its end (subclasses override).
    async def _more(self):
        return b''

    async def _fill(self):
        data = await self._more()
        if not data:
            return False
        if self.pos < len(self.buf):
            self.buf = self.buf[self.pos:] + data
        else:
            self.buf = data
        self.pos = 0
        return True

    def _take(self, end):
        data = self.buf[self.pos:end]
        self.pos = end
        return data

    async def read(self, n=-1):
        if n < 0:
            chunks = [self._take(len(self.buf))]
            while await self._fill():
                chunks.append(self._take(len(self.buf)))
            return b''.join(chunks)
        if self.pos >= len(self.buf) and not await self._fill():
            return b''
        return self._take(min(self.pos + n, len(self.buf)))

    async def readexactly(self, n):
        while len(self.buf) - self.pos < n:
            if not await self._fill():
                raise EOFError('stream ended early')
        return self._take(self.pos + n)

    # A line ending in b'\n' (or what is left at the end of the stream);
    # more than limit bytes without a newline raises RequestError(status).
    async def readline(self, limit=0, status=400):
        return await self.readuntil(b'\n', limit, status)

    async def readuntil(self, separator=b'\n', limit=0, status=400):
        searched = 0  # bytes after pos known not to start a separator
        while True:
            i = self.buf.find(separator, self.pos + searched)
            if i >= 0:
                end = i + len(separator)
                if limit and end - self.pos > limit:
                    raise RequestError(status, 'Line too long')
                return self._take(end)
            available = len(self.buf) - self.pos
            if limit and available > limit:
                raise RequestError(status, 'Line too long')
            searched = max(0, available - len(separator) + 1)
            if not await self._fill():
                return self._take(len(self.buf))


# The bytes of a network connection, read from an asyncio stream reader.
class ConnectionStream(BufferedStream):
    def __init__(self, reader):
        super().__init__()
        self.reader = reader

    async def _more(self):
        return await self.reader.read(self.chunk_size)


# An in-memory stream with the reading API of a request stream.
class AsyncBytesIO(BufferedStream):
    def __init__(self, data):
        super().__init__()
        self.buf = data

    @property
    def data(self):
        return self.buf

    async def awrite(self, data):
        self.buf += data

    async def aclose(self):
        pass


# Reads the next request head from stream within limits (an object with
# max_readline, max_header_count and max_header_bytes): (request line,
# header block) as bytes, or None when the stream ends before a request.
async def read_request_head(stream, limits):
    buf, start = stream.buf, stream.pos
    end = buf.find(b'\r\n\r\n', start)
    if end >= 0:  # the usual case: the whole head is already buffered
        stream.pos = end + 4
        i = buf.find(b'\r\n', start)
        return buf[start:i], buf[i + 2:end] if i < end else b''
    max_readline = limits.max_readline
    max_count = limits.max_header_count
    max_bytes = limits.max_header_bytes
    lines = []
    total = 0
    status = 414  # for the request line; 431 for header lines
    while True:
        line = await stream.readline(max_readline, status)
        if not line and not lines:
            return None
        if not line or line[-1] != 0x0a:
            raise RequestError(400, 'Incomplete request head')
        line = line[:-2] if line[-2:] == b'\r\n' else line[:-1]
        if not line:
            if lines:
                return lines[0], b'\r\n'.join(lines[1:])
            continue  # empty lines before a request line are ignored
        lines.append(line)
        status = 431
        total += len(line)
        if len(lines) > max_count + 1 or total > max_bytes + max_readline:
            raise RequestError(431, 'Request header fields too large')


# Reads the next request from stream as a cls (Request) instance, its body
# left in body_source (None at the end of the stream); the limits are cls's.
async def read_request(cls, app, stream, writer, client_addr, scheme=None):
    head = await read_request_head(stream, cls)
    if head is None:
        return None
    method, url, version, headers, length, chunked = \
        parse_request_head(head[0], head[1], cls)
    req = cls(app, client_addr, method, url, version, headers,
              sock=(stream, writer), scheme=scheme)
    if length or chunked:
        req.body_source = BodyStream(
            stream, length, chunked, cls.max_content_length,
            cls.max_header_count, cls.max_header_bytes)
    return req


# One request's body over a connection's BufferedStream: Content-Length or
# chunked framing removed, ending exactly where the body ends.
class BodyStream(BufferedStream):
    def __init__(self, conn, content_length=0, chunked=False, limit=0,
                 max_trailer_count=32, max_trailer_bytes=4096):
        super().__init__()
        self.max_trailer_count = max_trailer_count
        self.max_trailer_bytes = max_trailer_bytes
        self.conn = conn
        self.remaining = content_length  # in the current chunk when chunked
        self.chunked = chunked
        self.limit = limit  # most bytes a chunked body may have
        self.total = 0
        self.done = not chunked and not content_length

    async def _more(self):
        if self.done:
            return b''
        if self.chunked and not self.remaining:
            size = parse_chunk_size(await self.conn.readline(64),
                                    self.limit - self.total)
            if size == 0:
                await self._trailer()
                self.done = True
                return b''
            self.remaining = size
        data = await self.conn.read(min(self.remaining, self.chunk_size))
        if not data:
            raise RequestError(400, 'Incomplete body')
        self.remaining -= len(data)
        self.total += len(data)
        if not self.remaining:
            if self.chunked:
                if await self.conn.readline(2) not in (b'\r\n', b'\n'):
                    raise RequestError(400, 'Bad chunk')
            else:
                self.done = True
        return data

    # Reads and drops the trailer fields of a chunked body, within limits.
    async def _trailer(self):
        count = size = 0
        while True:
            line = await self.conn.readline(1024, 431)
            if not line:
                raise RequestError(400, 'Incomplete body')
            if line == b'\r\n' or line == b'\n':
                return
            count += 1
            size += len(line)
            if count > self.max_trailer_count or \
                    size > self.max_trailer_bytes:
                raise RequestError(431, 'Trailer fields too large')

    # Reads and drops what is left of the body, up to limit bytes; returns
    # True when the connection is positioned at the next request.
    async def discard(self, limit):
        while not self.done:
            if self.remaining > limit:
                return False
            data = await self._more()
            limit -= len(data)
            if limit < 0:
                return False
        return True


# Bytes already read from the start of a body, then the rest of its stream.
class ResumedStream(BufferedStream):
    def __init__(self, head, rest):
        super().__init__()
        self.buf = head
        self.rest = rest

    async def _more(self):
        return await self.rest.read(self.chunk_size)


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
                if iscoroutine(ret) or hasattr(ret, '__await__'):
                    await ret  # aclose() of an async generator included


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
