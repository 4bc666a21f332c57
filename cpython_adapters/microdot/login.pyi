from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from typing_extensions import Concatenate, ParamSpec

from microdot import Request, Response

_F = TypeVar('_F', bound=Callable[..., Any])
_P = ParamSpec('_P')

class Login:
    id_attribute: str
    remember_cookie_name: str
    remember_days: float
    login_url: str
    # f(user_id) returns the user, or None (sync or async)
    user_loader_callback: Callable[[Any], Any] | None
    def __init__(self, login_url: str = '/login') -> None: ...
    def user_loader(self, f: _F) -> _F: ...
    # remember: True, or a number of days
    async def login_user(
        self, request: Request, user: Any, remember: bool | float = False, redirect_url: str = '/'
    ) -> Response: ...
    async def logout_user(self, request: Request) -> None: ...
    async def get_current_user(self, request: Request) -> Any: ...
    def __call__(
        self, f: Callable[Concatenate[Request, _P], Any]
    ) -> Callable[Concatenate[Request, _P], Coroutine[Any, Any, Any]]: ...
    def fresh(
        self, f: Callable[Concatenate[Request, _P], Any]
    ) -> Callable[Concatenate[Request, _P], Coroutine[Any, Any, Any]]: ...
