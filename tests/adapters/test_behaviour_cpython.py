# The same route/request/response behaviour, through every adapter and server: uvicorn
# (h11/asyncio and httptools/uvloop), hypercorn, gunicorn (sync, gthread), wsgiref with
# wsgiref.validate around the WSGI app, and uWSGI.
import hashlib
import json
import os
import time

import httpx
import pytest

from helpers.adapter_servers import ALL_SERVERS, ASGI_SERVERS, WSGI_SERVERS
from helpers.raw_http import raw_request, status_of

ALL = ALL_SERVERS


@pytest.fixture(params=ALL)
def server(request, start_shared):
    return start_shared(request.param)


@pytest.fixture
def client(server):
    with httpx.Client(base_url=server.url, timeout=15) as c:
        yield c


def test_text_response(client):
    r = client.get('/')
    assert r.status_code == 200
    assert r.text == 'Hello, world!'
    assert r.headers['content-type'] == 'text/plain; charset=UTF-8'
    assert r.headers['content-length'] == '13'
    assert r.headers['x-after'] == 'yes'


def test_sync_handler_and_before_request_hook(client):
    r = client.get('/sync')
    assert r.text == 'sync True'


def test_url_arguments(client):
    r = client.get('/user/-42/a/b/c.txt')
    assert r.json() == {'uid': -42, 'rest': 'a/b/c.txt'}
    assert r.headers['content-type'] == 'application/json; charset=UTF-8'


def test_percent_encoded_path_matches_decoded_route(client):
    r = client.get('/caf%C3%A9?x=1')
    assert r.status_code == 200
    assert r.json() == {'path': '/caf%C3%A9', 'url': '/caf%C3%A9?x=1'}


def test_query_arguments(client):
    r = client.get('/args?a=1&a=two%20words&b=%C3%A9')
    assert r.json() == {'a': ['1', 'two words'], 'b': 'é',
                        'query_string': 'a=1&a=two%20words&b=%C3%A9'}


def test_json_body(client):
    r = client.post('/echo', json={'x': [1, 2]})
    data = r.json()
    assert data['json'] == {'x': [1, 2]}
    assert data['content_length'] == len(data['body'])


def test_form_body(client):
    r = client.put('/echo', data={'name': 'a b', 'v': 'é'})
    data = r.json()
    assert data['form'] == {'name': 'a b', 'v': 'é'}
    assert data['method'] == 'PUT'


def test_malformed_json_is_400(client):
    r = client.post('/echo', content=b'{nope', headers={'Content-Type': 'application/json'})
    assert r.status_code == 400


def test_not_found_and_method_not_allowed(client):
    assert client.get('/missing').status_code == 404
    assert client.get('/missing').text == 'Not found'
    r = client.delete('/echo')
    assert r.status_code == 405
    assert r.text == 'Method not allowed'


def test_head_keeps_headers_drops_body(client):
    r = client.head('/')
    assert r.status_code == 200
    assert r.content == b''
    assert r.headers['content-length'] == '13'


def test_automatic_options(client):
    r = client.options('/echo')
    assert r.status_code == 200
    assert set(r.headers['allow'].split(', ')) == {'POST', 'PUT', 'OPTIONS'}


def test_cookies_both_ways(client):
    r = client.get('/cookies')
    assert sorted(r.headers.get_list('set-cookie')) == ['one=1', 'two=2; HttpOnly']
    r = client.get('/headers', headers={'Cookie': 'a=1; b=2'})
    assert r.json()['cookies'] == {'a': '1', 'b': '2'}


def test_redirect(client):
    r = client.get('/redirect')
    assert r.status_code == 302
    assert r.headers['location'] == '/'


def test_abort_and_exception(client):
    r = client.get('/forbidden')
    assert (r.status_code, r.text) == (403, 'nope')
    r = client.get('/boom')
    assert (r.status_code, r.text) == (500, 'Internal server error')
    assert 'boom' not in r.text


def test_tuple_and_none_returns(client):
    r = client.get('/tuple')
    assert (r.status_code, r.text, r.headers['x-thing']) == (201, 'created', 'yes')
    r = client.get('/nothing')
    assert r.status_code == 204
    assert r.content == b''


def test_header_value_with_newline_is_refused(client):
    r = client.get('/unsafe-header')
    assert r.status_code == 400
    assert 'injected' not in r.headers


def test_non_latin1_header_value_goes_out_as_utf8(server):
    data = raw_request(server.port, b'GET /non-latin1-header HTTP/1.1\r\n'
                       b'Host: x\r\nConnection: close\r\n\r\n', shut_write=False)
    assert status_of(data) == 200
    assert 'X-Name: naïve ☃'.encode().lower() in data.lower()


def test_request_headers_decoded_as_latin1(server):
    data = raw_request(server.port, b'GET /headers HTTP/1.1\r\nHost: example.org\r\n'
                       b'X-Name: caf\xe9\r\nConnection: close\r\n\r\n')
    assert status_of(data) == 200
    body = json.loads(data.partition(b'\r\n\r\n')[2].decode())
    assert body['x-name'] == 'café'
    assert body['host'] == 'example.org'
    assert body['client'][0] == '127.0.0.1'
    assert body['scheme'] == 'http'
    # the protocol as Microdot 2.x's adapters give it ('1.1' from the built-in server)
    assert body['http_version'] == 'HTTP/1.1'


def test_http_version_is_the_protocol_string(server):
    data = raw_request(server.port, b'GET /headers HTTP/1.0\r\nHost: x\r\n\r\n')
    assert status_of(data) == 200
    body = json.loads(data.partition(b'\r\n\r\n')[2].decode())
    assert body['http_version'] == 'HTTP/1.0'


def test_streamed_body_arrives_chunk_by_chunk(client):
    start = time.monotonic()
    arrivals = []
    with client.stream('GET', '/stream') as r:
        assert r.status_code == 200
        for chunk in r.iter_raw():
            arrivals.append((time.monotonic() - start, chunk))
    assert b''.join(c for _, c in arrivals) == b'chunk0;chunk1;chunk2;'
    # the first chunk came well before the generator finished (3 x 0.2 s)
    assert arrivals[0][0] < 0.45
    assert arrivals[-1][0] >= 0.4


def test_sync_generator_body(client):
    assert client.get('/sync-stream').content == b'part0;part1;part2;'


def test_client_disconnect_stops_streaming(client, server):
    sid = '%s-%d' % (server.name, time.monotonic_ns())
    with client.stream('GET', '/infinite/' + sid) as r:
        assert r.status_code == 200
        it = r.iter_raw()
        next(it)
    # the connection is closed now (stream context left)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if client.get('/closed/' + sid).json()['closed']:
            break
        time.sleep(0.1)
    assert client.get('/closed/' + sid).json()['closed']


def test_sse(client):
    with client.stream('GET', '/sse') as r:
        assert r.headers['content-type'].startswith('text/event-stream')
        text = r.read().decode()
    events = [block for block in text.split('\n\n') if block.strip()]
    assert events == ['event: tick\ndata: {"n": 0}', 'event: tick\ndata: {"n": 1}',
                      'event: tick\ndata: {"n": 2}', 'data: bye']


def test_large_upload_is_streamed(client):
    body = os.urandom(3 * 1024 * 1024 + 17)
    r = client.post('/upload', content=body)
    assert r.status_code == 200
    assert r.json() == {'size': len(body), 'sha256': hashlib.sha256(body).hexdigest(),
                        'in_body': False}


def test_content_length_over_the_limit_is_413(server):
    data = raw_request(server.port, b'POST /echo HTTP/1.1\r\nHost: x\r\n'
                       b'Content-Length: 100000000\r\nConnection: close\r\n\r\nabc')
    assert status_of(data) == 413


# wsgiref is left out: it does not decode chunked request bodies.
@pytest.mark.parametrize('server', [n for n in ALL if n != 'wsgiref-validate'],
                         indirect=True)
def test_chunked_upload(server, client):
    body = os.urandom(200000)

    def gen():
        for i in range(0, len(body), 50000):
            yield body[i:i + 50000]
    r = client.post('/upload', content=gen())
    assert r.json()['size'] == len(body)
    assert r.json()['sha256'] == hashlib.sha256(body).hexdigest()


@pytest.mark.parametrize('name', ASGI_SERVERS)
def test_asgi_scope_visible(name, start_shared):
    r = httpx.get(start_shared(name).url + '/server')
    assert r.json()['asgi_type'] == 'http'
    assert r.json()['wsgi_version'] is None


@pytest.mark.parametrize('name', WSGI_SERVERS)
def test_environ_visible(name, start_shared):
    r = httpx.get(start_shared(name).url + '/server')
    assert r.json()['wsgi_version'] == [1, 0]
    assert r.json()['asgi_type'] is None


@pytest.mark.parametrize('name', ['uvicorn-h11', 'gunicorn-gthread'])
def test_chunked_upload_over_the_limit_is_413(name, start_server):
    server = start_server(name, env={'ADAPTER_MAX_CONTENT_LENGTH': '100000'})

    with httpx.Client(base_url=server.url, timeout=15) as c:
        # one byte over: the limit is crossed by the last read, so the server has read the
        # whole upload and its answer cannot be lost to a reset connection
        r = c.post('/upload', content=iter([b'x' * 60000, b'x' * 40001]))
        assert r.status_code == 413
        assert c.post('/upload', content=iter([b'y' * 60000, b'y' * 40000])).json() == \
            {'size': 100000, 'sha256': hashlib.sha256(b'y' * 100000).hexdigest(),
             'in_body': False}
