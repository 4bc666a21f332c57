# Types of the core: microdot/__init__.py and the names it re-exports. The
# device code carries no annotations (they would cost flash); these stubs
# ship with the CPython package only. The classes are declared here, where
# applications import them from, whatever internal module defines them.
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from re import Pattern
from ssl import SSLContext
from typing import Any, ClassVar, Literal, NoReturn, Protocol, TypeVar, overload, type_check_only

from typing_extensions import TypeAlias

from microdot.multipart import FileUpload

__version__: str

_F = TypeVar('_F', bound=Callable[..., Any])

#### data structures

class HTTPException(Exception):
    status_code: int
    reason: str
    def __init__(self, status_code: int, reason: str | None = None) -> None: ...

# A dict whose keys may hold several values: d[key] and get() give the first,
# getlist() all; the dict itself holds each key's list of values.
class MultiDict(dict[str, Any]):
    def __init__(self, initial_dict: Mapping[str, Any] | None = None) -> None: ...
    def __setitem__(self, key: str, value: Any) -> None: ...
    def __getitem__(self, key: str) -> Any: ...
    def __iter__(self) -> Iterator[str]: ...
    def get(  # type: ignore[override]  # (dict.get has no type=)
        self, key: str, default: Any = None, type: Callable[[Any], Any] | None = None
    ) -> Any: ...
    def getlist(self, key: str, type: Callable[[Any], Any] | None = None) -> list[Any]: ...

# A dict with case-insensitive string keys.
class NoCaseDict(dict[str, Any]):
    keymap: dict[str, str]
    def __init__(
        self,
        initial_dict: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
        keymap: dict[str, str] | None = None,
    ) -> None: ...
    def __setitem__(self, key: str, value: Any) -> None: ...
    def __getitem__(self, key: str) -> Any: ...
    def __delitem__(self, key: str) -> None: ...
    def __contains__(self, key: str) -> bool: ...  # type: ignore[override]  # (str keys only)
    def get(self, key: str, default: Any = None) -> Any: ...  # type: ignore[override]
    def setdefault(self, key: str, default: Any = None) -> Any: ...  # type: ignore[override]
    def pop(self, key: str, *default: Any) -> Any: ...  # type: ignore[override]
    def update(  # type: ignore[override]
        self,
        other_dict: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None: ...

def urlencode(s: str | bytes) -> str: ...
def urldecode(s: str | bytes, plus: bool = True) -> str: ...
def iscoroutine(obj: object) -> bool: ...

# Calls a sync or async handler and returns its result; on CPython a sync
# one runs in the loop's executor.
async def invoke_handler(handler: Callable[..., Any], *args: Any, **kwargs: Any) -> Any: ...

# An in-memory async stream.
class AsyncBytesIO:
    buf: bytes
    pos: int
    def __init__(self, data: bytes) -> None: ...
    @property
    def data(self) -> bytes: ...
    async def read(self, n: int = -1) -> bytes: ...
    async def readexactly(self, n: int) -> bytes: ...
    async def readline(self, limit: int = 0, status: int = 400) -> bytes: ...
    async def readuntil(
        self, separator: bytes = b'\n', limit: int = 0, status: int = 400
    ) -> bytes: ...
    async def awrite(self, data: bytes) -> None: ...
    async def aclose(self) -> None: ...

#### type-only helpers

# What request.stream is: an async byte stream (a body larger than
# Request.max_body_length is read from it).
@type_check_only
class _Stream(Protocol):
    async def read(self, n: int = -1) -> bytes: ...
    async def readexactly(self, n: int) -> bytes: ...
    async def readline(self) -> bytes: ...
    async def readuntil(self, separator: bytes = b'\n') -> bytes: ...

# request.g: a blank object that takes any attribute.
@type_check_only
class _G:
    def __getattr__(self, name: str) -> Any: ...
    def __setattr__(self, name: str, value: Any) -> None: ...

# response.body_iter(): the body as bytes chunks; aclose() releases it.
@type_check_only
class _BodyChunks(Protocol):
    def __aiter__(self) -> _BodyChunks: ...
    async def __anext__(self) -> bytes: ...
    async def aclose(self) -> None: ...

# app.server, and what start_server(start_serving=False) returns.
@type_check_only
class _Server(Protocol):
    async def serve_forever(self) -> None: ...
    def shutdown(self) -> None: ...

# A URL map entry: methods, pattern, handler, URL prefix, sub-app, and the
# mounted apps whose hooks apply to it (local=True).
_Route: TypeAlias = tuple[
    list[str], URLPattern, Callable[..., Any], str, Microdot | None, tuple[Microdot, ...]
]
_AfterRequest: TypeAlias = Callable[[Request, Response], Any]

#### Request

class Request:
    # limits, class-level (Request.max_content_length = ...)
    max_content_length: int
    max_body_length: int
    max_readline: int
    max_header_count: int
    max_header_bytes: int

    G: ClassVar[type[Any] | None]  # the class of request.g, made on first use

    app: Microdot
    client_addr: tuple[str, int] | None  # None when an adapter's server gives no address
    method: str
    scheme: str
    url: str
    path: str
    query_string: str | None
    http_version: str
    headers: NoCaseDict
    content_length: int
    content_type: str | None
    body: bytes
    url_prefix: str
    subapp: Microdot | None
    route: Callable[..., Any] | None
    url_args: dict[str, Any] | None
    sock: Any  # (stream, writer) of the connection
    body_framing: tuple[int, bool] | None
    body_source: Any
    after_request_handlers: Sequence[_AfterRequest]
    # made on first use
    args: MultiDict
    cookies: dict[str, str]
    json: Any
    form: MultiDict | dict[str, Any] | None  # a dict after with_form_data
    files: dict[str, FileUpload] | None
    stream: _Stream
    g: _G
    # set by the ASGI / WSGI adapters
    asgi_scope: dict[str, Any]
    environ: dict[str, Any]

    def __init__(
        self,
        app: Microdot,
        client_addr: tuple[str, int] | None,
        method: str,
        url: str,
        http_version: str,
        headers: dict[str, Any],
        body: bytes | None = None,
        stream: _Stream | None = None,
        sock: Any = None,
        url_prefix: str = '',
        subapp: Microdot | None = None,
        scheme: str | None = None,
        route: Callable[..., Any] | None = None,
    ) -> None: ...
    @staticmethod
    async def create(
        app: Microdot, client_reader: Any, client_writer: Any, client_addr: tuple[str, int] | None,
        scheme: str | None = None,
    ) -> Request | None: ...
    async def read_body(self) -> None: ...
    async def load_body(self, source: Any) -> None: ...
    def after_request(self, f: _F) -> _F: ...

#### Response

class Response:
    default_content_type: str
    default_send_file_max_age: int | None
    send_file_buffer_size: int
    types_map: dict[str, str]
    already_handled: ClassVar[Response]  # a response that writes nothing
    is_head: bool
    gzip_variant: tuple[str, Any] | None  # send_file(): a name.gz beside the file

    status_code: int
    headers: NoCaseDict
    reason: str | None
    # bytes, or a streaming body: a generator, an async iterator, a file
    body: Any

    def __init__(
        self,
        body: Any = b'',
        status_code: int = 200,
        headers: Mapping[str, Any] | None = None,
        reason: str | None = None,
    ) -> None: ...
    def complete(self) -> None: ...
    def header_items(self) -> list[tuple[str, str]]: ...
    def body_iter(self) -> _BodyChunks: ...
    async def write(self, stream: Any) -> None: ...
    def set_cookie(
        self,
        cookie: str,
        value: str,
        path: str | None = None,
        domain: str | None = None,
        expires: str | datetime | None = None,
        max_age: int | None = None,
        secure: bool = False,
        http_only: bool = False,
        partitioned: bool = False,
    ) -> None: ...
    def delete_cookie(self, cookie: str, **kwargs: Any) -> None: ...
    @classmethod
    def redirect(cls, location: str, status_code: int = 302) -> Response: ...
    @classmethod
    def send_file(
        cls,
        filename: str,
        status_code: int = 200,
        content_type: str | None = None,
        stream: Any = None,
        max_age: int | None = None,
        compressed: bool | str = False,
        file_extension: str = '',
        root: str | None = None,
    ) -> Response: ...

# the classmethods, bound to Response (as the package binds them)
redirect = Response.redirect
send_file = Response.send_file

#### URL patterns

class URLPattern:
    # type name -> (regex, parser or None)
    types: ClassVar[dict[str, tuple[str, Callable[[str], Any] | None]]]
    url_pattern: str
    regex: Pattern[str] | None
    args: list[tuple[str, Callable[[str], Any] | None]] | None
    def __init__(self, url_pattern: str) -> None: ...
    def compile(self) -> Pattern[str] | None: ...
    @classmethod
    def register_type(
        cls, type_name: str, pattern: str = '[^/]+', parser: Callable[[str], Any] | None = None
    ) -> None: ...
    def match(self, path: str) -> dict[str, Any] | None: ...

#### the application

def abort(status_code: int, reason: str | None = None) -> NoReturn: ...
def apply_preset(board: str) -> None: ...

class Microdot:
    # built-in server settings, class-level
    max_connections: int
    keepalive_timeout: float
    request_head_timeout: float
    body_timeout: float
    write_timeout: float
    listen_backlog: int
    heap_reserve: int
    max_tls_connections: int

    url_map: list[_Route]
    before_request_handlers: list[Callable[[Request], Any]]
    after_request_handlers: list[_AfterRequest]
    after_error_request_handlers: list[_AfterRequest]
    error_handlers: dict[int | type, Callable[..., Any]]
    options_handler: Callable[[Request], Mapping[str, Any]]
    debug: bool
    ssl: SSLContext | None
    server: _Server | None
    shutdown_requested: bool

    def __init__(self) -> None: ...
    def route(
        self, url_pattern: str, methods: list[str] | tuple[str, ...] | None = None
    ) -> Callable[[_F], _F]: ...
    def get(self, url_pattern: str) -> Callable[[_F], _F]: ...
    def post(self, url_pattern: str) -> Callable[[_F], _F]: ...
    def put(self, url_pattern: str) -> Callable[[_F], _F]: ...
    def patch(self, url_pattern: str) -> Callable[[_F], _F]: ...
    def delete(self, url_pattern: str) -> Callable[[_F], _F]: ...
    def query(self, url_pattern: str) -> Callable[[_F], _F]: ...
    def before_request(self, f: _F) -> _F: ...
    def after_request(self, f: _F) -> _F: ...
    def after_error_request(self, f: _F) -> _F: ...
    # a status code (f(request)) or an exception class (f(request, exc))
    def errorhandler(self, status_code_or_exception_class: int | type) -> Callable[[_F], _F]: ...
    def mount(self, subapp: Microdot, url_prefix: str = '', local: bool = False) -> None: ...
    @staticmethod
    def abort(status_code: int, reason: str | None = None) -> NoReturn: ...
    def find_route(self, req: Request) -> _Route | int: ...
    def default_options_handler(self, req: Request) -> dict[str, str]: ...
    async def dispatch_request(
        self, req: Request | None, error: Exception | None = None
    ) -> Response: ...
    async def handle_request(self, reader: Any, writer: Any) -> None: ...
    @overload
    async def start_server(
        self, host: str = '0.0.0.0', port: int = 5000, debug: bool = False,
        ssl: SSLContext | None = None, start_serving: Literal[True] = True,
    ) -> None: ...
    @overload
    async def start_server(
        self, host: str = '0.0.0.0', port: int = 5000, debug: bool = False,
        ssl: SSLContext | None = None, *, start_serving: Literal[False],
    ) -> _Server: ...
    @overload
    async def start_server(
        self, host: str = '0.0.0.0', port: int = 5000, debug: bool = False,
        ssl: SSLContext | None = None, start_serving: bool = True,
    ) -> _Server | None: ...
    def run(
        self, host: str = '0.0.0.0', port: int = 5000, debug: bool = False,
        ssl: SSLContext | None = None,
    ) -> None: ...
    def shutdown(self) -> None: ...
