from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from typing_extensions import Concatenate, ParamSpec

from microdot import Request

_F = TypeVar('_F', bound=Callable[..., Any])
_P = ParamSpec('_P')

class BaseAuth:
    # the credentials' check: returns the user, or None (sync or async)
    auth_callback: Callable[..., Any] | None
    # answers refused requests: f(request)
    error_callback: Callable[[Request], Any] | None
    def __init__(self) -> None: ...
    def authenticate(self, f: _F) -> _F: ...
    def errorhandler(self, f: _F) -> _F: ...
    # the route requires authentication; request.g.current_user is the user
    def __call__(
        self, f: Callable[Concatenate[Request, _P], Any]
    ) -> Callable[Concatenate[Request, _P], Coroutine[Any, Any, Any]]: ...
    # authentication is tried; request.g.current_user is None without it
    def optional(
        self, f: Callable[Concatenate[Request, _P], Any]
    ) -> Callable[Concatenate[Request, _P], Coroutine[Any, Any, Any]]: ...

# authenticate: f(request, username, password)
class BasicAuth(BaseAuth):
    realm: str
    charset: str
    scheme: str
    error_status: int
    def __init__(
        self, realm: str = 'Please login', charset: str = 'UTF-8', scheme: str = 'Basic',
        error_status: int = 401,
    ) -> None: ...

# authenticate: f(request, token)
class TokenAuth(BaseAuth):
    header: str
    scheme: str
    error_status: int
    def __init__(
        self, header: str = 'Authorization', scheme: str = 'Bearer', error_status: int = 401
    ) -> None: ...
