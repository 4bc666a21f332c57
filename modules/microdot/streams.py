# Async byte streams, loaded with the first request: the buffered stream a
# request head is read from, and reading a request head. Bodies
# (microdot.bodies) are loaded only for messages that have one.
#
# BufferedStream keeps one bytes buffer and an offset into it, so reading a
# line costs one slice; subclasses only say where more bytes come from
# (_more). The server keeps one stream per connection, so bytes of a
# pipelined request that arrive early wait in its buffer.
from microdot.protocol import RequestError, parse_request_head


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


# Reads the next request from stream (a BufferedStream, or an asyncio
# stream reader) as a cls (Request) instance (None at the end of the
# stream), its body left on the stream for read_body(); the limits are cls's.
async def read_request(cls, app, stream, writer, client_addr, scheme=None):
    if not isinstance(stream, BufferedStream):
        stream = ConnectionStream(stream)
    head = await read_request_head(stream, cls)
    if head is None:
        return None
    method, url, version, headers, length, chunked = \
        parse_request_head(head[0], head[1], cls)
    req = cls(app, client_addr, method, url, version, headers,
              sock=(stream, writer), scheme=scheme)
    if length or chunked:  # read_body() takes it from the stream
        req.body_framing = (length, chunked)
    return req
