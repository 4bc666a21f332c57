"""End-to-end tests of the built-in server over real sockets on 127.0.0.1.

Each test runs on the server under CPython and under MicroPython (the
`interpreter` fixture), against the application in apps/server_app.py.
"""
import os
import socket
import struct
import threading
import time

import pytest

from helpers.builtin_server import PUBLIC, SECRET
from helpers.raw_http import Closed, chunked, request_bytes
from helpers.server_bad_inputs import BAD_INPUTS, MAY_STAY_OPEN

GET = request_bytes('GET', '/')


def assert_no_traceback(server, res=None):
    if res is not None:
        assert b'Traceback' not in res.body
    assert 'Traceback' not in server.log(), server.log()


#### keep-alive, HTTP/1.0, Connection: close


def test_keepalive_reuses_one_connection(server):
    with server.connect() as client:
        client.send(request_bytes('GET', '/peer'))
        first = client.read_response()
        client.send(request_bytes('GET', '/peer'))
        second = client.read_response()
    assert first.version == second.version == 'HTTP/1.1'
    assert first.status == second.status == 200
    assert first.body == second.body  # the same client port
    assert first.header('Connection', '').lower() != 'close'


def test_keepalive_serves_many_requests(server):
    with server.connect() as client:
        for i in range(20):
            client.send(request_bytes('GET', '/say/w%d' % i))
            res = client.read_response()
            assert (res.status, res.body) == (200, b'w%d' % i)


def test_http10_closes_the_connection(server):
    with server.connect() as client:
        client.send(request_bytes('GET', '/', version='HTTP/1.0', host=False))
        res = client.read_response()
        assert (res.status, res.body) == (200, b'ok')
        assert client.wait_closed(3) == b''


def test_http10_keep_alive_when_asked(server):
    with server.connect() as client:
        for _ in range(2):
            client.send(request_bytes('GET', '/', version='HTTP/1.0',
                                      headers=[('Connection', 'keep-alive')]))
            res = client.read_response()
            assert (res.status, res.body) == (200, b'ok')
            assert res.header('Connection', '').lower() == 'keep-alive'


def test_connection_close_is_honoured(server):
    with server.connect() as client:
        client.send(request_bytes('GET', '/',
                                  headers=[('Connection', 'close')]) + GET)
        res = client.read_response()
        assert (res.status, res.body) == (200, b'ok')
        assert res.header('Connection').lower() == 'close'
        # the request after the close is not answered
        assert client.wait_closed(3) == b''


#### pipelining, chunked in and out, Content-Length, HEAD


def test_pipelined_requests_answered_in_order(server):
    raw = (request_bytes('GET', '/say/one') +
           request_bytes('POST', '/echo', body=b'two') +
           request_bytes('HEAD', '/') +
           request_bytes('POST', '/echo', headers=[
               ('Transfer-Encoding', 'chunked')], body=chunked(b'fo', b'ur')) +
           request_bytes('GET', '/stream?n=2') +
           request_bytes('GET', '/say/six'))
    with server.connect() as client:
        client.send(raw)
        bodies = [client.read_response().body,
                  client.read_response().body,
                  client.read_response(head=True).body,
                  client.read_response().body,
                  client.read_response().body,
                  client.read_response().body]
        assert client.is_open_for(0.2)
    assert bodies == [b'one', b'two', b'', b'four', b'chunk0;chunk1;',
                      b'six']


def test_pipelined_burst(server):
    count = 200
    raw = b''.join(request_bytes('GET', '/say/r%d' % i) for i in range(count))
    with server.connect() as client:
        client.send(raw)
        for i in range(count):
            assert client.read_response().body == b'r%d' % i


def test_concurrent_keepalive_clients(server):
    errors = []

    def worker(n):
        try:
            with server.connect() as client:
                for i in range(20):
                    body = b'%d-%d' % (n, i) * (i + 1)
                    client.send(request_bytes('POST', '/echo', body=body))
                    res = client.read_response()
                    assert (res.status, res.body) == (200, body)
        except Exception as exc:  # reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors[:3]
    assert not any(t.is_alive() for t in threads)


def test_pipelined_requests_sent_byte_by_byte(server):
    raw = request_bytes('GET', '/say/a') + request_bytes('GET', '/say/b')
    with server.connect() as client:
        for i in range(len(raw)):
            client.send(raw[i:i + 1])
        assert client.read_response().body == b'a'
        assert client.read_response().body == b'b'


def test_chunked_request_body_is_decoded(server):
    body = (b'5;name=value\r\nhello\r\n'
            b'1\r\n \r\n'
            b'A\r\n0123456789\r\n'
            b'0\r\nX-Trailer: ignored\r\n\r\n')
    with server.connect() as client:
        client.send(request_bytes('POST', '/echo', headers=[
            ('Transfer-Encoding', 'chunked')], body=body))
        res = client.read_response()
        assert (res.status, res.body) == (200, b'hello 0123456789')
        client.send(GET)  # the connection is positioned at the next request
        assert client.read_response().body == b'ok'


def test_chunked_request_body_in_pieces(server):
    body = chunked(b'a' * 700, b'b' * 300, b'c')
    with server.connect() as client:
        client.send(request_bytes('POST', '/echo', headers=[
            ('Transfer-Encoding', 'chunked')]))
        for i in range(0, len(body), 97):
            client.send(body[i:i + 97])
            time.sleep(0.002)
        res = client.read_response()
    assert res.body == b'a' * 700 + b'b' * 300 + b'c'


def test_large_body_streams_past_max_body_length(start_server):
    server = start_server(max_body_length=100, max_content_length=20000)
    data = bytes(range(256)) * 40  # 10240 bytes
    with server.connect() as client:
        client.send(request_bytes('POST', '/echo', body=data))
        res = client.read_response()
        assert (res.status, res.body) == (200, data)
        client.send(request_bytes('POST', '/echo', headers=[
            ('Transfer-Encoding', 'chunked')], body=chunked(data[:5000],
                                                            data[5000:])))
        res = client.read_response()
        assert (res.status, res.body) == (200, data)
        client.send(GET)
        assert client.read_response().body == b'ok'


def test_unread_body_is_skipped_before_next_request(server):
    with server.connect() as client:
        client.send(request_bytes('POST', '/', body=b'x' * 3000))  # 405
        res = client.read_response()
        assert res.status == 405
        client.send(GET)
        assert client.read_response().body == b'ok'


def test_streamed_response_is_chunked_on_http11(server):
    with server.connect() as client:
        client.send(request_bytes('GET', '/stream?n=4'))
        res = client.read_response()
        assert res.status == 200
        assert res.chunked
        assert res.header('Content-Length') is None
        assert res.body == b'chunk0;chunk1;chunk2;chunk3;'
        client.send(GET)
        assert client.read_response().body == b'ok'


def test_streamed_response_is_close_delimited_on_http10(server):
    with server.connect() as client:
        client.send(request_bytes('GET', '/stream?n=3', version='HTTP/1.0',
                                  headers=[('Connection', 'keep-alive')]))
        res = client.read_response()
    assert res.status == 200
    assert res.header('Transfer-Encoding') is None
    assert res.header('Content-Length') is None
    assert res.header('Connection').lower() == 'close'
    assert res.body == b'chunk0;chunk1;chunk2;'


def test_content_length_on_known_sizes(server):
    with server.connect() as client:
        client.send(GET)
        res = client.read_response()
        assert res.header('Content-Length') == '2'
        assert res.header('Transfer-Encoding') is None
        client.send(request_bytes('GET', '/big?n=50000'))
        res = client.read_response()
        assert res.header('Content-Length') == '50000'
        assert res.body == b'y' * 50000
        client.send(request_bytes('GET', '/files/public.txt'))
        res = client.read_response()
        assert res.header('Content-Length') == str(len(PUBLIC))
        assert res.body == PUBLIC


def test_head_sends_headers_only(server):
    with server.connect() as client:
        client.send(request_bytes('HEAD', '/big?n=5000'))
        res = client.read_response(head=True)
        assert res.status == 200
        assert res.header('Content-Length') == '5000'
        client.send(request_bytes('HEAD', '/stream'))
        assert client.read_response(head=True).status == 200
        # had a body been sent, it would be read as the next response
        client.send(GET)
        res = client.read_response()
        assert (res.status, res.body) == (200, b'ok')


def test_expect_100_continue(server):
    with server.connect() as client:
        client.send(request_bytes('POST', '/echo', headers=[
            ('Content-Length', '5'), ('Expect', '100-continue')]))
        interim = client.read_response()
        assert interim.status == 100
        client.send(b'hello')
        assert client.read_response().body == b'hello'


def test_absolute_form_target(server):
    res = server.request(request_bytes('GET', 'http://127.0.0.1/say/abs'))
    assert (res.status, res.body) == (200, b'abs')


def test_client_half_close_still_answered(server):
    with server.connect() as client:
        client.send(request_bytes('GET', '/say/half'))
        client.sock.shutdown(socket.SHUT_WR)
        res = client.read_response()
        assert (res.status, res.body) == (200, b'half')
        assert client.wait_closed(3) == b''


def test_not_modified_keeps_connection_framed(server):
    with server.connect() as client:
        client.send(request_bytes('GET', '/files/public.txt'))
        etag = client.read_response().header('ETag')
        assert etag
        client.send(request_bytes('GET', '/files/public.txt',
                                  headers=[('If-None-Match', etag)]))
        res = client.read_response()
        assert res.status == 304
        client.send(GET)  # a stray body would be read as this response
        assert client.read_response().body == b'ok'


def test_identical_duplicate_content_length_accepted(server):
    raw = (b'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n'
           b'Content-Length: 5\r\n\r\nhello')
    res = server.request(raw)
    assert res.status in (200, 400)
    if res.status == 200:
        assert res.body == b'hello'


def test_client_leaving_mid_stream_closes_generator(server):
    before = int(server.get('/closed-streams').body)
    with server.connect(rcvbuf=4096) as client:
        client.send(request_bytes('GET', '/stream?n=2000&size=65536'))
        assert client.sock.recv(100)
        # close with a reset so the server's next writes fail
        client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                               struct.pack('ii', 1, 0))
    deadline = time.monotonic() + 5
    while int(server.get('/closed-streams').body) == before:
        assert time.monotonic() < deadline, 'generator never closed'
        time.sleep(0.05)
    server.assert_serves()
    assert_no_traceback(server)


def test_unread_large_body_never_parsed_as_a_request(start_server):
    server = start_server(max_body_length=100, max_content_length=10000)
    smuggled = b'GET /say/smuggled HTTP/1.1\r\nHost: x\r\n\r\n'
    body = smuggled * 50
    for framing in ('length', 'chunked'):
        if framing == 'length':
            raw = request_bytes('POST', '/', body=body)  # 405: body unread
        else:
            raw = request_bytes('POST', '/', headers=[
                ('Transfer-Encoding', 'chunked')], body=chunked(body))
        with server.connect() as client:
            client.send(raw + request_bytes('GET', '/say/next'))
            assert client.read_response().status == 405
            try:
                res = client.read_response(3)
            except Closed:
                continue  # closing instead of skipping the body is fine
            assert res.body == b'next', framing
    server.assert_serves()


def test_busy_connections_over_limit(start_server):
    server = start_server(max_connections=2)
    busy = [server.connect() for _ in range(2)]
    try:
        for client in busy:
            client.send(request_bytes('GET', '/sleep?s=1'))
        time.sleep(0.2)
        res = server.get('/', timeout=3)  # no slot: wait or 503, no crash
        assert res.status in (200, 503), res
        for client in busy:
            assert client.read_response(3).body == b'slept'
    finally:
        for client in busy:
            client.close()
    server.assert_serves()
    assert_no_traceback(server)


def test_slowloris_makes_room_for_a_normal_client(start_server):
    # every slot taken by clients still sending their head: the one at it
    # longest gets a 408 and the newcomer is served
    server = start_server(max_connections=2, request_head_timeout=30)
    slow = [server.connect() for _ in range(2)]
    try:
        for client in slow:
            client.send(b'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ')
            time.sleep(0.3)
        res = server.get('/', timeout=5)
        assert res.status == 200, res
        first = slow[0].read_response(5)
        assert first.status == 408, first
    finally:
        for client in slow:
            client.close()
    server.assert_serves()
    assert_no_traceback(server)


#### limits


def assert_refused(server, raw, statuses, closes=True, timeout=5.0):
    """Sends raw on a new connection: the answer has one of statuses (or,
    when None is among them, the server may just close) and then the
    connection closes; no traceback anywhere; the server still serves."""
    with server.connect(timeout) as client:
        try:
            client.send(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before all was sent
        try:
            res = client.read_response(timeout)
        except Closed:
            assert None in statuses, 'closed without an answer'
            res = None
        if res is not None:
            assert res.status in statuses, res
            assert res.version == 'HTTP/1.1'
            assert b'Traceback' not in res.body
            assert len(res.body) < 200
            if closes:
                assert client.wait_closed(3) == b''
    assert_no_traceback(server)
    server.assert_serves()
    return res


def test_request_line_too_long_414(start_server):
    server = start_server(max_readline=256)
    assert_refused(server, request_bytes('GET', '/' + 'a' * 300), {414})
    # at the limit it is served (404: no such route)
    path = '/' + 'a' * (256 - len('GET  HTTP/1.1\r\n') - 1)
    res = server.get(path)
    assert res.status == 404


def test_request_line_refused_before_buffered_whole(start_server):
    server = start_server(max_readline=256)
    with server.connect() as client:
        client.send(b'GET /' + b'a' * 4000)  # no end of line
        res = client.read_response(3)
        assert res.status == 414
        assert client.wait_closed(3) == b''
    server.assert_serves()


def test_default_max_readline_414(server):
    assert_refused(server, request_bytes('GET', '/' + 'a' * 3000), {414})


def test_header_line_too_long_431(start_server):
    server = start_server(max_readline=256)
    raw = request_bytes('GET', '/', headers=[('X-Long', 'v' * 300)])
    assert_refused(server, raw, {431})


def test_header_line_refused_before_buffered_whole(start_server):
    server = start_server(max_readline=256)
    with server.connect() as client:
        client.send(b'GET / HTTP/1.1\r\nX-Long: ' + b'v' * 4000)
        assert client.read_response(3).status == 431
        assert client.wait_closed(3) == b''


def test_header_count_431(start_server):
    server = start_server(max_header_count=8)
    headers = [('X-H%d' % i, 'v') for i in range(7)]  # + Host = 8
    assert server.request(request_bytes('GET', '/', headers=headers)
                          ).status == 200
    headers.append(('X-Extra', 'v'))
    assert_refused(server, request_bytes('GET', '/', headers=headers), {431})


def test_default_header_count_431(server):
    headers = [('X-H%d' % i, 'v') for i in range(40)]
    assert_refused(server, request_bytes('GET', '/', headers=headers), {431})


def test_header_bytes_431(start_server):
    server = start_server(max_header_bytes=1024)
    headers = [('X-H%d' % i, 'v' * 100) for i in range(12)]  # < 32 lines
    assert_refused(server, request_bytes('GET', '/', headers=headers), {431})


def test_default_header_bytes_431(server):
    headers = [('X-H%d' % i, 'v' * 1000) for i in range(6)]
    assert_refused(server, request_bytes('GET', '/', headers=headers), {431})


def test_content_length_over_limit_413(start_server):
    server = start_server(max_content_length=1000, max_body_length=500)
    assert server.request(request_bytes('POST', '/echo', body=b'x' * 1000)
                          ).status == 200
    # refused from the header alone: the body is never sent
    raw = request_bytes('POST', '/echo', headers=[('Content-Length', '1001')])
    assert_refused(server, raw, {413})


def test_expect_100_continue_over_limit_413(start_server):
    server = start_server(max_content_length=1000, max_body_length=500)
    with server.connect() as client:
        client.send(request_bytes('POST', '/echo', headers=[
            ('Content-Length', '5000'), ('Expect', '100-continue')]))
        res = client.read_response()
        assert res.status == 413  # no 100 Continue first
    server.assert_serves()


def test_default_max_content_length_413(server):
    raw = request_bytes('POST', '/echo', headers=[
        ('Content-Length', str(16 * 1024 + 1))])
    assert_refused(server, raw, {413})


def test_chunked_body_over_limit_413(start_server):
    server = start_server(max_content_length=1000, max_body_length=500)
    raw = request_bytes('POST', '/echo', headers=[
        ('Transfer-Encoding', 'chunked')], body=chunked(*[b'z' * 300] * 4))
    assert_refused(server, raw, {413})
    raw = request_bytes('POST', '/echo', headers=[
        ('Transfer-Encoding', 'chunked')], body=b'fffff\r\n')
    assert_refused(server, raw, {413})


def test_trailer_section_is_bounded(start_server):
    # trailer fields are header fields: the header count and size limits
    # bound them too, or a client could keep a connection busy forever
    server = start_server(max_header_count=8, max_header_bytes=1024)
    trailers = b''.join(b'X-T%d: %s\r\n' % (i, b'v' * 100)
                        for i in range(50))
    raw = request_bytes('POST', '/echo', headers=[
        ('Transfer-Encoding', 'chunked')]) + b'3\r\nabc\r\n0\r\n' + \
        trailers + b'\r\n'
    assert_refused(server, raw, {400, 413, 431, None})


#### timeouts (short, so the suite stays fast)


def test_idle_keepalive_connection_closed(start_server):
    server = start_server(keepalive_timeout=1)
    with server.connect() as client:
        client.send(GET)
        assert client.read_response().status == 200
        start = time.monotonic()
        assert client.wait_closed(4) == b''
        elapsed = time.monotonic() - start
    assert 0.5 < elapsed < 3, elapsed
    assert_no_traceback(server)


def test_silent_new_connection_closed(start_server):
    server = start_server(request_head_timeout=1)
    with server.connect() as client:
        start = time.monotonic()
        data = client.wait_closed(4)
        assert time.monotonic() - start < 3
        assert data == b'' or data.startswith(b'HTTP/1.1 408 ')
    server.assert_serves()


def test_slowloris_head_408_or_close(start_server):
    server = start_server(request_head_timeout=1)
    with server.connect() as client:
        client.send(b'GET / HTTP/1.1\r\n')
        start = time.monotonic()
        data = b''
        # a header line every 0.2 s: never a complete head
        try:
            for i in range(25):
                client.send(b'X-Slow-%d: v\r\n' % i)
                time.sleep(0.2)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            data = client.wait_closed(1)
        except TimeoutError:
            pytest.fail('slow head still open after {:.1f} s'.format(
                time.monotonic() - start))
        assert data == b'' or data.startswith(b'HTTP/1.1 408 '), data
    server.assert_serves()
    assert_no_traceback(server)


def test_stalled_body_closed(start_server):
    # the body's own inactivity timeout applies, not the (longer) head one
    server = start_server(body_timeout=1, request_head_timeout=5)
    with server.connect() as client:
        client.send(request_bytes('POST', '/echo', headers=[
            ('Content-Length', '100')]) + b'x' * 10)
        start = time.monotonic()
        data = client.wait_closed(4)
        assert time.monotonic() - start < 3
        assert data == b'' or data.startswith(b'HTTP/1.1 408 '), data
    server.assert_serves()
    assert_no_traceback(server)


def test_stalled_chunked_body_closed(start_server):
    server = start_server(body_timeout=1, request_head_timeout=5)
    with server.connect() as client:
        client.send(request_bytes('POST', '/echo', headers=[
            ('Transfer-Encoding', 'chunked')]) + b'10\r\nabc')
        start = time.monotonic()
        data = client.wait_closed(4)
        assert time.monotonic() - start < 3
        assert data == b'' or data.startswith(b'HTTP/1.1 408 '), data
    server.assert_serves()


def test_slow_body_within_body_timeout_is_served(start_server):
    # the head timeout bounds the head only: a body that keeps arriving
    # within body_timeout is read to its end
    server = start_server(request_head_timeout=1, body_timeout=3)
    with server.connect() as client:
        client.send(request_bytes('POST', '/echo', headers=[
            ('Content-Length', '16')]))
        for _ in range(8):
            time.sleep(0.25)
            client.send(b'ab')
        res = client.read_response()
    assert (res.status, res.body) == (200, b'ab' * 8)


def test_client_not_reading_is_dropped(start_server):
    server = start_server(write_timeout=1)
    size, count = 65536, 256  # 16 MB, more than the socket buffers hold
    with server.connect(rcvbuf=4096) as client:
        client.send(request_bytes('GET', '/stream?n=%d&size=%d' % (count,
                                                                   size)))
        time.sleep(2.5)  # not reading: the server's writes stall
        server.assert_serves()  # meanwhile others are served
        deadline = time.monotonic() + 10
        received = 0
        while time.monotonic() < deadline:
            client.buf = b''
            if not client._recv(deadline):
                break
            received += len(client.buf)
        else:
            pytest.fail('connection still open')
    assert received < size * count  # dropped before the end
    assert_no_traceback(server)


def test_slow_client_does_not_hold_off_others(start_server):
    server = start_server(request_head_timeout=2)
    stop = threading.Event()

    def dribble():
        # one byte every 50 ms, never finishing the head
        with server.connect() as slow:
            data = b'GET / HTTP/1.1\r\nX-Slow: ' + b'v' * 200
            for byte in data:
                if stop.is_set():
                    return
                try:
                    slow.send(bytes([byte]))
                except OSError:
                    return
                time.sleep(0.05)

    threads = [threading.Thread(target=dribble) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.3)
        for _ in range(5):
            start = time.monotonic()
            server.assert_serves(timeout=2)
            assert time.monotonic() - start < 1
    finally:
        stop.set()
        for t in threads:
            t.join(5)


def test_idle_connection_flood(start_server):
    server = start_server(max_connections=4, request_head_timeout=5,
                          keepalive_timeout=5)
    idle = [server.connect() for _ in range(12)]
    try:
        time.sleep(0.2)
        for _ in range(3):
            server.assert_serves(timeout=2)
        # keep-alive connections left idle after a request count too
        with server.connect() as client:
            client.send(GET)
            assert client.read_response().status == 200
            others = [server.connect() for _ in range(6)]
            server.assert_serves(timeout=2)
            for other in others:
                other.close()
    finally:
        for client in idle:
            client.close()
    assert_no_traceback(server)


def test_flood_of_partial_heads_then_recovery(start_server):
    server = start_server(max_connections=4, request_head_timeout=1)
    busy = [server.connect() for _ in range(6)]
    try:
        for client in busy:
            try:
                client.send(b'GET / HTTP/1.1\r\n')
            except OSError:
                pass
        time.sleep(0.1)
        # all slots hold unfinished heads: a new client may get 503 ...
        res = server.get('/', timeout=3)
        assert res.status in (200, 503), res
        # ... but once the head timeout passed it is served again
        time.sleep(1.5)
        server.assert_serves(timeout=2)
    finally:
        for client in busy:
            client.close()
    assert_no_traceback(server)


def test_stalled_uploads_make_room_for_new_clients(start_server):
    # every slot holds a body that stopped arriving: a new client is served,
    # long before body_timeout, by dropping the upload stalled the longest
    server = start_server(max_connections=2, body_timeout=30)
    stalled = [server.connect() for _ in range(2)]
    try:
        for client in stalled:
            client.send(request_bytes('POST', '/echo', headers=[
                ('Content-Length', '1000')]) + b'x' * 10)
        time.sleep(0.3)
        server.assert_serves(timeout=3)
        closed = []
        for client in stalled:
            try:
                closed.append(client.wait_closed(2))
            except TimeoutError:
                pass  # the other upload keeps its slot
        assert len(closed) == 1, closed
        assert closed[0] == b'' or closed[0].startswith(b'HTTP/1.1 408 ')
    finally:
        for client in stalled:
            client.close()
    assert_no_traceback(server)


def test_listen_backlog_setting(start_server):
    server = start_server(listen_backlog=64, max_connections=64)
    clients = [server.connect() for _ in range(40)]
    try:
        for client in clients:
            client.send(GET)
        for client in clients:
            assert client.read_response().status == 200
    finally:
        for client in clients:
            client.close()


#### bad input: refused with a 4xx/5xx or a close, never a traceback

@pytest.mark.parametrize('name', sorted(BAD_INPUTS))
def test_bad_input_refused(server, name):
    raw, statuses = BAD_INPUTS[name]
    assert_refused(server, raw, statuses, closes=name not in MAY_STAY_OPEN)


def test_te_and_cl_closes_without_answering_smuggled_request(server):
    smuggled = b'GET /say/smuggled HTTP/1.1\r\nHost: x\r\n\r\n'
    raw = (b'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n'
           b'Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n' + smuggled)
    with server.connect() as client:
        client.send(raw)
        res = client.read_response()
        assert res.status == 400
        rest = client.wait_closed(3)
    assert b'smuggled' not in rest
    server.assert_serves()


def test_many_bad_requests_on_one_server(server):
    for name in sorted(BAD_INPUTS):
        raw, statuses = BAD_INPUTS[name]
        with server.connect() as client:
            client.send(raw)
            try:
                res = client.read_response()
            except Closed:
                assert None in statuses, name
            else:
                assert res.status in statuses, (name, res)
    server.assert_serves()
    assert_no_traceback(server)
    # one short line per bad request at most
    lines = [line for line in server.log().splitlines() if line.strip()]
    assert len(lines) <= len(BAD_INPUTS) + 2, lines
    assert max((len(line) for line in lines), default=0) < 200


#### handler errors, shutdown


def test_handler_exception_500_and_connection_survives(server):
    with server.connect() as client:
        client.send(request_bytes('GET', '/raise'))
        res = client.read_response()
        assert res.status == 500
        assert b'Traceback' not in res.body
        assert b'handler failure' not in res.body
        client.send(GET)
        res = client.read_response()
        assert (res.status, res.body) == (200, b'ok')
    assert 'handler failure' in server.log()  # logged on the server side


def test_shutdown_from_handler(start_server):
    server = start_server()
    with server.connect() as idle:
        idle.send(GET)
        assert idle.read_response().status == 200  # now idle, kept alive
        with server.connect() as busy:
            busy.send(request_bytes('GET', '/sleep?s=0.6'))
            time.sleep(0.1)
            res = server.get('/shutdown')
            assert (res.status, res.body) == (200, b'bye')
            assert idle.wait_closed(3) == b''
            res = busy.read_response(3)  # the in-flight response finishes
            assert (res.status, res.body) == (200, b'slept')
    assert server.proc.wait(5) == 0
    assert_no_traceback(server)


def test_shutdown_closes_many_idle_connections_quietly(start_server):
    server = start_server()
    idle = [server.connect() for _ in range(20)]
    try:
        for client in idle:
            client.send(GET)
        for client in idle:
            assert client.read_response().status == 200
        res = server.get('/shutdown')
        assert (res.status, res.body) == (200, b'bye')
        for client in idle:
            assert client.wait_closed(3) == b''
    finally:
        for client in idle:
            client.close()
    assert server.proc.wait(5) == 0
    assert_no_traceback(server)


#### paths, files, header injection


def test_percent_encoded_path_matches_decoded_route(server):
    res = server.get('/caf%C3%A9')
    assert (res.status, res.body) == (200, 'café'.encode())
    res = server.get('/caf%c3%a9')
    assert (res.status, res.body) == (200, 'café'.encode())
    res = server.get('/a%20b/x%41y')
    assert (res.status, res.body) == (200, b'xAy')
    assert server.get('/%73ay/%77ord').body == b'word'


def test_send_file_serves_inside_root(server):
    res = server.get('/files/public.txt')
    assert (res.status, res.body) == (200, PUBLIC)
    assert res.header('Content-Type').startswith('text/plain')
    assert server.get('/files/sub/inner.txt').body == b'inner\n'
    assert server.get('/files/sub/../public.txt').status in (200, 404)


@pytest.mark.parametrize('path', [
    '/files/../secret.txt',
    '/files/%2e%2e/secret.txt',
    '/files/%2E%2E%2Fsecret.txt',
    '/files/..%2fsecret.txt',
    '/files/sub/../../secret.txt',
    '/files/sub/%2e%2e/%2e%2e/secret.txt',
    '/files/..%5csecret.txt',
    '/files/.%2e/secret.txt',
    '/files/public.txt%00',
    '/files/public.txt%00.html',
    'ABSOLUTE',
    'ABSOLUTE-ENCODED',
])
def test_send_file_refuses_traversal(server, path):
    secret = os.path.join(os.path.dirname(str(server.files_root)),
                          'secret.txt')
    if path == 'ABSOLUTE':
        path = '/files/' + secret
    elif path == 'ABSOLUTE-ENCODED':
        path = '/files/' + secret.replace('/', '%2F')
    res = server.get(path)
    assert res.status in (400, 403, 404), res
    assert SECRET not in res.body
    assert_no_traceback(server, res)
    server.assert_serves()


def test_send_file_missing_is_404(server):
    for path in ('/files/nope.txt', '/files/sub', '/files/sub/',
                 '/files/sub/nope/deeper.txt'):
        res = server.get(path)
        assert res.status == 404, (path, res)
    assert_no_traceback(server)


def test_redirect_refuses_crlf(server):
    res = server.get('/redirect?to=/elsewhere')
    assert (res.status, res.header('Location')) == (302, '/elsewhere')
    for to in ('/x%0D%0ASet-Cookie:%20evil=1', '/x%0ASet-Cookie:%20evil=1',
               '/x%0DSet-Cookie:%20evil=1'):
        res = server.get('/redirect?to=' + to)
        assert res.status == 400, res
        assert res.header('Set-Cookie') is None
        assert res.header('Location') is None
        assert_no_traceback(server, res)
    server.assert_serves()


def test_header_value_refuses_crlf(server):
    res = server.get('/header?v=plain')
    assert (res.status, res.header('X-Test')) == (200, 'plain')
    res = server.get('/header?v=a%0D%0AX-Injected:%201')
    assert res.status == 400, res
    assert res.header('X-Injected') is None
    assert_no_traceback(server, res)
    server.assert_serves()
