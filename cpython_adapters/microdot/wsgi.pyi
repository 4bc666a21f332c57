# microdot.wsgi: the core names, and a Microdot that is a WSGI application.
import asyncio
import selectors
import socket
from collections.abc import Callable, Coroutine, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from typing_extensions import ParamSpec, TypeAlias

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

_T = TypeVar('_T')
_P = ParamSpec('_P')
_Environ: TypeAlias = dict[str, Any]

#### one event loop per thread

# Runs each call at once, in the calling thread.
class InlineExecutor(ThreadPoolExecutor):
    def __init__(self) -> None: ...
    def submit(
        self, fn: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> Future[_T]: ...

class OnePassSelector(selectors.DefaultSelector):
    registered: Any
    def __init__(self) -> None: ...

def thread_loop() -> asyncio.AbstractEventLoop: ...
def run_on_thread_loop(coro: Coroutine[Any, Any, _T]) -> _T: ...

#### request body and raw socket

class WSGIBodyStream:
    input: Any
    remaining: int | None
    def __init__(self, wsgi_input: Any, length: int | None) -> None: ...
    async def read_chunk(self) -> bytes: ...
    async def read(self, n: int = -1) -> bytes: ...

class UWSGIChunkedBody:
    chunked_read: Callable[[], bytes]
    def __init__(self, chunked_read: Callable[[], bytes]) -> None: ...
    async def read_chunk(self) -> bytes: ...
    async def read(self, n: int = -1) -> bytes: ...

class SocketStream:
    sock: socket.socket
    def __init__(self, sock: socket.socket) -> None: ...
    async def read(self, n: int = -1) -> bytes: ...

# An asyncio-writer-like object over the raw socket.
class SocketWriter:
    sock: socket.socket
    buffer: list[bytes]
    closed: bool
    def __init__(self, sock: socket.socket) -> None: ...
    def write(self, data: bytes) -> None: ...
    async def drain(self) -> None: ...
    def close(self) -> None: ...
    def is_closing(self) -> bool: ...
    async def wait_closed(self) -> None: ...
    def get_extra_info(self, name: str, default: Any = None) -> Any: ...

# The WSGI response iterable.
class WSGIBody:
    chunks: Any
    ready: list[bytes]
    on_close: Callable[[], Any] | None
    def __init__(
        self, chunks: Any, ready: Iterable[bytes] = (), on_close: Callable[[], Any] | None = None
    ) -> None: ...
    def __iter__(self) -> Iterator[bytes]: ...
    def __next__(self) -> bytes: ...
    def close(self) -> None: ...

class Microdot(BaseMicrodot):
    mount_relative: bool  # True: routes match PATH_INFO, relative to SCRIPT_NAME
    shutdown_signal: Any
    def __init__(self, mount_relative: bool | None = None) -> None: ...
    def shutdown(self) -> None: ...
    # the Request for an environ, and whether its body is still to be loaded
    def wsgi_request(self, environ: _Environ) -> tuple[Request, bool]: ...
    async def wsgi_dispatch(self, environ: _Environ) -> Response: ...
    def __call__(
        self, environ: _Environ, start_response: Callable[..., Any]
    ) -> Iterable[bytes]: ...
