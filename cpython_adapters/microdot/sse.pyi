import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from typing_extensions import Concatenate, ParamSpec

from microdot import Request, Response

_P = ParamSpec('_P')

# The bytes of one event as sent on the wire.
def format_event(
    data: object, event: str | None = None, event_id: str | int | None = None,
    retry: float | None = None, comment: bool = False,
) -> bytes: ...

# The body of a text/event-stream response: an async iterator of bytes.
class SSE:
    heartbeat: float  # seconds of silence before a comment line (0: never)
    max_pending: int  # events queued before send() waits for the client
    call: tuple[Callable[..., Awaitable[Any]], tuple[Any, ...], dict[str, Any]] | None
    task: asyncio.Task[Any] | None
    done: bool
    error: BaseException | None
    pending: list[bytes]
    ready: asyncio.Event
    drained: asyncio.Event
    def __init__(self) -> None: ...
    # data: str, bytes, or a dict/list sent as JSON; retry in seconds
    async def send(
        self, data: object, event: str | None = None, event_id: str | int | None = None,
        retry: float | None = None, comment: bool = False,
    ) -> None: ...
    def __aiter__(self) -> SSE: ...
    async def __anext__(self) -> bytes: ...
    async def aclose(self) -> None: ...

def sse_response(
    request: Request, event_function: Callable[..., Awaitable[Any]], *args: Any,
    **kwargs: Any
) -> Response: ...

# The route becomes f(request, sse, *args, **kwargs).
def with_sse(
    f: Callable[Concatenate[Request, SSE, _P], Awaitable[Any]],
) -> Callable[Concatenate[Request, _P], Coroutine[Any, Any, Response]]: ...
