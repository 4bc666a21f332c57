# WSGI adapter under gunicorn (sync, gthread), wsgiref and uWSGI: request bodies, one event
# loop per thread, concurrency, SCRIPT_NAME and shutdown.
import asyncio
import collections
import os
import signal
import subprocess

import httpx
import pytest

from helpers.adapter_servers import UWSGI, WSGI_SERVERS, get_when_up
from helpers.processes import REPO, free_port, stop_process
from helpers.raw_http import raw_request, status_of


@pytest.mark.parametrize('name', WSGI_SERVERS)
def test_short_body_is_400(name, start_shared):
    server = start_shared(name)
    data = raw_request(server.port, b'POST /echo HTTP/1.1\r\nHost: x\r\n'
                       b'Content-Length: 10\r\nConnection: close\r\n\r\nabc',
                       shut_write=True)
    assert status_of(data) == 400


# (gunicorn terminates wsgi.input; uWSGI's chunked input API reads the chunks)
@pytest.mark.parametrize('name', ['gunicorn-sync', 'gunicorn-gthread', 'uwsgi'])
def test_chunked_input_is_read(name, start_shared):
    server = start_shared(name)
    data = raw_request(server.port, b'POST /echo HTTP/1.1\r\nHost: x\r\n'
                       b'Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n'
                       b'Connection: close\r\n\r\n5\r\n{"a":\r\n3\r\n 1}\r\n0\r\n\r\n',
                       shut_write=True)
    assert status_of(data) == 200
    assert b'"json": {"a": 1}' in data


def test_forty_concurrent_requests_under_gthread(start_shared):
    server = start_shared('gunicorn-gthread')

    async def run():
        limits = httpx.Limits(max_connections=40, max_keepalive_connections=40)
        async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=limits) as c:
            paths = ['/loop', '/slow-sync', '/stream', '/sse'] * 10
            return await asyncio.gather(*(c.get(p) for p in paths), return_exceptions=True)

    results = asyncio.run(run())
    errors = [r for r in results if isinstance(r, Exception) or r.status_code != 200]
    assert errors == []
    assert all(r.content for r in results)
    loops = collections.defaultdict(set)
    for r in results[0::4]:  # /loop: which loop served it, in which thread
        info = r.json()
        loops[info['thread']].add(info['loop'])
    # each thread keeps its own loop; several threads served requests concurrently
    assert all(len(ids) == 1 for ids in loops.values())
    assert len(loops) > 1
    assert len(set().union(*loops.values())) == len(loops)


def test_routes_see_script_name_and_path_info(start_server):
    # the whole path, as under Microdot 2.x's WSGI adapter
    server = start_server('gunicorn-sync', env={'SCRIPT_NAME': '/api'},
                          ready_path='/api/server')
    r = httpx.get(server.url + '/api/server?q=1')
    assert r.json() == {'asgi_type': None, 'root_path': None, 'wsgi_version': [1, 0],
                        'script_name': '/api', 'path': '/api/server', 'url': '/api/server?q=1'}
    assert httpx.get(server.url + '/api/').status_code == 404  # /api/ has no route


def test_mount_relative_routes_match_path_info(start_server):
    server = start_server('gunicorn-sync', app='wsgi_mount_relative_app',
                          env={'SCRIPT_NAME': '/api'}, ready_path='/api/')
    r = httpx.get(server.url + '/api/server?q=1')
    assert (r.json()['path'], r.json()['url'], r.json()['script_name']) == \
        ('/server', '/server?q=1', '/api')
    assert httpx.get(server.url + '/api/caf%C3%A9').json() == \
        {'path': '/caf%C3%A9', 'url': '/caf%C3%A9'}


@pytest.mark.parametrize('name', ['gunicorn-sync', 'gunicorn-gthread', 'wsgiref-validate',
                                  'uwsgi'])
def test_shutdown_stops_the_server_after_answering(name, start_server):
    server = start_server(name)
    r = httpx.get(server.url + '/shutdown')
    assert (r.status_code, r.text) == (200, 'bye')
    assert server.wait_exit(10) is not None
    with pytest.raises(httpx.HTTPError):
        httpx.get(server.url + '/', timeout=2)
    # (a SIGTERM would have made uWSGI's master reload its workers instead)
    assert 'reloading' not in server.output() and 'respawn' not in server.output()


def test_wsgi_example_under_uwsgi(adapter_site, tmp_path):
    if UWSGI is None:
        pytest.fail('uwsgi is not installed: make venv installs it (tests/requirements.txt)')
    port = free_port()
    env = dict(os.environ, PYTHONPATH=adapter_site)
    with open(tmp_path / 'uwsgi.log', 'wb') as log:
        proc = subprocess.Popen(
            [UWSGI, '--http-socket', '127.0.0.1:%d' % port, '--master', '--need-app',
             '--wsgi-file', os.path.join(REPO, 'examples', 'asgi_wsgi', 'wsgi', 'test.py'),
             '--callable', 'app'], env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        text = get_when_up('http://127.0.0.1:%d/' % port, proc)
        assert text == 'Hello, world!', (tmp_path / 'uwsgi.log').read_text()
    finally:
        stop_process(proc, 10, signal.SIGINT)  # SIGINT stops uWSGI


@pytest.mark.parametrize('name', ['wsgiref-validate', 'uwsgi'])
def test_websocket_route_without_raw_socket_is_400(name, start_shared):
    server = start_shared(name)
    r = httpx.get(server.url + '/ws', headers={
        'Upgrade': 'websocket', 'Connection': 'Upgrade', 'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ=='})
    assert r.status_code == 400
