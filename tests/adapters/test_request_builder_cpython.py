# The adapters driven in this process with hand-made scopes and environs: the path the routes
# see (root_path / SCRIPT_NAME, mount_relative), request.http_version, header names sent to
# ASGI servers, the request builder both adapters share, public asyncio in the WSGI adapter,
# and how app.shutdown() stops uWSGI.
import asyncio
import io
import os
import re
import sys
import threading
import types

import pytest

from helpers.adapter_drivers import ADAPTERS_PACKAGE, adapters, run_asgi, run_wsgi, \
    server_thread  # noqa: F401


def build(app):
    @app.route('/x')
    @app.route('/api/x')
    @app.route('/')
    @app.route('/caf\u00e9')
    @app.route('/api/caf\u00e9')
    @app.route('/other')
    async def info(request):
        return {'path': request.path, 'url': request.url,
                'http_version': request.http_version}

    @app.route('/echo', methods=['POST'])
    async def echo(request):
        return {'body': request.body.decode(), 'x': request.headers.get('X-A'),
                'cookies': request.cookies}

    @app.route('/headers')
    async def headers(request):
        from microdot import Response
        response = Response('x', headers={'X-Thing': 'yes', 'Content-Language': 'en'})
        response.set_cookie('one', '1')
        return response

    return app


def asgi_json(app, **kwargs):
    import json
    sent = run_asgi(app, **kwargs)
    assert sent[0]['status'] == 200, sent
    return json.loads(b''.join(m.get('body', b'') for m in sent[1:]))


def wsgi_json(server_thread, app, **kwargs):
    import json
    status, _, data = run_wsgi(server_thread, app, **kwargs)
    assert status == '200 OK', (status, data)
    return json.loads(data)


#### the path the routes see

# (root_path, scope path, raw_path, path and url by default, with mount_relative)
ASGI_PATHS = [
    # uvicorn --root-path: root_path in front of the path a proxy left
    ('/api', '/api/x', b'/x', '/api/x', '/x'),
    # hypercorn, or a client that sent the prefix
    ('/api', '/api/x', b'/api/x', '/api/x', '/x'),
    # percent-encoded, mounted or not
    ('', '/caf\u00e9', b'/caf%C3%A9', '/caf%C3%A9', '/caf%C3%A9'),
    ('/api', '/api/caf\u00e9', b'/caf%C3%A9', '/api/caf%C3%A9', '/caf%C3%A9'),
    ('/api', '/api/caf\u00e9', b'/api/caf%C3%A9', '/api/caf%C3%A9', '/caf%C3%A9'),
    # no raw_path: the decoded path encoded again
    ('/api', '/api/caf\u00e9', None, '/api/caf%C3%A9', '/caf%C3%A9'),
    # a path outside root_path, the mount point itself, a prefix that is no path segment
    ('/api', '/other', b'/other', '/other', '/other'),
    ('/api', '/api', b'/api', None, '/'),
    ('/ap', '/api/x', b'/api/x', '/api/x', '/api/x'),
]


@pytest.mark.parametrize('root_path, path, raw_path, default, relative', ASGI_PATHS)
def test_asgi_routes_see_the_scope_path_unless_mount_relative(
        adapters, root_path, path, raw_path, default, relative):
    asgi = adapters[0]
    app = build(asgi.Microdot())
    if default is None:
        assert run_asgi(app, path=path, root_path=root_path, raw_path=raw_path)[0]['status'] \
            == 404
    else:
        got = asgi_json(app, path=path, root_path=root_path, raw_path=raw_path, query=b'q=1')
        assert (got['path'], got['url']) == (default, default + '?q=1')
    got = asgi_json(build(asgi.Microdot(mount_relative=True)), path=path,
                    root_path=root_path, raw_path=raw_path)
    assert (got['path'], got['url']) == (relative, relative)


# (SCRIPT_NAME, PATH_INFO, the raw URI (RAW_URI: gunicorn, REQUEST_URI: uWSGI, none:
# wsgiref), path by default, with mount_relative)
WSGI_PATHS = [
    ('/api', '/x', '/api/x?q=1', '/api/x', '/x'),
    ('', '/x', '/x?q=1', '/x', '/x'),
    ('/api', '/caf\xc3\xa9', '/api/caf%C3%A9?q=1', '/api/caf%C3%A9', '/caf%C3%A9'),
    ('/api', '/caf\xc3\xa9', None, '/api/caf%C3%A9', '/caf%C3%A9'),
    ('/api', '', '/api?q=1', None, '/'),
]


@pytest.mark.parametrize('raw_key', ['RAW_URI', 'REQUEST_URI'])
@pytest.mark.parametrize('script_name, path_info, raw_uri, default, relative', WSGI_PATHS)
def test_wsgi_routes_see_script_name_and_path_info_unless_mount_relative(
        adapters, server_thread, raw_key, script_name, path_info, raw_uri, default, relative):
    wsgi = adapters[1]
    kwargs = dict(script_name=script_name, path_info=path_info, raw_uri=raw_uri, query='q=1',
                  raw_key=raw_key)
    if default is None:
        assert run_wsgi(server_thread, build(wsgi.Microdot()), **kwargs)[0] == \
            '404 Not Found'
    else:
        got = wsgi_json(server_thread, build(wsgi.Microdot()), **kwargs)
        assert (got['path'], got['url']) == (default, default + '?q=1')
    got = wsgi_json(server_thread, build(wsgi.Microdot(mount_relative=True)), **kwargs)
    assert (got['path'], got['url']) == (relative, relative + '?q=1')


def test_mount_relative_is_a_class_setting_too(adapters, server_thread):
    asgi, wsgi, _ = adapters

    class RelativeASGI(asgi.Microdot):
        mount_relative = True

    class RelativeWSGI(wsgi.Microdot):
        mount_relative = True

    assert asgi.Microdot.mount_relative is False and wsgi.Microdot.mount_relative is False
    assert asgi_json(build(RelativeASGI()), path='/api/x', root_path='/api',
                     raw_path=b'/x')['path'] == '/x'
    assert wsgi_json(server_thread, build(RelativeWSGI()), script_name='/api',
                     path_info='/x')['path'] == '/x'
    # the keyword wins over the class setting
    assert asgi_json(build(RelativeASGI(mount_relative=False)), path='/api/x',
                     root_path='/api', raw_path=b'/x')['path'] == '/api/x'


#### request.http_version

@pytest.mark.parametrize('scope_version, expected', [
    ('1.1', 'HTTP/1.1'), ('1.0', 'HTTP/1.0'), ('2', 'HTTP/2'), (None, 'HTTP/1.1')])
def test_asgi_http_version_is_http_slash_the_scope_version(adapters, scope_version,
                                                             expected):
    app = build(adapters[0].Microdot())
    assert asgi_json(app, path='/x', http_version=scope_version)['http_version'] == expected


@pytest.mark.parametrize('protocol', ['HTTP/1.0', 'HTTP/1.1', 'HTTP/2'])
def test_wsgi_http_version_is_server_protocol(adapters, server_thread, protocol):
    app = build(adapters[1].Microdot())
    assert wsgi_json(server_thread, app, path_info='/x', protocol=protocol)['http_version'] \
        == protocol


def test_body_framing_still_follows_the_version(adapters, server_thread):
    asgi, wsgi, _ = adapters
    # HTTP/1.0 has no chunked bodies: Transfer-Encoding there is refused, as by the built-in
    # server
    sent = run_asgi(build(asgi.Microdot()), path='/echo', method='POST', http_version='1.0',
                    headers=[(b'transfer-encoding', b'chunked')], body=b'abc')
    assert sent[0]['status'] == 400
    status, _, _ = run_wsgi(server_thread, build(wsgi.Microdot()), path_info='/echo',
                            method='POST', protocol='HTTP/1.0',
                            headers={'HTTP_TRANSFER_ENCODING': 'chunked'})
    assert status.startswith('400')
    # HTTP/2 frames a body without Content-Length: it is read from receive()
    got = asgi_json(build(asgi.Microdot()), path='/echo', method='POST', http_version='2',
                    body=b'abc')
    assert got['body'] == 'abc'


#### header names sent to ASGI servers

def test_asgi_response_header_names_are_lower_case(adapters):
    sent = run_asgi(build(adapters[0].Microdot()), path='/headers')
    names = [name for name, _ in sent[0]['headers']]
    assert sorted(names) == [b'content-language', b'content-length', b'content-type',
                             b'set-cookie', b'x-thing']
    # error responses the adapter builds itself too (here: ambiguous framing)
    sent = run_asgi(build(adapters[0].Microdot()), path='/echo', method='POST',
                    headers=[(b'content-length', b'3'), (b'transfer-encoding', b'chunked')],
                    body=b'abc')
    assert sent[0]['status'] == 400
    assert all(name == name.lower() for name, _ in sent[0]['headers'])
    assert (b'connection', b'close') in sent[0]['headers']


def test_refused_websocket_response_header_names_are_lower_case(adapters):
    sent = run_asgi(build(adapters[0].Microdot()), path='/headers', kind='websocket',
                    extensions={'websocket.http.response': {}})
    assert sent[0]['type'] == 'websocket.http.response.start'
    assert all(name == name.lower() for name, _ in sent[0]['headers'])
    assert (b'x-thing', b'yes') in sent[0]['headers']


#### one request builder for both adapters

def test_both_adapters_build_requests_with_the_shared_builder():
    for name in ('asgi.py', 'wsgi.py'):
        with open(os.path.join(ADAPTERS_PACKAGE, name)) as f:
            source = f.read()
        assert 'build_request(' in source, name
        assert not re.search(r'\bRequest\(', source), name  # no request built on its own
        assert 'body_framing' not in source and 'request_target' not in source, name


def test_repeated_request_headers_merge_as_in_the_built_in_server(adapters):
    app = build(adapters[0].Microdot())
    got = asgi_json(app, path='/echo', method='POST', body=b'abc',
                    headers=[(b'content-length', b'3'), (b'x-a', b'1'), (b'X-A', b'2'),
                             (b'cookie', b'a=1'), (b'cookie', b'b=2')])
    assert (got['x'], got['cookies']) == ('1, 2', {'a': '1', 'b': '2'})
    sent = run_asgi(app, path='/echo', method='POST', body=b'abc',
                    headers=[(b'content-length', b'3'), (b'content-length', b'4')])
    assert sent[0]['status'] == 400


def test_a_body_of_unknown_length_is_cut_off_past_the_limit(adapters, server_thread):
    asgi, wsgi, _ = adapters
    from microdot import Request
    limit = Request.max_content_length
    sent = run_asgi(build(asgi.Microdot()), path='/echo', method='POST', http_version='2',
                    body=b'x' * (limit + 1))
    assert sent[0]['status'] == 413
    status, _, _ = run_wsgi(server_thread, build(wsgi.Microdot()), path_info='/echo',
                            method='POST', headers={'HTTP_TRANSFER_ENCODING': 'chunked',
                                                    'wsgi.input_terminated': True,
                                                    'wsgi.input': io.BytesIO(
                                                        b'x' * (limit + 1))})
    assert status.startswith('413')


#### public asyncio only in the WSGI adapter

def test_wsgi_adapter_uses_no_private_asyncio():
    with open(os.path.join(ADAPTERS_PACKAGE, 'wsgi.py')) as f:
        source = f.read()
    for private in ('_set_running_loop', '_get_running_loop', '._ready', '._run(',
                    'run_in_executor =', 'asyncio._', 'asyncio.events'):
        assert private not in source, private


def test_wsgi_handlers_of_every_kind_on_the_thread_loop(adapters, server_thread):
    wsgi = adapters[1]
    app = wsgi.Microdot()
    caller = []

    @app.route('/sync')
    def sync_handler(request):
        return {'thread': threading.get_ident()}

    @app.route('/waits')
    async def waits(request):
        await asyncio.sleep(0.01)
        task = asyncio.ensure_future(asyncio.sleep(0, 'from a task'))
        return {'task': await asyncio.wait_for(task, 1),
                'current': asyncio.current_task() is not None}

    @app.route('/stream')
    async def stream(request):
        async def generate():
            for i in range(3):
                await asyncio.sleep(0.001)
                yield 'c%d;' % i
        return generate()

    server_thread(lambda: caller.append(threading.get_ident()))
    import json
    assert json.loads(run_wsgi(server_thread, app, path_info='/sync')[2]) == \
        {'thread': caller[0]}  # sync handlers run in the server's thread
    assert json.loads(run_wsgi(server_thread, app, path_info='/waits')[2]) == \
        {'task': 'from a task', 'current': True}
    assert run_wsgi(server_thread, app, path_info='/stream')[2] == b'c0;c1;c2;'


def test_a_request_that_waits_for_nothing_makes_no_poll(adapters, server_thread,
                                                        monkeypatch):
    # (a poll is a system call that lets go of the GIL: under threaded servers, another
    # thread would take over in the middle of each request)
    wsgi = adapters[1]
    polls = []
    base = wsgi.OnePassSelector.__mro__[1]
    real_select = base.select

    def counting_select(self, timeout=None):
        polls.append(timeout)
        return real_select(self, timeout)
    monkeypatch.setattr(base, 'select', counting_select)
    app = wsgi.Microdot()

    @app.route('/')
    async def index(request):
        return 'hello'

    @app.route('/sleep')
    async def sleep(request):
        await asyncio.sleep(0.01)
        return 'slept'

    assert run_wsgi(server_thread, app)[2] == b'hello'
    assert polls == []
    assert run_wsgi(server_thread, app, path_info='/sleep')[2] == b'slept'
    assert any(t is None or t > 0 for t in polls)  # one that waits: the loop polls and waits


#### app.shutdown()

def test_shutdown_under_uwsgi_uses_its_stop_api(adapters, monkeypatch):
    _adapters = adapters[2]
    stopped = []
    monkeypatch.setitem(sys.modules, 'uwsgi', types.SimpleNamespace(
        stop=lambda: stopped.append(True)))
    monkeypatch.setattr(_adapters.os, 'kill', lambda *args: pytest.fail('signal sent'))
    signal = _adapters.ShutdownSignal()
    signal.begin()
    signal.request()
    assert stopped == []  # a request is in flight
    signal.end()
    assert stopped == [True]
