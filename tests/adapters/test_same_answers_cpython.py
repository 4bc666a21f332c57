"""One request cycle, four front ends: the same requests run through the test client, the
built-in server (on CPython and on MicroPython), the ASGI adapter and the WSGI adapter get the
same answers: status, headers (less what a server adds or frames itself: Date, Server,
Connection, Transfer-Encoding, and Content-Length where a body is streamed) and body bytes.
What an app's tests see is what a client of the built-in server sees."""
import asyncio
import http.client
import subprocess
import sys

import pytest

from helpers.adapter_drivers import adapters, run_asgi, run_wsgi, server_thread  # noqa: F401
from helpers.processes import free_port, interpreter_path, modules_env, require_interpreter, \
    start_server

APP = '''\
from microdot import Response, abort, redirect, send_file

FILE = __file__.rsplit('/', 1)[0] + '/page.html' if '/' in __file__ else 'page.html'


def build(app):
    @app.route('/')
    async def index(request):
        return 'hello'

    # ASCII: MicroPython's json writes other characters as UTF-8, CPython's as escapes
    @app.route('/json')
    async def as_json(request):
        return {'a': [1, 2, 'cafe']}

    # lists, not dicts: MicroPython's dicts keep no order, so its JSON objects differ
    @app.post('/echo')
    async def echo(request):
        return [request.body.decode(), sorted((request.form or {}).items()),
                request.json, sorted(request.args.items()), request.args.getlist('x'),
                request.content_type]

    @app.route('/status')
    def status(request):
        return 'made', 201, {'X-Custom': 'yes', 'Content-Language': 'en'}

    @app.route('/cookies')
    async def cookies(request):
        res = Response('cookies')
        res.set_cookie('one', '1', path='/', http_only=True)
        res.set_cookie('two', '2', max_age=60)
        return res

    @app.route('/stream')
    async def stream(request):
        def gen():
            yield 'a'
            yield b'bc'
        return gen()

    @app.route('/redirect')
    async def go(request):
        return redirect('/there')

    @app.route('/teapot')
    async def teapot(request):
        abort(418, 'short and stout')

    @app.route('/fail')
    async def fail(request):
        raise RuntimeError('a bug')

    @app.route('/empty')
    async def empty(request):
        return None

    @app.route('/file')
    async def a_file(request):
        return send_file(FILE, max_age=60)

    @app.route('/only-get')
    async def only_get(request):
        return 'got'

    @app.errorhandler(404)
    async def not_found(request):
        return {'error': 'not found'}, 404

    return app
'''

SERVE = '''\
import sys
from microdot import Microdot
from same_app import build
build(Microdot()).run(host='127.0.0.1', port=int(sys.argv[1]))
'''

# (method, target, headers, body)
REQUESTS = [
    ('GET', '/', {}, b''),
    ('HEAD', '/', {}, b''),
    ('GET', '/json', {}, b''),
    ('POST', '/echo?x=1&x=2', {'Content-Type': 'application/x-www-form-urlencoded'},
     b'name=caf%2B&tag=a'),
    ('POST', '/echo', {'Content-Type': 'application/json'}, b'{"k": [1]}'),
    ('GET', '/status', {}, b''),
    ('GET', '/cookies', {}, b''),
    ('GET', '/stream', {}, b''),
    ('GET', '/redirect', {}, b''),
    ('GET', '/teapot', {}, b''),
    ('GET', '/fail', {}, b''),
    ('GET', '/empty', {}, b''),
    ('GET', '/file', {}, b''),
    ('GET', '/file', {'If-None-Match': 'ETAG'}, b''),
    ('GET', '/missing', {}, b''),
    ('PUT', '/only-get', {}, b''),
    ('OPTIONS', '/only-get', {}, b''),
    ('GET', '/caf%C3%A9?q=%20', {}, b''),
]
SERVER_MADE = {'date', 'server', 'connection', 'keep-alive', 'transfer-encoding'}


def normal(status, headers, body, streamed):
    """(status, sorted (name, value) pairs, body) as all front ends should agree on them."""
    skip = SERVER_MADE | ({'content-length'} if streamed else set())
    pairs = sorted((name.lower(), value) for name, value in headers
                   if name.lower() not in skip)
    return status, pairs, body or b''


@pytest.fixture(scope='module')
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp('same')
    (folder / 'same_app.py').write_text(APP)
    (folder / 'serve.py').write_text(SERVE)
    (folder / 'page.html').write_text('<p>a page</p>\n')
    sys.path.insert(0, str(folder))
    yield folder
    sys.path.remove(str(folder))


def with_etag(requests, etag):
    return [(m, t, {k: (etag if v == 'ETAG' else v) for k, v in h.items()}, b)
            for m, t, h, b in requests]


#### the front ends

def through_test_client(requests):
    from microdot import Microdot
    from microdot.test_client import TestClient
    from same_app import build
    client = TestClient(build(Microdot()))
    out = []
    for method, target, headers, body in requests:
        res = asyncio.run(client.request(method, target, headers=dict(headers),
                                         body=body or None))
        pairs = []
        for name, value in res.headers.items():
            for v in value if isinstance(value, list) else [value]:
                pairs.append((name, v))
        out.append(normal(res.status_code, pairs, res.body, target == '/stream'))
    return out


def through_builtin(interpreter, site, requests):
    path = require_interpreter(interpreter)
    port = free_port()
    proc = start_server([path, 'serve.py', port], port, subprocess.PIPE, cwd=site,
                        env=modules_env())
    try:
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=5)
        out = []
        for method, target, headers, body in requests:
            conn.request(method, target, body=body or None,
                         headers=dict(headers, Host='example.com'))
            res = conn.getresponse()
            data = res.read()
            out.append(normal(res.status, res.getheaders(), data, target == '/stream'))
            if res.will_close:
                conn.close()
                conn = http.client.HTTPConnection('127.0.0.1', port, timeout=5)
        conn.close()
        return out
    finally:
        proc.kill()
        proc.communicate()


def through_asgi(adapters, requests):
    from same_app import build
    app = build(adapters[0].Microdot())
    out = []
    for method, target, headers, body in requests:
        path, _, query = target.partition('?')
        from urllib.parse import unquote
        sent = run_asgi(app, path=unquote(path), raw_path=path.encode(), method=method,
                        query=query.encode(), body=body,
                        headers=[(k.lower().encode(), v.encode())
                                 for k, v in dict(headers, Host='example.com').items()] +
                        ([(b'content-length', str(len(body)).encode())] if body else []))
        start = sent[0]
        data = b''.join(m.get('body', b'') for m in sent[1:])
        pairs = [(k.decode(), v.decode('latin-1')) for k, v in start['headers']]
        out.append(normal(start['status'], pairs, data if method != 'HEAD' else b'',
                          target == '/stream'))
    return out


def through_wsgi(adapters, server_thread, requests):  # noqa: F811
    from same_app import build
    app = build(adapters[1].Microdot())
    out = []
    for method, target, headers, body in requests:
        path, _, query = target.partition('?')
        from urllib.parse import unquote
        environ = {'HTTP_HOST': 'example.com'}
        for name, value in headers.items():
            key = name.upper().replace('-', '_')
            environ[key if key == 'CONTENT_TYPE' else 'HTTP_' + key] = value
        status, pairs, data = run_wsgi(server_thread, app,
                                       path_info=unquote(path).encode().decode('latin-1'),
                                       raw_uri=target, query=query, method=method,
                                       body=body, headers=environ)
        out.append(normal(int(status.split()[0]), pairs,
                          data if method != 'HEAD' else b'', target == '/stream'))
    return out


def test_the_four_front_ends_answer_alike(site, adapters, server_thread):  # noqa: F811
    from microdot.test_client import TestClient  # noqa: F401 (the core is importable)
    etag = dict(through_test_client([('GET', '/file', {}, b'')])[0][1])['etag']
    requests = with_etag(REQUESTS, etag)
    answers = {'test client': through_test_client(requests),
               'built-in, CPython': through_builtin('cpython', site, requests),
               'ASGI': through_asgi(adapters, requests),
               'WSGI': through_wsgi(adapters, server_thread, requests)}
    if interpreter_path('micropython') is not None:
        answers['built-in, MicroPython'] = through_builtin('micropython', site, requests)
    expected = answers['test client']
    for i, request in enumerate(requests):
        for name, got in answers.items():
            assert got[i] == expected[i], (request, name, got[i], expected[i])
