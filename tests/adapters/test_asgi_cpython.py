# ASGI adapter under uvicorn and hypercorn: lifespan, root_path, WebSocket, disconnects and
# shutdown.
import time

import httpx
import pytest
from websockets.sync.client import connect

from helpers.adapter_servers import ASGI_SERVERS
from helpers.raw_http import raw_request


def ws_url(server, path):
    return server.url.replace('http://', 'ws://') + path


@pytest.mark.parametrize('name', ASGI_SERVERS)
def test_lifespan_startup_and_shutdown_run_once(name, start_server, tmp_path):
    log = tmp_path / 'lifespan.log'
    server = start_server(name, env={'ADAPTER_LIFESPAN_LOG': str(log)})
    for _ in range(3):
        assert httpx.get(server.url + '/').status_code == 200
    assert log.read_text().splitlines() == ['startup lifespan True']
    server.stop()
    assert log.read_text().splitlines() == ['startup lifespan True', 'shutdown lifespan']


@pytest.mark.parametrize('name', ASGI_SERVERS)
def test_lifespan_startup_failure_is_reported(name, start_server):
    server = start_server(name, app='asgi_failing_app', wait=False)
    deadline = time.monotonic() + 15
    while 'database unreachable' not in server.output() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert 'database unreachable' in server.output()
    if name.startswith('uvicorn'):  # uvicorn gives up; hypercorn's main process lives on
        code = server.wait_exit(15)
        assert code is not None and code != 0
        assert 'Application startup failed' in server.output()
    # the server never serves the app
    with pytest.raises(httpx.HTTPError):
        httpx.get(server.url + '/', timeout=2)


def test_routes_see_root_path_that_uvicorn_adds(start_server):
    # uvicorn puts root_path in front of the path it received (a proxy stripped it): the
    # routes see the whole path, as under Microdot 2.x's ASGI adapter
    server = start_server('uvicorn-h11', extra=['--root-path', '/api'], ready_path='/server')
    r = httpx.get(server.url + '/server?q=1')
    assert r.json() == {'asgi_type': 'http', 'root_path': '/api', 'wsgi_version': None,
                        'script_name': None, 'path': '/api/server', 'url': '/api/server?q=1'}
    assert httpx.get(server.url + '/').status_code == 404  # /api/ has no route


def test_routes_see_the_path_hypercorn_received(start_server):
    # hypercorn passes the path as received, root_path at its front
    server = start_server('hypercorn', extra=['--root-path', '/api'],
                          ready_path='/api/server')
    r = httpx.get(server.url + '/api/server?q=1')
    assert (r.json()['path'], r.json()['url'], r.json()['root_path']) == \
        ('/api/server', '/api/server?q=1', '/api')


# (the path the client sends: uvicorn's proxy has stripped /api, hypercorn's has not)
@pytest.mark.parametrize('name, sent_prefix', [('uvicorn-h11', ''), ('hypercorn', '/api')])
def test_mount_relative_routes_are_relative_to_root_path(name, sent_prefix, start_server):
    server = start_server(name, app='asgi_mount_relative_app', extra=['--root-path', '/api'],
                          ready_path=sent_prefix + '/')
    r = httpx.get(server.url + sent_prefix + '/server?q=1')
    assert (r.json()['path'], r.json()['url'], r.json()['root_path']) == \
        ('/server', '/server?q=1', '/api')
    assert httpx.get(server.url + sent_prefix + '/caf%C3%A9').json() == \
        {'path': '/caf%C3%A9', 'url': '/caf%C3%A9'}


@pytest.mark.parametrize('name', ASGI_SERVERS + ['gunicorn-sync', 'gunicorn-gthread'])
def test_websocket_echo(name, start_shared):
    server = start_shared(name)
    with connect(ws_url(server, '/ws'), open_timeout=10, close_timeout=5) as ws:
        ws.send('hello')
        assert ws.recv(timeout=5) == 'hello'
        ws.send(b'\x00\x01binary')
        assert ws.recv(timeout=5) == b'\x00\x01binary'
        ws.send('é' * 5000)
        assert ws.recv(timeout=5) == 'é' * 5000
    assert ws.protocol.close_code == 1000
    # the server is still fine afterwards
    assert httpx.get(server.url + '/').text == 'Hello, world!'


@pytest.mark.parametrize('name', ASGI_SERVERS + ['gunicorn-sync', 'gunicorn-gthread'])
def test_websocket_closed_by_the_handler(name, start_shared):
    server = start_shared(name)
    with connect(ws_url(server, '/ws-once?x=1'), open_timeout=10, close_timeout=5) as ws:
        assert ws.recv(timeout=5) == 'only 1'
        ws.recv_streaming  # noqa: B018
        deadline = time.monotonic() + 5
        while ws.protocol.close_code is None and time.monotonic() < deadline:
            try:
                ws.recv(timeout=1)
            except Exception:
                break
    assert ws.protocol.close_code == 1000


@pytest.mark.parametrize('name', ASGI_SERVERS)
def test_plain_request_to_websocket_route_is_400(name, start_shared):
    assert httpx.get(start_shared(name).url + '/ws').status_code == 400


@pytest.mark.parametrize('name', ASGI_SERVERS)
def test_body_without_content_length_read_from_receive(name, start_shared):
    server = start_shared(name)
    data = raw_request(server.port, b'POST /echo HTTP/1.1\r\nHost: x\r\n'
                       b'Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n'
                       b'Connection: close\r\n\r\n5\r\n{"a":\r\n3\r\n 1}\r\n0\r\n\r\n')
    assert data.startswith(b'HTTP/1.1 200')
    assert b'"json": {"a": 1}' in data


@pytest.mark.parametrize('name', ASGI_SERVERS)
def test_shutdown_stops_the_server_after_answering(name, start_server, tmp_path):
    log = tmp_path / 'lifespan.log'
    server = start_server(name, env={'ADAPTER_LIFESPAN_LOG': str(log)})
    r = httpx.get(server.url + '/shutdown')
    assert (r.status_code, r.text) == (200, 'bye')
    assert server.wait_exit(10) is not None
    assert log.read_text().splitlines()[-1] == 'shutdown lifespan'
