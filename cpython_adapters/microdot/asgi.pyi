# microdot.asgi: the core names, and a Microdot that is an ASGI 3 application.
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from typing_extensions import TypeAlias

from microdot import (
    AsyncBytesIO as AsyncBytesIO,
    HTTPException as HTTPException,
    Microdot as BaseMicrodot,
    MultiDict as MultiDict,
    NoCaseDict as NoCaseDict,
    Request as Request,
    Response as Response,
    URLPattern as URLPattern,
    abort as abort,
    iscoroutine as iscoroutine,
    redirect as redirect,
    send_file as send_file,
    urldecode as urldecode,
    urlencode as urlencode,
)
from microdot.websocket import (
    WebSocket as WebSocket,
    WebSocketError as WebSocketError,
    websocket_upgrade as websocket_upgrade,
    with_websocket as with_websocket,
)

_Scope: TypeAlias = MutableMapping[str, Any]
_Receive: TypeAlias = Callable[[], Awaitable[MutableMapping[str, Any]]]
_Send: TypeAlias = Callable[[dict[str, Any]], Awaitable[None]]
# a lifespan coroutine: it gets the scope
_Lifespan: TypeAlias = Callable[[Any], Any]

# The request body, from http.request messages.
class ASGIBodyStream:
    receive: _Receive
    more_body: bool
    disconnected: bool
    def __init__(self, receive: _Receive) -> None: ...
    async def read_chunk(self) -> bytes: ...
    async def read(self, n: int = -1) -> bytes: ...

# A WebSocket carried by websocket.* events, with microdot.websocket's API.
class ASGIWebSocket:
    request: Request
    max_message_length: int
    closed: bool
    close_code: int | None
    close_reason: str
    def __init__(self, request: Request, receive: _Receive, send: _Send) -> None: ...
    async def receive(self) -> str | bytes: ...
    async def send(self, data: str | bytes, opcode: int | None = None) -> None: ...
    async def close(self, code: int = 1000, reason: str = '') -> None: ...

# request.sock in a websocket scope.
class ASGIWebSocketSock:
    receive: _Receive
    send: _Send
    websocket: ASGIWebSocket | None
    def __init__(self, receive: _Receive, send: _Send) -> None: ...
    async def websocket_upgrade(self, request: Request) -> ASGIWebSocket: ...

class Microdot(BaseMicrodot):
    mount_relative: bool  # True: routes are relative to the scope's root_path
    lifespan_startup: _Lifespan | None
    lifespan_shutdown: _Lifespan | None
    shutdown_signal: Any
    def __init__(
        self,
        lifespan_startup: _Lifespan | None = None,
        lifespan_shutdown: _Lifespan | None = None,
        mount_relative: bool | None = None,
    ) -> None: ...
    async def __call__(self, scope: _Scope, receive: _Receive, send: _Send) -> None: ...
    def shutdown(self) -> None: ...
    async def asgi_lifespan(self, scope: _Scope, receive: _Receive, send: _Send) -> None: ...
    # the Request for a scope, and whether its body is still to be loaded
    def asgi_request(self, scope: _Scope, sock: Any) -> tuple[Request, bool]: ...
    async def asgi_http(self, scope: _Scope, receive: _Receive, send: _Send) -> None: ...
    async def asgi_stream_body(
        self, response: Response, body: ASGIBodyStream, receive: _Receive, send: _Send
    ) -> None: ...
    async def asgi_websocket(self, scope: _Scope, receive: _Receive, send: _Send) -> None: ...
