# Request and response bodies other than plain bytes, loaded only for the
# messages that have one (a GET answered with bytes or a file never loads
# this): the framing of a request body (Content-Length or chunked), a body
# resumed after its first bytes, and the chunk-by-chunk iteration of a
# streamed response body.
from microdot.protocol import RequestError, parse_chunk_size
from microdot.streams import BufferedStream
from microdot.structures import iscoroutine


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
