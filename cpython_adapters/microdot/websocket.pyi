import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from typing_extensions import Concatenate, ParamSpec

from microdot import Request, Response

_P = ParamSpec('_P')

# opcodes
CONT: int
TEXT: int
BINARY: int
CLOSE: int
PING: int
PONG: int

# code: the close code received or sent, 1006 for a lost connection.
class WebSocketError(Exception):
    code: int | None
    def __init__(self, message: str = 'WebSocket closed', code: int | None = None) -> None: ...

#### frames (sans-IO)

def decode_utf8(data: bytes | bytearray) -> str: ...
def valid_close_code(code: int) -> bool: ...
def apply_mask(buf: bytearray, mask: bytes) -> bytearray: ...
def frame_head(opcode: int, length: int, fin: bool = True, mask: bytes | None = None) -> bytes: ...
def encode_frame(
    opcode: int, payload: bytes | str = b'', fin: bool = True, mask: bytes | None = None
) -> bytes: ...
def close_payload(code: int | None = None, reason: str = '') -> bytes: ...

# Bytes in, events out: next_event() gives (opcode, data) or None.
class FrameParser:
    max_message_length: int
    masked: bool
    buf: bytes
    head: tuple[int, int, bytes | None, int] | None
    opcode: int | None
    parts: list[bytes | bytearray]
    size: int
    def __init__(self, max_message_length: int = 0, masked: bool = True) -> None: ...
    def feed(self, data: bytes) -> None: ...
    def needed(self) -> int: ...
    def next_event(self) -> tuple[int, Any] | None: ...

# The Sec-WebSocket-Accept value, or (status, reason) for a bad handshake.
def handshake_accept(request: Request) -> bytes | tuple[int, str]: ...

#### the connection

class WebSocket:
    CONT: int
    TEXT: int
    BINARY: int
    CLOSE: int
    PING: int
    PONG: int
    max_message_length: int  # -1: Request.max_body_length; 0: no limit
    close_timeout: float
    read_size: int
    request: Request | None
    stream: Any
    writer: Any
    parser: FrameParser
    closed: bool
    close_sent: bool
    close_code: int | None
    close_reason: str
    receiving: bool
    failed: bool
    lock: asyncio.Lock
    def __init__(self, request: Request | None) -> None: ...
    async def handshake(self) -> None: ...
    # the next message: str (text) or bytes (binary)
    async def receive(self) -> str | bytes: ...
    async def send(self, data: str | bytes, opcode: int | None = None) -> None: ...
    async def close(self, code: int = 1000, reason: str = '') -> None: ...

async def websocket_upgrade(request: Request) -> WebSocket: ...

# The route becomes f(request, ws, *args, **kwargs), run after the handshake.
def with_websocket(
    f: Callable[Concatenate[Request, WebSocket, _P], Awaitable[Any]],
) -> Callable[Concatenate[Request, _P], Coroutine[Any, Any, Response]]: ...
