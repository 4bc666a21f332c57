from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from typing_extensions import Concatenate, ParamSpec

from microdot import Microdot, Request

_P = ParamSpec('_P')

# The Session of the request's app (or of the sub-app that routed it).
def session_manager(request: Request) -> Session: ...

class SessionDict(dict[str, Any]):
    request: Request
    def __init__(self, request: Request, session_dict: Mapping[str, Any]) -> None: ...
    def save(self) -> None: ...
    def delete(self) -> None: ...

# A signed cookie (an HS256 JWT) named cookie_name.
class Session:
    cookie_name: str
    secret_key: str | bytes | None
    cookie_options: dict[str, Any] | None
    def __init__(
        self, app: Microdot | None = None, secret_key: str | bytes | None = None,
        cookie_options: dict[str, Any] | None = None,
    ) -> None: ...
    def initialize(
        self, app: Microdot | None = None, secret_key: str | bytes | None = None,
        cookie_options: dict[str, Any] | None = None,
    ) -> None: ...
    def get(self, request: Request) -> SessionDict: ...
    def update(self, request: Request, session: Mapping[str, Any]) -> None: ...
    def delete(self, request: Request) -> None: ...
    def encode(self, payload: Mapping[str, Any], secret_key: str | bytes | None = None) -> str: ...
    # the payload of a valid token, else None
    def decode(
        self, session: str | bytes, secret_key: str | bytes | None = None
    ) -> dict[str, Any] | None: ...

# The handler gets the session: f(request, session, *args, **kwargs).
def with_session(
    f: Callable[Concatenate[Request, SessionDict, _P], Any],
) -> Callable[Concatenate[Request, _P], Coroutine[Any, Any, Any]]: ...
