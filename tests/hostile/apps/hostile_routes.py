# Routes of the hostile-input test application, shared by the built-in
# server run (hostile_app.py, CPython and MicroPython) and the ASGI/WSGI run
# (hostile_adapter_app_cpython.py). Device code: no CPython-only modules.
import asyncio
import gc

from microdot import Response, redirect, send_file
from microdot.multipart import with_form_data
from microdot.websocket import with_websocket

_stats = {'closed_streams': 0}


def build(app, files_root, connections=None):
    @app.route('/')
    async def index(request):
        return 'ok'

    # Echoes the body, read whole from request.stream.
    @app.route('/echo', methods=['POST', 'PUT'])
    async def echo(request):
        data = await request.stream.read()
        return Response(data, headers={
            'Content-Type': 'application/octet-stream'})

    # A multipart form: the number of fields and files, and the file bytes.
    @app.route('/form', methods=['POST'])
    @with_form_data
    async def form(request):
        size = 0
        for upload in request.files.values():
            size += len(await upload.read())
        return '%d %d %d' % (len(request.form), len(request.files), size)

    @app.route('/files/<path:path>')
    async def files(request, path):
        return send_file(path, root=files_root)

    @app.route('/redirect')
    async def go(request):
        return redirect(request.args.get('to', '/'))

    @app.route('/cookie')
    async def cookie(request):
        res = Response('cookie')
        res.set_cookie(request.args.get('name', 'c'),
                       request.args.get('value', 'v'),
                       path=request.args.get('path'),
                       domain=request.args.get('domain'))
        return res

    @app.route('/stream')
    async def stream(request):
        count = int(request.args.get('n', '3'))
        size = int(request.args.get('size', '16'))

        def generate():
            try:
                for _ in range(count):
                    yield b'x' * size
            finally:
                _stats['closed_streams'] += 1

        return generate()

    @app.route('/sleep')
    async def sleep(request):
        await asyncio.sleep(float(request.args.get('s', '0.5')))
        return 'slept'

    @app.route('/ws')
    @with_websocket
    async def ws_echo(request, ws):
        while True:
            data = await ws.receive()
            await ws.send(data)

    # Heap in use after a collection (MicroPython; 0 where gc cannot say),
    # open connections of the built-in server and closed generator bodies.
    @app.route('/stats')
    async def stats(request):
        gc.collect()
        try:
            used = gc.mem_alloc()
        except AttributeError:
            used = 0
        server = getattr(request.app, 'server', None)
        conns = len(server.connections) if server is not None and \
            hasattr(server, 'connections') else -1
        return '%d %d %d' % (used, conns, _stats['closed_streams'])

    return app
