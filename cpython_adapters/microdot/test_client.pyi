from collections.abc import AsyncGenerator, Callable, Generator
from typing import Any

from microdot import Microdot, NoCaseDict

_Message = str | bytes | None
_Peer = Generator[_Message, Any, Any] | AsyncGenerator[_Message, Any]

class TestResponse:
    __test__: bool
    # None for a connection the handler took over without writing a head
    status_code: int | None
    reason: str | None
    headers: NoCaseDict
    # None for HEAD and for a connection the handler took over
    body: bytes | None
    def __init__(
        self, status_code: int | None = 200, reason: str | None = None,
        headers: NoCaseDict | None = None, body: bytes | None = b'',
    ) -> None: ...
    @classmethod
    async def create(cls, res: Any) -> TestResponse: ...
    @property
    def text(self) -> str | None: ...
    @property
    def json(self) -> Any: ...
    # parsed SSE events: data, data_json, event, event_id, retry
    @property
    def events(self) -> list[dict[str, Any]] | None: ...

class TestClient:
    __test__: bool
    app: Microdot
    cookies: dict[str, str]  # sent to every path
    path_cookies: dict[tuple[str, str], str]  # (path, name): value
    scheme: str | None
    host: str
    def __init__(
        self, app: Microdot, cookies: dict[str, str] | None = None, scheme: str | None = None,
        host: str | None = None,
    ) -> None: ...
    # body: bytes, str, or a dict/list sent as JSON
    async def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: Any = None,
        sock: Any = None,
    ) -> TestResponse: ...
    async def get(self, path: str, headers: dict[str, str] | None = None) -> TestResponse: ...
    async def post(
        self, path: str, headers: dict[str, str] | None = None, body: Any = None
    ) -> TestResponse: ...
    async def put(
        self, path: str, headers: dict[str, str] | None = None, body: Any = None
    ) -> TestResponse: ...
    async def patch(
        self, path: str, headers: dict[str, str] | None = None, body: Any = None
    ) -> TestResponse: ...
    async def delete(self, path: str, headers: dict[str, str] | None = None) -> TestResponse: ...
    async def head(self, path: str, headers: dict[str, str] | None = None) -> TestResponse: ...
    async def options(self, path: str, headers: dict[str, str] | None = None) -> TestResponse: ...
    async def query(
        self, path: str, headers: dict[str, str] | None = None, body: Any = None
    ) -> TestResponse: ...
    # client: a generator (or a function returning one) that yields the
    # messages to send and receives the server's replies
    async def websocket(
        self, path: str, client: _Peer | Callable[[], _Peer], headers: dict[str, str] | None = None
    ) -> TestResponse: ...
