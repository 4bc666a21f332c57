from collections.abc import Callable
from typing import Any, TypeVar

_F = TypeVar('_F', bound=Callable[..., Any])

# functools.wraps where there is none (MicroPython).
def wraps(wrapped: Callable[..., Any]) -> Callable[[_F], _F]: ...
