# microdot: a tiny web framework for MicroPython and CPython.
#
# This module is the application layer: URL patterns and the Microdot
# application (routes, hooks, error handlers, mounting, dispatch of one
# Request to one Response). Below it: structures (data structures and
# helpers) and messages (Request, Response). Loaded on first use: protocol
# and streams (parsing, framing), server (the asyncio HTTP/1.1 server),
# files, cookies. No network code lives here.
import asyncio
import re

from microdot.messages import Request, Response, decoded_path, \
    make_response
from microdot.structures import HTTPException, invoke_handler, \
    iscoroutine, iscoroutinefunction
from microdot.structures import MultiDict, NoCaseDict, urldecode, \
    urlencode  # noqa: F401 (the package's API)

__version__ = '2.7.1'
redirect = Response.redirect
send_file = Response.send_file


# Names loaded only when asked for (a module attribute costs RAM), and the
# public submodules: MicroPython asks here first for `from microdot import
# sse`. Only those names import anything, and a failed import is an
# AttributeError: MicroPython's dir() probes every name it knows here. (The
# names are a constant, in flash when frozen, not a global.)
def __getattr__(name):
    if name == 'AsyncBytesIO':
        from microdot.bodies import AsyncBytesIO
        return AsyncBytesIO
    if ' ' + name + ' ' in ' auth captive_dns cors csrf helpers jinja login ' \
            'microdot multipart ota presets session sse test_client ' \
            'utemplate websocket wifi ':
        try:
            __import__('microdot.' + name)
        except ImportError as exc:  # what it needs is missing: said so, and
            raise AttributeError('%s (%s)' % (name, exc))  # dir() goes on
        return globals()[name]
    raise AttributeError(name)


#### URL patterns

_REGEX_SPECIALS = '.^$*+?{}[]\\|()'


# A route's path pattern ('/users/<int:id>'), compiled once to a regex.
class URLPattern:
    # type name -> (regex, parser or None)
    types = {
        'string': ('[^/]+', None),
        'int': ('-?[0-9]+', int),
        'path': ('.+', None),
    }

    def __init__(self, url_pattern):
        self.url_pattern = url_pattern
        self.regex = None  # None: a static pattern, compared as a string
        self.args = None  # (name, parser) of each regex group, once compiled

    # Compiles the pattern (ValueError when it is invalid) and returns its
    # regex, None for a static pattern; match() does it on first use.
    def compile(self):
        url_pattern = self.url_pattern
        args = []
        if '<' in url_pattern or '>' in url_pattern:
            parts = []
            for segment in url_pattern.split('/'):
                if segment.startswith('<') and segment.endswith('>'):
                    parts.append(
                        '(' + self._argument(segment[1:-1], args) + ')')
                elif '<' in segment or '>' in segment:
                    raise ValueError('invalid URL pattern: ' + url_pattern)
                else:
                    parts.append(''.join('\\' + c if c in _REGEX_SPECIALS
                                         else c for c in segment))
            self.regex = re.compile('^' + '/'.join(parts) + '$')
        self.args = args
        return self.regex

    # Adds one '<type:name>' argument to args and returns its regex.
    def _argument(self, spec, args):
        if spec.startswith('re:'):
            i = spec.rfind(':')
            if i <= 2:
                raise ValueError('invalid URL pattern: ' + self.url_pattern)
            pattern, parser, name = spec[3:i], None, spec[i + 1:]
        else:
            i = spec.find(':')
            type_name, name = (spec[:i], spec[i + 1:]) if i >= 0 \
                else ('string', spec)
            if type_name not in self.types:
                raise ValueError('unknown URL type: ' + type_name)
            pattern, parser = self.types[type_name]
        if not name:
            raise ValueError('invalid URL pattern: ' + self.url_pattern)
        args.append((name, parser))
        return pattern

    @classmethod
    def register_type(cls, type_name, pattern='[^/]+', parser=None):
        cls.types = dict(cls.types)
        cls.types[type_name] = (pattern, parser)

    # The URL arguments as a dict when path matches, else None.
    def match(self, path):
        if self.args is None:
            self.compile()
        if self.regex is None:
            return {} if path == self.url_pattern else None
        g = self.regex.match(path)
        if g is None:
            return None
        args = {}
        i = 1
        for name, parser in self.args:
            value = g.group(i)
            i += 1
            if parser is not None:
                try:
                    value = parser(value)
                except ValueError:
                    return None
                if value is None:
                    return None
            args[name] = value
        return args

    def __repr__(self):
        return 'URLPattern(%r)' % self.url_pattern


#### the application

def abort(status_code, reason=None):
    raise HTTPException(status_code, reason)


class Microdot:
    # Built-in server settings (class-level; an app may override them).
    max_connections = 32  # over it, the longest-idle connection is dropped
    keepalive_timeout = 10  # seconds an idle keep-alive connection may wait
    request_head_timeout = 10  # seconds to receive a whole request head
    body_timeout = 10  # seconds a body read may wait for the next bytes
    write_timeout = 10  # seconds a client may take to accept response bytes
    listen_backlog = 64  # connections the OS queues (clients awaiting a turn)
    heap_reserve = 2048  # MicroPython: free heap to admit one more connection
    max_tls_connections = 4  # MicroPython: TLS connections at once (then wait)

    def __init__(self):
        # (methods, URLPattern, handler, url_prefix, subapp, local_apps)
        self.url_map = []
        self.before_request_handlers = []
        self.after_request_handlers = []
        self.after_error_request_handlers = []
        self.error_handlers = {}
        self.options_handler = self.default_options_handler
        self.debug = False
        self.ssl = None
        self.server = None
        self.shutdown_requested = False

    #### registration

    # (Patterns are compiled here, so an invalid one fails at startup.)
    def route(self, url_pattern, methods=None):
        def decorated(f):
            pattern = URLPattern(url_pattern)
            pattern.compile()
            self.url_map.append((
                [m.upper() for m in methods or ('GET',)], pattern, f, '', None,
                ()))
            return f
        return decorated

    def query(self, url_pattern):
        return self.route(url_pattern, ('QUERY',))

    def get(self, url_pattern):
        return self.route(url_pattern, ('GET',))

    def post(self, url_pattern):
        return self.route(url_pattern, ('POST',))

    def put(self, url_pattern):
        return self.route(url_pattern, ('PUT',))

    def patch(self, url_pattern):
        return self.route(url_pattern, ('PATCH',))

    def delete(self, url_pattern):
        return self.route(url_pattern, ('DELETE',))

    def before_request(self, f):
        self.before_request_handlers.append(f)
        return f

    def after_request(self, f):
        self.after_request_handlers.append(f)
        return f

    def after_error_request(self, f):
        self.after_error_request_handlers.append(f)
        return f

    def errorhandler(self, status_code_or_exception_class):
        def decorated(f):
            self.error_handlers[status_code_or_exception_class] = f
            return f
        return decorated

    # Copies subapp's routes under url_prefix; with local=True its hooks and
    # error handlers apply to its own routes only.
    def mount(self, subapp, url_prefix='', local=False):
        for methods, pattern, handler, prefix, sub, local_apps in \
                subapp.url_map:
            self.url_map.append((
                methods, URLPattern(url_prefix + pattern.url_pattern),
                handler, url_prefix + prefix, sub or subapp,
                (subapp,) + local_apps if local else local_apps))
        if not local:
            self.before_request_handlers += subapp.before_request_handlers
            self.after_request_handlers += subapp.after_request_handlers
            self.after_error_request_handlers += \
                subapp.after_error_request_handlers
            self.error_handlers.update(subapp.error_handlers)

    abort = staticmethod(abort)

    #### dispatch

    # The url_map entry for req, else 404, or 405 when a pattern matches
    # with no route for the method.
    def find_route(self, req):
        method = 'GET' if req.method == 'HEAD' else req.method
        path = decoded_path(req)
        found = 404
        for entry in self.url_map:
            args = entry[1].match(path)
            if args is None:
                continue
            if method in entry[0]:
                req.url_args = args
                return entry
            found = 405
        return found

    # The automatic OPTIONS answer: headers listing the allowed methods.
    def default_options_handler(self, req):
        from microdot.errors import allowed_methods
        return allowed_methods(self, req)

    # The Response for req. error: what a frontend met before the request
    # was whole (a RequestError; req is None when no request could be
    # formed), answered by the error handlers and after-error hooks.
    async def dispatch_request(self, req, error=None):
        local_apps = ()
        try:
            if error is not None or req is None:
                raise error or HTTPException(400, 'Bad request')
            if req.content_length > req.max_content_length:
                raise HTTPException(413, 'Payload too large')
            entry = self.find_route(req)
            if entry == 405 and req.method == 'OPTIONS':
                entry = (None, None, self._options, '', None, ())
                req.url_args = {}
            elif entry == 405:  # the first matching route's apps answer
                from microdot.errors import matching_routes
                local_apps = matching_routes(self, req)[0][5]
                raise HTTPException(405, 'Method not allowed')
            elif entry == 404:
                raise HTTPException(404, 'Not found')
            handler = entry[2]
            req.route = handler
            req.url_prefix = entry[3]
            req.subapp = entry[4]
            local_apps = entry[5]
            apps = (self,) + local_apps if local_apps else (self,)
            res = None
            for app in apps:  # the outer app's hooks first
                for hook in app.before_request_handlers:
                    res = await invoke_handler(hook, req)
                    if res is not None:
                        break
                if res is not None:
                    break
            if res is None:
                if iscoroutinefunction is None or \
                        iscoroutinefunction(handler):  # saves a frame
                    res = handler(req, **req.url_args) if req.url_args \
                        else handler(req)
                    if iscoroutine(res):
                        res = await res
                else:
                    res = await invoke_handler(handler, req, **req.url_args)
            res = make_response(res)
            for app in reversed(apps):  # a mounted app's hooks first
                for hook in app.after_request_handlers:
                    res = make_response(
                        await invoke_handler(hook, req, res) or res)
            for hook in req.after_request_handlers:
                res = make_response(
                    await invoke_handler(hook, req, res) or res)
        except Exception as exc:
            from microdot.errors import error_response
            res = await error_response(self, req, exc, local_apps)
        if req is None:
            res.complete()
            return res
        if res is Response.already_handled:
            return res
        if req._g_made and getattr(req.g, '_vary', None):
            from microdot.vary import merge_vary
            merge_vary(res.headers, req.g._vary)
        if req.method == 'HEAD':
            res.is_head = True
        if res.gzip_variant is not None:
            from microdot.files import use_gzip_variant
            use_gzip_variant(req, res)
        if res.status_code == 200 and 'If-None-Match' in req.headers and \
                req.method in ('GET', 'HEAD'):
            from microdot.files import check_not_modified
            check_not_modified(req, res)
        res.complete()
        return res

    # The automatic OPTIONS answer (async: it runs on the loop).
    async def _options(self, req):
        return Response(headers=self.options_handler(req))

    #### serving

    async def handle_request(self, reader, writer):
        from microdot.server import Server
        server = self.server or Server(self)
        await server.serve_connection(reader, writer)

    # start_serving=False (CPython): the listening socket is made, and the
    # server is returned at once; `await server.serve_forever()` serves.
    async def start_server(self, host='0.0.0.0', port=5000, debug=False,
                           ssl=None, start_serving=True):
        from microdot.server import Server
        self.debug = debug
        self.ssl = ssl
        self.shutdown_requested = False
        self.server = server = Server(self)
        try:
            await server.open(host, port, ssl, start_serving)
        except BaseException:
            self.server = None
            raise
        if not start_serving:
            return server
        try:
            await server.run()
        finally:
            self.server = None

    def run(self, host='0.0.0.0', port=5000, debug=False, ssl=None):
        try:
            asyncio.run(self.start_server(host, port, debug, ssl))
        except KeyboardInterrupt:
            pass

    # Stops the server: in-flight responses finish, idle connections close.
    def shutdown(self):
        self.shutdown_requested = True
        if self.server is not None:
            self.server.shutdown()


# Applies a board's server settings (microdot/presets.py) to the Microdot,
# Request and Response classes; with no board, the firmware's own (a frozen
# microdot_preset module names it; stock firmware has none). The preset's
# modules are not kept: the heap a board has left is the app's.
def apply_preset(board):
    import sys
    if board is None:
        try:
            board = __import__('microdot_preset').BOARD
        except ImportError:
            return
    from microdot.presets import preset
    for name, value in preset(board).items():
        for cls in (Microdot, Request, Response):
            if hasattr(cls, name):
                setattr(cls, name, value)
    sys.modules.pop('microdot_preset', None)
    sys.modules.pop('microdot.presets', None)
    globals().pop('presets', None)  # (the package's attribute for it)


apply_preset(None)
