# Templates rendered by Jinja2 (CPython only).
#
# Template.initialize() builds one Jinja2 Environment for the app, loading
# templates from a folder and escaping HTML and XML templates by their
# extension. With enable_async=True, render_async() and generate_async() let
# templates await coroutines; otherwise they render synchronously.
from jinja2 import Environment, FileSystemLoader, select_autoescape


class Template:
    jinja_env = None

    # Creates the Environment; extra keyword arguments go to Environment.
    @classmethod
    def initialize(cls, template_dir='templates', enable_async=False,
                   **kwargs):
        if 'autoescape' not in kwargs:
            kwargs['autoescape'] = select_autoescape()
        cls.jinja_env = Environment(loader=FileSystemLoader(template_dir),
                                    enable_async=enable_async, **kwargs)

    # Keyword arguments go to Environment.get_template (parent, globals).
    def __init__(self, template, **kwargs):
        if Template.jinja_env is None:
            Template.initialize()
        self.name = template
        self.template = Template.jinja_env.get_template(template, **kwargs)

    def generate(self, *args, **kwargs):
        return self.template.generate(*args, **kwargs)

    def render(self, *args, **kwargs):
        return self.template.render(*args, **kwargs)

    def generate_async(self, *args, **kwargs):
        if self.template.environment.is_async:
            return self.template.generate_async(*args, **kwargs)
        return _async_iter(self.template.generate(*args, **kwargs))

    async def render_async(self, *args, **kwargs):
        if self.template.environment.is_async:
            return await self.template.render_async(*args, **kwargs)
        return self.template.render(*args, **kwargs)


async def _async_iter(pieces):
    for piece in pieces:
        yield piece
