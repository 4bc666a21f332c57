# Templates from the utemplate package, compiled to Python generators.
#
# utemplate turns each template into a generator function that yields the
# rendered text piece by piece, so a page can be streamed without being built
# in memory. The default loader (utemplate.recompile) compiles a template the
# first time it is used and again when its source changes; a board can ship
# precompiled templates and use utemplate.compiled.Loader instead.


# An async iterator over a template's pieces, usable as a streaming body.
class _AsyncPieces:
    def __init__(self, pieces):
        self.pieces = pieces

    def __aiter__(self):
        return self

    async def __anext__(self):
        try:
            return next(self.pieces)
        except StopIteration:
            raise StopAsyncIteration

    async def aclose(self):
        self.pieces.close()


class Template:
    template_dir = 'templates'
    loader = None

    # Sets the template folder and the utemplate loader class (by default
    # utemplate.recompile.Loader, imported only when no class is given).
    @classmethod
    def initialize(cls, template_dir='templates', loader_class=None):
        if loader_class is None:
            from utemplate import recompile  # pyright: ignore[reportMissingImports]
            loader_class = recompile.Loader
        cls.template_dir = template_dir
        cls.loader = loader_class(None, template_dir)

    def __init__(self, template, **kwargs):
        if Template.loader is None:
            Template.initialize()
        self.name = template
        self.template = Template.loader.load(template)

    # A generator of the rendered pieces.
    def generate(self, *args, **kwargs):
        return self.template(*args, **kwargs)

    # The whole rendered text.
    def render(self, *args, **kwargs):
        return ''.join(self.generate(*args, **kwargs))

    # An async iterator of the rendered pieces.
    def generate_async(self, *args, **kwargs):
        return _AsyncPieces(self.generate(*args, **kwargs))

    async def render_async(self, *args, **kwargs):
        return self.render(*args, **kwargs)
