# Updates of the app over HTTP, for boards.
from collections.abc import Callable
from typing import Any

from microdot import Microdot, Request
from microdot.auth import BaseAuth

# Adds the update routes under url_prefix; auth is a microdot.auth object or
# a verify(request) callback; restart runs after an update (default: reset).
def OTA(
    app: Microdot,
    auth: BaseAuth | Callable[[Request], Any],
    url_prefix: str = '/ota',
    app_dir: str | None = None,
    max_size: int = 262144,
    restart: Callable[[], Any] | None = None,
) -> None: ...
# Finishes what a power cut interrupted.
def recover(app_dir: str) -> None: ...
# Brings back the files the last update replaced; False when there is none.
def rollback(app_dir: str) -> bool: ...
