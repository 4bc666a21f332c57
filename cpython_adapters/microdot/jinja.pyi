from collections.abc import AsyncIterator, Iterator
from typing import Any

from jinja2 import Environment, Template as JinjaTemplate

# Templates rendered by Jinja2.
class Template:
    jinja_env: Environment | None
    name: str
    template: JinjaTemplate
    # keyword arguments go to jinja2.Environment
    @classmethod
    def initialize(
        cls, template_dir: str = 'templates', enable_async: bool = False, **kwargs: Any
    ) -> None: ...
    # keyword arguments go to Environment.get_template
    def __init__(self, template: str, **kwargs: Any) -> None: ...
    def generate(self, *args: Any, **kwargs: Any) -> Iterator[str]: ...
    def render(self, *args: Any, **kwargs: Any) -> str: ...
    def generate_async(self, *args: Any, **kwargs: Any) -> AsyncIterator[str]: ...
    async def render_async(self, *args: Any, **kwargs: Any) -> str: ...
