# The Microdot application: routes, hooks, error handlers, mounting and
# dispatch of one Request to one Response. No network code lives here.
import asyncio

from microdot.protocol import HTTPException, RequestError
from microdot.response import Response, iscoroutine
from microdot.routing import URLPattern
from microdot.structures import urldecode

try:  # CPython: sync handlers run in threads so they don't block the loop
    from inspect import iscoroutinefunction as _iscoroutinefunction  # pyright: ignore[reportMissingImports]

    def iscoroutinefunction(f):
        code = getattr(f, '__code__', None)  # fast path for plain functions
        if code is not None:
            return code.co_flags & 0x180  # CO_COROUTINE | CO_ITERABLE_COROUTINE
        return _iscoroutinefunction(f)
except ImportError:  # MicroPython: they run inline
    iscoroutinefunction = None

try:
    from sys import print_exception  # pyright: ignore[reportAttributeAccessIssue]
except ImportError:  # CPython
    import traceback  # pyright: ignore[reportMissingImports]

    def print_exception(exc):
        traceback.print_exception(type(exc), exc, exc.__traceback__)

DEFAULT_BODIES = {
    400: 'Bad request',
    404: 'Not found',
    405: 'Method not allowed',
    413: 'Payload too large',
    500: 'Internal server error',
}


def abort(status_code, reason=None):
    raise HTTPException(status_code, reason)


# Calls a hook or handler, awaiting it when it is async.
async def invoke_handler(handler, *args, **kwargs):
    if iscoroutinefunction is None or iscoroutinefunction(handler):
        ret = handler(*args, **kwargs)
    else:
        loop = asyncio.get_running_loop()  # pyright: ignore[reportAttributeAccessIssue]
        ret = await loop.run_in_executor(
            None, lambda: handler(*args, **kwargs))
    if iscoroutine(ret):
        ret = await ret
    return ret


# Turns whatever a handler returned into a Response.
def make_response(ret):
    if isinstance(ret, Response):
        return ret
    if isinstance(ret, tuple):
        if len(ret) == 3:
            return Response(ret[0], ret[1], ret[2])
        if len(ret) == 2:
            if isinstance(ret[1], int):
                return Response(ret[0], ret[1])
            if isinstance(ret[0], int):
                return Response(b'', ret[0], ret[1])
            return Response(ret[0], headers=ret[1])
        return Response(*ret)
    if isinstance(ret, int) and not isinstance(ret, bool):
        return Response(b'', ret)
    return Response(ret)


class Microdot:
    # Built-in server settings (class-level; an app may override them).
    max_connections = 32  # over it, the longest-idle connection is dropped
    keepalive_timeout = 10  # seconds an idle keep-alive connection may wait
    request_head_timeout = 10  # seconds to receive a whole request head
    body_timeout = 10  # seconds a body read may wait for the next bytes
    write_timeout = 10  # seconds a client may take to accept response bytes
    listen_backlog = 16  # pending connections the OS may queue
    heap_reserve = 2048  # MicroPython: free heap bytes a request needs to start

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

    def route(self, url_pattern, methods=None):
        def decorated(f):
            self.url_map.append((
                [m.upper() for m in methods or ('GET',)],
                URLPattern(url_pattern), f, '', None, ()))
            return f
        return decorated

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

    # The url_map entry for req, or 404/405 when there is none.
    def find_route(self, req):
        method = 'GET' if req.method == 'HEAD' else req.method
        path = req.path
        if '%' in path:
            try:
                path = urldecode(path, False)
            except ValueError:
                raise RequestError(400, 'Bad URL encoding')
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

    # The local apps of the first route whose pattern matches req's path
    # (for a 405, which no route's method matched).
    def _local_apps(self, req):
        path = urldecode(req.path, False) if '%' in req.path else req.path
        for entry in self.url_map:
            if entry[1].match(path) is not None:
                return entry[5]
        return ()

    # The automatic OPTIONS answer: headers listing the allowed methods.
    def default_options_handler(self, req):
        allow = []
        path = urldecode(req.path, False) if '%' in req.path else req.path
        for entry in self.url_map:
            if entry[1].match(path) is not None:
                for method in entry[0]:
                    if method not in allow:
                        allow.append(method)
        if 'GET' in allow and 'HEAD' not in allow:
            allow.append('HEAD')
        if 'OPTIONS' not in allow:
            allow.append('OPTIONS')
        return {'Allow': ', '.join(allow)}

    # The Response for req. error: what a frontend met before the request
    # was whole (a RequestError; req is None when no request could be
    # formed), answered by the error handlers and after-error hooks.
    async def dispatch_request(self, req, error=None):
        local_apps = ()
        try:
            if error is not None or req is None:
                raise error or RequestError(400)
            if req.content_length > req.max_content_length:
                raise HTTPException(413, DEFAULT_BODIES[413])
            entry = self.find_route(req)
            if entry == 405 and req.method == 'OPTIONS':
                entry = (None, None, self._automatic_options, '', None, ())
                req.url_args = {}
            elif entry == 405:
                local_apps = self._local_apps(req)
                raise HTTPException(405, DEFAULT_BODIES[405])
            elif entry == 404:
                raise HTTPException(404, DEFAULT_BODIES[404])
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
                res = make_response(await invoke_handler(hook, req, res) or res)
        except Exception as exc:
            res = await self._error_response(req, exc, local_apps)
            if res.status_code == 405 and req is not None and \
                    'Allow' not in res.headers:
                res.headers.update(self.default_options_handler(req))
            for app in reversed((self,) + local_apps):
                for hook in app.after_error_request_handlers:
                    res = make_response(
                        await invoke_handler(hook, req, res) or res)
        if req is None:
            res.complete()
            return res
        if res is Response.already_handled:
            return res
        if req.method == 'HEAD':
            res.is_head = True
        self._check_not_modified(req, res)
        res.complete()
        return res

    async def _automatic_options(self, req):
        return Response(headers=self.options_handler(req))

    # Finds the error handler for an exception: the innermost local app
    # first, by exact class then up the class hierarchy, then by status.
    def _find_error_handler(self, key, local_apps):
        i = len(local_apps)
        while i > 0:
            i -= 1
            handler = local_apps[i].error_handlers.get(key)
            if handler is not None:
                return handler
        return self.error_handlers.get(key)

    async def _error_response(self, req, exc, local_apps):
        try:
            if not isinstance(exc, HTTPException):
                classes = [type(exc)]
                while classes:
                    cls = classes.pop(0)
                    handler = self._find_error_handler(cls, local_apps)
                    if handler is not None:
                        return make_response(
                            await invoke_handler(handler, req, exc))
                    classes += [b for b in cls.__bases__ if b is not object]
            if isinstance(exc, (HTTPException, RequestError)):
                status, reason = exc.status_code, exc.reason
            elif isinstance(exc, MemoryError):
                raise exc  # load, not a bug: the server answers 503
            else:
                print_exception(exc)
                status, reason = 500, DEFAULT_BODIES[500]
            handler = self._find_error_handler(status, local_apps)
            if handler is not None:
                return make_response(await invoke_handler(handler, req))
            return Response(reason, status)
        except Exception as exc2:
            if isinstance(exc2, MemoryError):
                raise exc2
            if not isinstance(exc2, (HTTPException, RequestError)):
                print_exception(exc2)
                return Response(DEFAULT_BODIES[500], 500)
            return Response(exc2.reason, exc2.status_code)

    # Conditional GET: a matching If-None-Match turns 200 into 304.
    def _check_not_modified(self, req, res):
        if res.status_code != 200 or req.method not in ('GET', 'HEAD'):
            return
        match = req.headers.get('If-None-Match')  # usually absent: done
        if match is None:
            return
        etag = res.headers.get('ETag')
        if etag is None:
            return
        if match.strip() != '*' and etag not in \
                [m.strip() for m in match.split(',')]:
            return
        body = res.body
        if hasattr(body, 'close'):
            body.close()
        res.status_code = 304  # Content-Length stays: the 200's length
        res.body = b''

    #### serving

    async def handle_request(self, reader, writer):
        from microdot.server import Server
        server = self.server or Server(self)
        await server.serve_connection(reader, writer)

    # start_serving=False (CPython): the listening socket is made but takes
    # no connection until `await app.server.listener.start_serving()`.
    async def start_server(self, host='0.0.0.0', port=5000, debug=False,
                           ssl=None, start_serving=True):
        from microdot.server import Server
        self.debug = debug
        self.ssl = ssl
        self.shutdown_requested = False
        self.server = Server(self)
        try:
            await self.server.serve(host, port, ssl, start_serving)
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
