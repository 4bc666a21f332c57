# Request and response bodies other than plain bytes, loaded only for the
# messages that have one (a GET answered with bytes or a file never loads
# this): the framing of a request body (Content-Length, or chunked through
# microdot.chunked) and its reading into a Request, a body resumed after its
# first bytes, an in-memory stream, the chunk-by-chunk iteration of a
# streamed response body, and a response written whole to a stream
# (HTTP/1.0).
from microdot.protocol import RequestError, reason_phrase, response_head
from microdot.streams import BufferedStream
from microdot.structures import iscoroutine


# One request's body over a connection's BufferedStream: Content-Length or
# chunked framing removed (microdot.chunked decodes the latter), ending
# exactly where the body ends.
class BodyStream(BufferedStream):
    def __init__(self, conn, content_length=0, chunked=False, limit=0,
                 max_trailer_count=32, max_trailer_bytes=4096):
        super().__init__()
        self.conn = conn
        self.remaining = content_length  # bytes still to come (no chunks)
        self.decoder = None
        if chunked:
            from microdot.chunked import ChunkedDecoder
            self.decoder = ChunkedDecoder(limit, max_trailer_count,
                                          max_trailer_bytes)
        self.done = not chunked and not content_length

    async def _more(self):
        if self.done:
            return b''
        conn = self.conn
        decoder = self.decoder
        if decoder is not None:
            while True:
                what, data, conn.pos = decoder.feed(conn.buf, conn.pos)
                if what == decoder.DATA:
                    return data
                if what == decoder.END:
                    self.done = True
                    return b''
                if not await conn._fill():  # NEED_MORE
                    raise RequestError(400, 'Incomplete body')
        data = await conn.read(min(self.remaining, self.chunk_size))
        if not data:
            raise RequestError(400, 'Incomplete body')
        self.remaining -= len(data)
        if not self.remaining:
            self.done = True
        return data

    # Reads and drops what is left of the body, up to limit bytes; returns
    # True when the connection is positioned at the next request.
    async def discard(self, limit):
        while not self.done:
            left = self.remaining if self.decoder is None else \
                self.decoder.remaining
            if left > limit:
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


# Reads req's body framed by req.body_framing from its connection stream
# (req.sock[0]), answering 'Expect: 100-continue' first.
async def read_body(req):
    length, chunked = req.body_framing
    req.body_source = source = BodyStream(
        req.sock[0], length, chunked, req.max_content_length,
        req.max_header_count, req.max_header_bytes)
    if req.http_version == '1.1' and req.content_length <= \
            req.max_content_length and req.headers.get(
                'Expect', '').lower() == '100-continue':
        await send_bytes(req.sock[1], b'HTTP/1.1 100 Continue\r\n\r\n')
    await load_body(req, source)


# Takes req's body from source (a BufferedStream holding just the body):
# small bodies are read into .body, larger allowed ones left to .stream.
async def load_body(req, source):
    req.stream = source
    if req.content_length > req.max_content_length:
        return  # dispatch answers 413 without reading it
    limit = req.max_body_length
    if req.content_length:
        if req.content_length <= limit:
            req.body = await source.readexactly(req.content_length)
            del req.stream
        return
    data = await source.read(limit + 1)
    while len(data) <= limit:
        more = await source.read(limit + 1 - len(data))
        if not more:
            req.body = data
            del req.stream
            return
        data += more
    req.stream = ResumedStream(data, source)


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


# res's headers as (name, value) strs, Set-Cookie lists expanded; a value
# that could split the response (CR, LF, NUL) raises RequestError(400).
def header_items(res):
    items = []
    for name, value in res.headers.items():
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


# Writes res whole to stream as HTTP/1.0, the body ending at close.
async def write_response(res, stream):
    res.complete()
    await send_bytes(stream, response_head(
        '1.0', res.status_code, res.reason or reason_phrase(res.status_code),
        header_items(res)))
    it = res.body_iter()
    try:
        if not res.is_head:
            async for chunk in it:
                await send_bytes(stream, chunk)
    finally:
        await it.aclose()


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
