"""The applications the adapter tests serve: one set of routes, built on the ASGI and on the
WSGI ``Microdot`` class. Server processes import ``asgi_app``, ``wsgi_app`` etc. from here."""

import asyncio
import hashlib
import os
import threading
import time
from wsgiref.validate import validator

from microdot import Request, Response, abort, redirect
from microdot import asgi, wsgi
from microdot.sse import with_sse
from microdot.websocket import with_websocket

# Large uploads are streamed through request.stream; allow them.
Request.max_content_length = int(os.environ.get('ADAPTER_MAX_CONTENT_LENGTH',
                                                64 * 1024 * 1024))

LIFESPAN_LOG = os.environ.get('ADAPTER_LIFESPAN_LOG')

closed_streams = set()  # ids of streamed bodies whose generator was closed
_closed_lock = threading.Lock()


def _log_lifespan(line):
    if LIFESPAN_LOG:
        with open(LIFESPAN_LOG, 'a') as f:
            f.write(line + '\n')


async def lifespan_startup(scope):
    _log_lifespan('startup %s %s' % (scope['type'], 'asgi' in scope))


async def lifespan_shutdown(scope):
    _log_lifespan('shutdown %s' % scope['type'])


async def failing_startup(scope):
    raise RuntimeError('database unreachable')


def build(app):
    @app.before_request
    def tag_request(request):
        request.g.tagged = True

    @app.after_request
    def add_header(request, response):
        response.headers['X-After'] = 'yes'

    @app.route('/')
    async def index(request):
        return 'Hello, world!'

    @app.route('/sync')
    def sync_handler(request):
        return 'sync ' + str(request.g.tagged)

    @app.route('/user/<int:uid>/<path:rest>')
    async def user(request, uid, rest):
        return {'uid': uid, 'rest': rest}

    @app.route('/café')
    async def cafe(request):
        return {'path': request.path, 'url': request.url}

    @app.route('/args')
    async def args(request):
        return {'a': request.args.getlist('a'), 'b': request.args.get('b'),
                'query_string': request.query_string}

    @app.route('/echo', methods=['POST', 'PUT'])
    async def echo(request):
        return {'body': request.body.decode('latin-1'),
                'json': request.json,
                'form': {k: request.form.get(k) for k in ('name', 'v')}
                if request.form is not None else None,
                'content_length': request.content_length,
                'method': request.method}

    @app.route('/headers')
    async def headers(request):
        return {'x-name': request.headers.get('X-Name'),
                'host': request.headers.get('Host'),
                'cookies': request.cookies,
                'client': list(request.client_addr) if request.client_addr else None,
                'scheme': request.scheme,
                'http_version': request.http_version}

    @app.route('/cookies')
    async def cookies(request):
        response = Response('cookies')
        response.set_cookie('one', '1')
        response.set_cookie('two', '2', http_only=True)
        return response

    @app.route('/redirect')
    async def go(request):
        return redirect('/')

    @app.route('/forbidden')
    async def forbidden(request):
        abort(403, 'nope')

    @app.route('/boom')
    async def boom(request):
        raise RuntimeError('boom')

    @app.route('/tuple')
    async def tuple_response(request):
        return 'created', 201, {'X-Thing': 'yes'}

    @app.route('/nothing')
    async def nothing(request):
        return None

    @app.route('/unsafe-header')
    async def unsafe(request):
        return 'x', {'X-Bad': 'a\r\nInjected: yes'}

    @app.route('/non-latin1-header')
    async def non_latin1(request):
        return 'x', {'X-Name': 'naïve ☃'}

    @app.route('/stream')
    async def stream(request):
        async def generate():
            for i in range(3):
                yield 'chunk%d;' % i
                await asyncio.sleep(0.2)
        return generate()

    @app.route('/sync-stream')
    def sync_stream(request):
        def generate():
            for i in range(3):
                yield b'part%d;' % i
        return generate()

    @app.route('/infinite/<sid>')
    async def infinite(request, sid):
        async def generate():
            try:
                while True:
                    yield b'x' * 1024
                    await asyncio.sleep(0.02)
            finally:
                with _closed_lock:
                    closed_streams.add(sid)
        return generate()

    @app.route('/closed/<sid>')
    async def closed(request, sid):
        return {'closed': sid in closed_streams}

    @app.route('/upload', methods=['POST'])
    async def upload(request):
        digest = hashlib.sha256()
        size = 0
        if request.stream is not None:
            while True:
                chunk = await request.stream.read(65536)
                if not chunk:
                    break
                digest.update(chunk)
                size += len(chunk)
        return {'size': size, 'sha256': digest.hexdigest(),
                'in_body': len(request.body) > 0}

    @app.route('/sse')
    @with_sse
    async def events(request, sse):
        for i in range(3):
            await sse.send({'n': i}, event='tick')
        await sse.send('bye')

    @app.route('/ws')
    @with_websocket
    async def ws_echo(request, ws):
        while True:
            data = await ws.receive()
            await ws.send(data)

    @app.route('/ws-once')
    @with_websocket
    async def ws_once(request, ws):
        await ws.send('only %s' % request.args.get('x'))

    @app.route('/loop')
    async def loop_info(request):
        await asyncio.sleep(0.2)
        return {'thread': threading.get_ident(),
                'loop': id(asyncio.get_running_loop())}

    @app.route('/slow-sync')
    def slow_sync(request):
        time.sleep(0.1)
        return {'thread': threading.get_ident()}

    # (also at /api/server: what a server mounting the app at /api routes to by default)
    @app.route('/server')
    @app.route('/api/server')
    async def server_info(request):
        scope = getattr(request, 'asgi_scope', None)
        environ = getattr(request, 'environ', None)
        return {
            'asgi_type': scope['type'] if scope else None,
            'root_path': scope.get('root_path') if scope else None,
            'wsgi_version': list(environ['wsgi.version']) if environ else None,
            'script_name': environ.get('SCRIPT_NAME') if environ else None,
            'path': request.path,
            'url': request.url,
        }

    @app.route('/shutdown')
    async def shutdown(request):
        request.app.shutdown()
        return 'bye'

    return app


asgi_app = build(asgi.Microdot(lifespan_startup=lifespan_startup,
                               lifespan_shutdown=lifespan_shutdown))
asgi_failing_app = build(asgi.Microdot(lifespan_startup=failing_startup))
wsgi_app = build(wsgi.Microdot())
wsgi_validated_app = validator(wsgi_app)
# routes relative to root_path / SCRIPT_NAME
asgi_mount_relative_app = build(asgi.Microdot(mount_relative=True))
wsgi_mount_relative_app = build(wsgi.Microdot(mount_relative=True))
