# WebSocket (RFC 6455), server side.
#
# Theory of operation: FrameParser is sans-IO. feed() it bytes as they
# arrive, split anywhere, and call next_event() until it returns None. Each
# event is (opcode, data): a whole message (fragments reassembled; str for
# text, bytes for binary), a ping or pong (bytes) or a close ((code, reason)).
# Anything the RFC forbids raises WebSocketError whose code is the close code
# to fail the connection with (1002, 1007 or 1009). frame_head() and
# encode_frame() serialise frames. WebSocket is the thin I/O part over
# request.sock = (stream, writer): it reads only as many bytes as the parser
# still needs, answers pings, and runs the close handshake.
#
# An adapter that carries WebSocket messages itself (ASGI) sets request.sock
# to an object with an async websocket_upgrade(request) method; that method
# is then used and returns an object with receive(), send() and close().
import asyncio
import binascii
import hashlib

from microdot import Request, Response, abort

from microdot.structures import print_exception

CONT = 0
TEXT = 1
BINARY = 2
CLOSE = 8
PING = 9
PONG = 10

_GUID = b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
_LOST = 1006  # reported (never sent) when the connection ends abruptly


# Raised when the connection is closed or a peer breaks the protocol; code
# is the close code received, sent, or 1006 for a lost connection.
class WebSocketError(Exception):
    def __init__(self, message='WebSocket closed', code=None):
        super().__init__(message)
        self.code = code


#### UTF-8

# Does this interpreter's decoder accept overlong forms, surrogates and code
# points past U+10FFFF (MicroPython's does)? Then those are checked here.
try:
    b'\xed\xa0\x80'.decode()
    _LAX_UTF8 = True
except UnicodeError:
    _LAX_UTF8 = False

# A lead byte that is always invalid, or one whose next byte must lie in a
# narrower range: (lead, lowest, highest) for the second byte.
_BAD_LEADS = b'\xc0\xc1\xf5\xf6\xf7\xf8\xf9\xfa\xfb\xfc\xfd\xfe\xff'
_SECOND = ((b'\xe0', 0xa0, 0xbf), (b'\xed', 0x80, 0x9f),
           (b'\xf0', 0x90, 0xbf), (b'\xf4', 0x80, 0x8f))


# Strict UTF-8 decoding; invalid input raises WebSocketError(1007).
def decode_utf8(data):
    try:
        text = str(data, 'utf-8')
    except UnicodeError:
        raise WebSocketError('Invalid UTF-8', 1007)
    if _LAX_UTF8 and len(text) != len(data):  # not pure ASCII
        for i in range(len(_BAD_LEADS)):
            if _BAD_LEADS[i:i + 1] in data:
                raise WebSocketError('Invalid UTF-8', 1007)
        for lead, low, high in _SECOND:
            i = data.find(lead)
            while i >= 0:
                if not low <= data[i + 1] <= high:
                    raise WebSocketError('Invalid UTF-8', 1007)
                i = data.find(lead, i + 1)
    return text


#### frames (sans-IO)

# Allowed close codes on the wire (RFC 6455 7.4 and the IANA registry).
def valid_close_code(code):
    return 1000 <= code <= 1003 or 1007 <= code <= 1014 or \
        3000 <= code <= 4999


# XORs buf (a bytearray) with the 4-byte mask in place, 256 bytes at a time
# as big integers: fast on both interpreters, little extra memory.
def apply_mask(buf, mask):
    n = len(buf)
    block = bytes(mask) * 64
    m = int.from_bytes(block, 'big')
    i = 0
    while i < n:
        size = min(256, n - i)
        if size < 256:
            m = int.from_bytes(block[:size], 'big')
        buf[i:i + size] = (int.from_bytes(buf[i:i + size], 'big') ^ m) \
            .to_bytes(size, 'big')
        i += size
    return buf


# The head of one frame carrying length payload bytes.
def frame_head(opcode, length, fin=True, mask=None):
    b0 = opcode | (0x80 if fin else 0)
    m = 0x80 if mask else 0
    if length < 126:
        head = bytes((b0, m | length))
    elif length < 65536:
        head = bytes((b0, m | 126, length >> 8, length & 255))
    else:
        head = bytes((b0, m | 127)) + length.to_bytes(8, 'big')
    return head + mask if mask else head


# One whole frame; mask (4 bytes) is for the client side.
def encode_frame(opcode, payload=b'', fin=True, mask=None):
    if isinstance(payload, str):
        payload = payload.encode()
    if mask:
        payload = apply_mask(bytearray(payload), mask)
    return frame_head(opcode, len(payload), fin, mask) + payload


# The payload of a close frame.
def close_payload(code=None, reason=''):
    if code is None or code == 1005:
        return b''
    return bytes((code >> 8, code & 255)) + reason.encode()


# Bytes in, events out: see the theory of operation at the top. masked: the
# peer must mask its frames (True on the server side, False on a client's).
class FrameParser:
    def __init__(self, max_message_length=0, masked=True):
        self.max_message_length = max_message_length
        self.masked = masked
        self.buf = b''
        self.head = None  # (fin, opcode, mask, length) awaiting its payload
        self.opcode = None  # of the fragmented message being reassembled
        self.parts = []
        self.size = 0

    def feed(self, data):
        self.buf = self.buf + data if self.buf else data

    # Bytes still missing before next_event() can make progress.
    def needed(self):
        have = len(self.buf)
        if self.head:
            return self.head[3] - have
        if have < 2:
            return 2 - have
        return self._head_length(self.buf[1]) - have

    @staticmethod
    def _head_length(b1):
        n = b1 & 0x7f
        return 2 + (2 if n == 126 else 8 if n == 127 else 0) + \
            (4 if b1 & 0x80 else 0)

    def _error(self, code=1002):
        self.buf = b''
        raise WebSocketError('Message too big' if code == 1009
                             else 'Protocol error', code)

    # Checks the first two bytes of a frame, as soon as they are here.
    def _check_start(self, b0, b1):
        op = b0 & 0x0f
        if b0 & 0x70:
            self._error()  # reserved bits set
        if bool(b1 & 0x80) != self.masked:
            self._error()  # masked wrongly
        if op >= CLOSE:
            if op > PONG:
                self._error()  # unknown opcode
            if not b0 & 0x80:
                self._error()  # fragmented control frame
            if b1 & 0x7f > 125:
                self._error()  # control frame too long
        elif op == CONT:
            if self.opcode is None:
                self._error()  # continuation of nothing
        elif op > BINARY:
            self._error()  # unknown opcode
        elif self.opcode is not None:
            self._error()  # new message in a fragmented one

    def _parse_head(self):
        buf = self.buf
        if len(buf) < 2:
            return False
        b0 = buf[0]
        b1 = buf[1]
        self._check_start(b0, b1)
        hlen = self._head_length(b1)
        if len(buf) < hlen:
            return False
        n = b1 & 0x7f
        if n == 126:
            n = (buf[2] << 8) | buf[3]
            if n < 126:
                self._error()  # length not in its shortest form
        elif n == 127:
            n = int.from_bytes(buf[2:10], 'big')
            if n >> 63 or n < 65536:
                self._error()  # bad length
        op = b0 & 0x0f
        limit = self.max_message_length
        if op < CLOSE and limit and self.size + n > limit:
            self._error(1009)
        self.head = (b0 & 0x80, op, buf[hlen - 4:hlen] if b1 & 0x80 else None,
                     n)
        self.buf = buf[hlen:]
        return True

    # The next event, or None until more bytes are fed.
    def next_event(self):
        while True:
            if self.head is None and not self._parse_head():
                return None
            fin, op, mask, n = self.head
            buf = self.buf
            if len(buf) < n:
                return None
            payload = bytearray(buf[:n]) if mask else bytes(buf[:n])
            self.buf = buf[n:]
            self.head = None
            if mask:
                apply_mask(payload, mask)
            if op >= CLOSE:
                return op, self._control(op, payload)
            if op:
                self.opcode = op
            if fin and not self.parts:
                data = payload
            else:
                self.parts.append(payload)
                self.size += n
                if not fin:
                    continue
                data = b''.join(self.parts)
            op = self.opcode
            self.opcode = None
            self.parts = []
            self.size = 0
            if op == TEXT:
                return op, decode_utf8(data)
            return op, bytes(data)

    def _control(self, op, payload):
        if op != CLOSE:
            return bytes(payload)
        if not payload:
            return None, ''
        if len(payload) == 1:
            self._error()  # a close payload of one byte
        code = (payload[0] << 8) | payload[1]
        if not valid_close_code(code):
            self._error()  # a close code not allowed on the wire
        return code, decode_utf8(payload[2:])


#### I/O

# Checks the opening handshake; returns the Sec-WebSocket-Accept value, or
# (status, reason) when the request is no valid WebSocket handshake.
def handshake_accept(request):
    headers = request.headers
    if request.method != 'GET' or request.http_version == '1.0':
        return 400, 'Bad WebSocket handshake'
    if 'websocket' not in _tokens(headers.get('Upgrade')) or \
            'upgrade' not in _tokens(headers.get('Connection')):
        return 400, 'Bad WebSocket handshake'
    key = headers.get('Sec-WebSocket-Key', '').strip().encode()
    if not key:
        return 400, 'Bad WebSocket key'
    if headers.get('Sec-WebSocket-Version', '').strip() != '13':
        return 426, 'Unsupported WebSocket version'
    try:
        ok = len(key) == 24 and len(binascii.a2b_base64(key)) == 16
    except ValueError:
        ok = False
    if not ok:
        return 400, 'Bad WebSocket key'
    return binascii.b2a_base64(hashlib.sha1(key + _GUID).digest())[:-1]


def _tokens(value):
    return [t.strip().lower() for t in value.split(',')] if value else ()


class WebSocket:
    CONT = CONT
    TEXT = TEXT
    BINARY = BINARY
    CLOSE = CLOSE
    PING = PING
    PONG = PONG
    max_message_length = -1  # -1: Request.max_body_length; 0: no limit
    close_timeout = 5  # seconds to wait for the peer's close frame
    read_size = 1024  # most bytes read from the stream at once

    # (request None: no connection, for frame processing alone)
    def __init__(self, request):
        self.request = request
        self.stream, self.writer = request.sock if request else (None, None)
        limit = self.max_message_length
        if limit < 0:
            limit = (request or Request).max_body_length
        self.parser = FrameParser(limit)
        self.closed = False  # no more frames will be read
        self.close_sent = False
        self.close_code = None
        self.close_reason = ''
        self.receiving = False
        self.failed = False  # closed for a protocol error
        self.lock = asyncio.Lock()

    # What a received frame (opcode, payload) asks for, as (opcode to answer
    # with, message): (None, text or bytes) for a message, (PONG, payload)
    # for a ping, (None, None) for a pong; a close frame raises
    # WebSocketError.
    def _process_websocket_frame(self, opcode, payload):
        if opcode == TEXT:
            return None, decode_utf8(payload)
        if opcode == BINARY:
            return None, payload
        if opcode == PING:
            return PONG, payload
        if opcode == PONG:
            return None, None
        raise WebSocketError('WebSocket closed')

    async def handshake(self):
        accept = handshake_accept(self.request)
        if isinstance(accept, tuple):
            abort(*accept)
        await self._write(b'HTTP/1.1 101 Switching Protocols\r\n'
                          b'Upgrade: websocket\r\nConnection: Upgrade\r\n'
                          b'Sec-WebSocket-Accept: ' + accept + b'\r\n\r\n')
        upgrade = getattr(self.stream, 'upgrade', None)
        if upgrade is not None:
            upgrade()  # the server's HTTP read deadlines no longer apply

    # The next message: str (text) or bytes (binary). Raises WebSocketError
    # once the connection is closed; its code says how.
    async def receive(self):
        self.receiving = True
        try:
            while True:
                op, data = await self._next_event()
                if op < CLOSE:
                    return data
                if op == PING:
                    if not self.close_sent:
                        await self._send_frame(PONG, data)
                elif op == CLOSE:
                    self.closed = True
                    code, self.close_reason = data
                    if not self.close_sent:
                        self.close_code = code or 1005
                        await self._send_close(code)
                    raise WebSocketError('WebSocket closed by peer',
                                         self.close_code)
        finally:
            self.receiving = False

    async def send(self, data, opcode=None):
        if opcode is None:
            opcode = TEXT if isinstance(data, str) else BINARY
        if isinstance(data, str):
            data = data.encode()
        if self.close_sent or self.closed:
            raise WebSocketError('WebSocket is closed', self.close_code)
        if opcode >= CLOSE and len(data) > 125:
            raise ValueError('Control frame too long')
        await self._send_frame(opcode, data)

    # Starts the close handshake (unless it has started) and waits a while
    # for the peer's close frame, unless another task is receiving.
    async def close(self, code=1000, reason=''):
        if self.failed:
            self.failed = False
            await self._linger()
            return
        if not self.close_sent and not self.closed:
            self.close_code = code
            try:
                await self._send_close(code, reason)
            except WebSocketError:
                return
        if not self.closed and not self.receiving:
            try:
                await asyncio.wait_for(self._drain(), self.close_timeout)
            except (asyncio.TimeoutError, WebSocketError):
                pass
            self.closed = True

    # Drops what the peer still sends until it is quiet for a moment (at
    # most a second or so): closing a socket with unread bytes resets the
    # connection, and the peer could lose the close frame sent to it.
    async def _linger(self):
        try:
            for _ in range(10):
                if not await asyncio.wait_for(
                        self.stream.read(self.read_size), 0.1):
                    return
        except Exception:  # timeout, reset: the peer is quiet or gone
            pass

    async def _drain(self):
        while True:
            await self.receive()

    async def _next_event(self):
        parser = self.parser
        while True:
            if self.closed:
                raise WebSocketError('WebSocket is closed', self.close_code)
            try:
                event = parser.next_event()
            except WebSocketError as exc:  # the peer broke the protocol
                self.closed = True
                self.failed = True
                if not self.close_sent:
                    self.close_code = exc.code
                    try:
                        await self._send_close(exc.code)
                    except WebSocketError:
                        pass
                raise exc
            if event:
                return event
            try:
                data = await self.stream.read(
                    min(parser.needed(), self.read_size))
            except (OSError, EOFError):
                data = b''
            if not data:
                self._lost()
            parser.feed(data)

    def _lost(self):
        self.closed = True
        if not self.close_code:
            self.close_code = _LOST
        raise WebSocketError('Connection lost', _LOST)

    async def _send_close(self, code, reason=''):
        self.close_sent = True
        await self._send_frame(CLOSE, close_payload(code, reason))

    async def _send_frame(self, opcode, payload):
        head = frame_head(opcode, len(payload))
        async with self.lock:
            if len(payload) <= 512:
                await self._write(head + payload)
            else:
                self.writer.write(head)
                await self._write(payload)

    async def _write(self, data):
        try:
            self.writer.write(data)
            await self.writer.drain()
        except OSError:
            self._lost()


# Answers the opening handshake and returns the WebSocket; a bad handshake
# raises HTTPException (400, or 426 for an unsupported version).
async def websocket_upgrade(request):
    upgrade = getattr(request.sock, 'websocket_upgrade', None)
    if upgrade:
        return await upgrade(request)
    ws = WebSocket(request)
    await ws.handshake()
    return ws


# Route decorator: f(request, ws, *args, **kwargs) runs after the handshake;
# when it returns, the connection is closed (code 1000, or 1011 if it
# raised). A peer that closes or vanishes ends it quietly.
def with_websocket(f):
    async def handler(request, *args, **kwargs):
        if not hasattr(request.sock, 'websocket_upgrade'):
            error = handshake_accept(request)
            if isinstance(error, tuple) and error[0] == 426:  # RFC 6455 4.4
                return Response(error[1], 426, {'Sec-WebSocket-Version': '13'})
        ws = await websocket_upgrade(request)
        code = 1000
        try:
            await f(request, ws, *args, **kwargs)
        except WebSocketError:
            pass
        except OSError:
            pass
        except asyncio.CancelledError:  # server shutting down: going away
            if not ws.close_sent and not ws.closed and \
                    hasattr(ws, 'writer'):
                ws.close_sent = True
                ws.writer.write(frame_head(CLOSE, 2) + b'\x03\xe9')
            raise
        except Exception as exc:
            print_exception(exc)
            code = 1011
        try:
            await ws.close(code)
        except (WebSocketError, OSError):
            pass
        return Response.already_handled
    return handler
