from collections.abc import Callable, Coroutine
from typing import Any, BinaryIO

from typing_extensions import Concatenate, ParamSpec

from microdot import Request

_P = ParamSpec('_P')

class FileUpload:
    max_memory_size: int  # larger files go to a temporary file
    filename: str
    content_type: str | None
    # source: the FormDataIter streaming the part, bytes, or a temporary file's path
    def __init__(
        self, filename: str, content_type: str | None, source: FormDataIter | bytes | str
    ) -> None: ...
    async def read(self, n: int = -1) -> bytes: ...
    async def save(self, path_or_file: str | BinaryIO) -> None: ...
    async def copy(self, max_memory_size: int | None = None) -> FileUpload: ...
    async def close(self) -> None: ...

# async for name, value in FormDataIter(request): value is a str, or a
# FileUpload valid until the next part.
class FormDataIter:
    buffer_size: int
    max_header_line: int
    max_header_count: int
    max_parts: int
    stream: Any
    delimiter: bytes
    buf: bytes
    state: int
    current: FileUpload | None
    parts: int
    def __init__(self, request: Request) -> None: ...
    def __aiter__(self) -> FormDataIter: ...
    async def __anext__(self) -> tuple[str, str | FileUpload]: ...

# Fills request.form and request.files before the handler runs.
def with_form_data(
    f: Callable[Concatenate[Request, _P], Any],
) -> Callable[Concatenate[Request, _P], Coroutine[Any, Any, Any]]: ...
