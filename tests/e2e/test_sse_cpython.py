"""Server-Sent Events end to end: httpx (and http.client for keep-alive)
against the built-in server, on CPython and on MicroPython."""
import http.client
import json
import socket
import time

import pytest

httpx = pytest.importorskip('httpx')


# Parses an event stream the way a browser's EventSource does.
def parse_events(text):
    events = []
    event = {}
    data = []
    for line in text.replace('\r\n', '\n').split('\n'):
        if not line:
            if data:
                event['data'] = '\n'.join(data)
                events.append(event)
            event = {}
            data = []
            continue
        if line.startswith(':'):
            continue
        name, _, value = line.partition(':')
        if value.startswith(' '):
            value = value[1:]
        if name == 'data':
            data.append(value)
        else:
            event[name] = value
    return events


def test_events_with_fields(start_app):
    server = start_app()
    with httpx.Client(timeout=5) as client:
        res = client.get(server.url + '/events')
    assert res.status_code == 200
    assert res.headers['content-type'] == 'text/event-stream'
    assert res.headers['cache-control'] == 'no-cache'
    assert res.headers['transfer-encoding'] == 'chunked'
    assert ': just a comment\n' in res.text
    assert parse_events(res.text) == [
        {'data': 'plain'},
        {'event': 'json', 'data': '{"n": 1}'},
        {'id': '42', 'retry': '1500', 'data': 'two\nlines'},
    ]
    assert json.loads(parse_events(res.text)[1]['data']) == {'n': 1}


def test_stream_arrives_while_running(start_app):
    server = start_app()
    seen = []
    started = time.monotonic()
    with httpx.Client(timeout=5) as client:
        with client.stream('GET', server.url + '/ticks') as res:
            buffer = ''
            for text in res.iter_text():
                buffer += text
                seen = parse_events(buffer)
                if len(seen) >= 5:
                    break
    assert time.monotonic() - started < 5
    assert [e['data'] for e in seen[:5]] == ['0', '1', '2', '3', '4']
    assert all(e['event'] == 'tick' for e in seen)


def test_client_leaving_cancels_the_handler(start_app):
    server = start_app()
    for _ in range(2):
        with httpx.Client(timeout=5) as client:
            with client.stream('GET', server.url + '/ticks') as res:
                for text in res.iter_text():
                    if 'data: 2' in text:
                        break
    stats = server.wait_stats(lambda s: s['sse_cancelled'] >= 2)
    assert stats['sse_cancelled'] == 2
    assert 'Traceback' not in server.log()


def test_quiet_handler_cancelled_via_heartbeat(start_app):
    server = start_app(heartbeat=0.2)
    with httpx.Client(timeout=5) as client:
        with client.stream('GET', server.url + '/quiet') as res:
            for text in res.iter_text():
                assert text == ': \n\n'  # a heartbeat
                break
    stats = server.wait_stats(lambda s: s['sse_cancelled'] >= 1)
    assert stats['sse_cancelled'] == 1


def test_keep_alive_after_the_stream(start_app):
    server = start_app()
    conn = http.client.HTTPConnection('127.0.0.1', server.port, timeout=5)
    try:
        conn.request('GET', '/events')
        res = conn.getresponse()
        body = res.read()
        assert res.status == 200 and body.endswith(b'data: two\ndata: lines\n\n'
                                                   b': just a comment\n\n')
        sock = conn.sock
        assert sock is not None  # the server kept the connection open
        conn.request('GET', '/')
        res = conn.getresponse()
        assert (res.status, res.read()) == (200, b'ok')
        assert conn.sock is sock  # same connection
    finally:
        conn.close()
    assert server.stats()['sse_finished'] == 1


def test_handler_error_ends_the_connection(start_app):
    server = start_app()
    with socket.create_connection(('127.0.0.1', server.port), 5) as sock:
        sock.sendall(b'GET /broken HTTP/1.1\r\nHost: x\r\n\r\n')
        received = b''
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            data = sock.recv(4096)
            if not data:
                break  # the server closed the connection
            received += data
        else:
            pytest.fail('the connection stayed open')
    head, _, body = received.partition(b'\r\n\r\n')
    assert head.startswith(b'HTTP/1.1 200 ')
    assert b'Transfer-Encoding: chunked' in head
    # the events queued before the error, then no final chunk
    assert b'data: first\n\ndata: second\n\n' in body
    assert not body.endswith(b'0\r\n\r\n')
    with httpx.Client(timeout=5) as client:
        assert client.get(server.url + '/').text == 'ok'
    assert server.log().count(
        'RuntimeError: sse handler failed on purpose') == 1
