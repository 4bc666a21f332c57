from collections.abc import Callable, Iterable, Mapping
from typing import Any

from microdot import Microdot, Request, Response

class CORS:
    # '*', one origin, or a list of them
    allowed_origins: str | Iterable[str] | None
    allow_credentials: bool
    allowed_methods: str | Iterable[str] | None
    expose_headers: str | Iterable[str] | None
    allowed_headers: str | Iterable[str] | None
    max_age: int | None
    default_options_handler: Callable[[Request], Mapping[str, Any]] | None
    def __init__(
        self,
        app: Microdot | None = None,
        allowed_origins: str | Iterable[str] | None = None,
        allow_credentials: bool = False,
        allowed_methods: str | Iterable[str] | None = None,
        expose_headers: str | Iterable[str] | None = None,
        allowed_headers: str | Iterable[str] | None = None,
        max_age: int | None = None,
        handle_cors: bool = True,
    ) -> None: ...
    def initialize(self, app: Microdot, handle_cors: bool = True) -> None: ...
    def origin_allowed(self, origin: str | None) -> bool: ...
    def get_cors_headers(self, request: Request) -> dict[str, str]: ...
    def options_handler(self, request: Request) -> dict[str, str]: ...
    def after_request(self, request: Request, response: Response) -> Response: ...
