# The application the end-to-end server tests run, on CPython and on
# MicroPython alike. Every server and request limit comes from an environment
# variable (see SETTINGS) so each test can start a server with short limits.
#
# Usage: PORT=8123 FILES_ROOT=/some/dir python server_app.py
import asyncio
import os

from microdot import Microdot, Request, Response, redirect, send_file

# environment variable -> (class, attribute, converter)
SETTINGS = {
    'MAX_CONNECTIONS': (Microdot, 'max_connections', int),
    'KEEPALIVE_TIMEOUT': (Microdot, 'keepalive_timeout', float),
    'REQUEST_HEAD_TIMEOUT': (Microdot, 'request_head_timeout', float),
    'BODY_TIMEOUT': (Microdot, 'body_timeout', float),
    'WRITE_TIMEOUT': (Microdot, 'write_timeout', float),
    'LISTEN_BACKLOG': (Microdot, 'listen_backlog', int),
    'MAX_CONTENT_LENGTH': (Request, 'max_content_length', int),
    'MAX_BODY_LENGTH': (Request, 'max_body_length', int),
    'MAX_READLINE': (Request, 'max_readline', int),
    'MAX_HEADER_COUNT': (Request, 'max_header_count', int),
    'MAX_HEADER_BYTES': (Request, 'max_header_bytes', int),
}

for _name in SETTINGS:
    _value = os.getenv(_name)
    if _value:
        _cls, _attr, _conv = SETTINGS[_name]
        setattr(_cls, _attr, _conv(_value))

FILES_ROOT = os.getenv('FILES_ROOT') or '.'

app = Microdot()


@app.route('/')
async def index(request):
    return 'ok'


# The client's port: equal answers mean one connection carried both.
@app.route('/peer')
async def peer(request):
    return str(request.client_addr[1])


@app.route('/say/<word>')
async def say(request, word):
    return word


# Echoes the request body, read whole from request.stream.
@app.route('/echo', methods=['POST', 'PUT'])
async def echo(request):
    data = await request.stream.read()
    return Response(data, headers={'X-Body-Length': str(len(data)),
                                   'Content-Type': 'application/octet-stream'})


# Streamed bodies whose generator was closed (finished or abandoned).
closed_streams = [0]


# A generator body: no Content-Length, so chunked on HTTP/1.1.
@app.route('/stream')
async def stream(request):
    count = int(request.args.get('n', '3'))
    size = int(request.args.get('size', '0'))

    def generate():
        try:
            for i in range(count):
                if size:
                    yield b'x' * size
                else:
                    yield 'chunk%d;' % i
        finally:
            closed_streams[0] += 1

    return generate()


@app.route('/closed-streams')
async def closed(request):
    return str(closed_streams[0])


# A body of known size: Content-Length.
@app.route('/big')
async def big(request):
    return b'y' * int(request.args.get('n', '1000'))


@app.route('/raise')
async def fail(request):
    raise RuntimeError('handler failure')


@app.route('/sleep')
async def sleep(request):
    await asyncio.sleep(float(request.args.get('s', '0.5')))
    return 'slept'


@app.route('/shutdown')
async def shutdown(request):
    request.app.shutdown()
    return 'bye'


@app.route('/files/<path:path>')
async def files(request, path):
    return send_file(path, root=FILES_ROOT)


@app.route('/redirect')
async def go(request):
    return redirect(request.args.get('to', '/'))


@app.route('/header')
async def header(request):
    return 'header', 200, {'X-Test': request.args.get('v', '')}


@app.route('/café')
async def cafe(request):
    return 'café'


@app.route('/a b/<name>')
async def spaced(request, name):
    return name


app.run(host='127.0.0.1', port=int(os.getenv('PORT') or '5000'))
