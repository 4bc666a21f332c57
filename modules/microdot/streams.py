# Buffered async byte streams: the connection a request head is read from,
# and the framed body of one request.
#
# BufferedStream keeps one bytes buffer and an offset into it, so reading a
# line costs one slice; subclasses only say where more bytes come from
# (_more). The server keeps one ConnectionStream per connection, so bytes of a
# pipelined request that arrive early wait in its buffer.
from microdot.protocol import RequestError


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
