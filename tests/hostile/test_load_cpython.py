"""Time, volume and abrupt exits against every target.

The built-in server (2 s head/body/keep-alive timeouts here) must time out
slow and idle clients while serving others. uvicorn and gunicorn have no
request-head or body timeout of their own: for them the test asserts what
they do (the connection stays open) and that normal requests are still
served, except gunicorn's sync worker, which one slow client blocks until
its --timeout kills the worker (docs/limits.md advises a buffering proxy or
the gthread worker).
"""
import os
import socket
import struct
import threading
import time

import pytest

from helpers.hostile_targets import ALL_TARGETS, BUILTIN, exchange, fd_count, \
    reset_close
from helpers.raw_http import chunked, request_bytes

GET = request_bytes('GET', '/')
NO_TIMEOUTS = "the server has no request-head or body timeout"

NOT_SYNC_WORKER = [t for t in ALL_TARGETS if t != 'gunicorn-sync']


def closed_within(client, seconds):
    """(closed?, bytes received before the close)"""
    try:
        return True, client.wait_closed(seconds)
    except TimeoutError:
        return False, client.buf


def serves_quickly(target, limit=1.5):
    start = time.monotonic()
    target.assert_serves(timeout=limit + 1)
    return time.monotonic() - start < limit


#### time


def test_idle_and_slow_head_are_timed_out(target):
    idle = target.connect()
    slow = target.connect()
    try:
        slow.send(b'GET / HTTP/1.1\r\n')
        stop = time.monotonic() + 3.2
        i = 0
        while time.monotonic() < stop:  # a header line every 0.25 s
            try:
                slow.send(b'X-Slow-%d: v\r\n' % i)
            except OSError:
                break
            i += 1
            time.sleep(0.25)
        if target.name != 'gunicorn-sync':
            assert serves_quickly(target)
        idle_closed, _ = closed_within(idle, 0.5)
        slow_closed, data = closed_within(slow, 0.5)
        if target.name in BUILTIN:
            assert idle_closed and slow_closed
            assert data == b'' or data.startswith(b'HTTP/1.1 408 '), data
        else:  # NO_TIMEOUTS: both are still open
            assert not idle_closed and not slow_closed
    finally:
        idle.close()
        slow.close()
    target.check()


@pytest.mark.parametrize('framing', ['length', 'chunked'])
def test_stalled_body_is_timed_out(target, framing):
    if framing == 'length':
        raw = request_bytes('POST', '/echo', headers=[
            ('Content-Length', '1000')]) + b'x' * 100
    else:
        raw = request_bytes('POST', '/echo', headers=[
            ('Transfer-Encoding', 'chunked')]) + b'400\r\n' + b'x' * 100
    with target.connect() as client:
        client.send(raw)
        start = time.monotonic()
        closed, data = closed_within(client, 3.5)
        if target.name in BUILTIN:
            assert closed and time.monotonic() - start < 3.2
            assert data == b'' or data.startswith(b'HTTP/1.1 408 '), data
        else:
            assert not closed, NO_TIMEOUTS
            if target.name != 'gunicorn-sync':
                assert serves_quickly(target)
    target.check()


# The sync worker is left out: one slow client blocks it (see
# test_gunicorn_sync_worker_and_a_slow_client).
@pytest.mark.parametrize('target', NOT_SYNC_WORKER, indirect=True)
def test_many_slow_clients_while_serving(target):
    # gunicorn reads a request head inside a worker thread: gthread has
    # --threads (8 here), so fewer slow clients than that
    count = 6 if target.name == 'gunicorn-gthread' else 20
    stop = threading.Event()
    clients = [target.connect() for _ in range(count)]

    def dribble(client):
        data = b'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ' + b'v' * 100
        for byte in data:
            if stop.is_set():
                return
            try:
                client.send(bytes([byte]))
            except OSError:
                return
            time.sleep(0.1)

    threads = [threading.Thread(target=dribble, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.3)
        for _ in range(10):
            assert serves_quickly(target, 1.0)
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(5)
        for client in clients:
            client.close()
    target.check()


def test_gunicorn_sync_worker_and_a_slow_client(start_target):
    # gunicorn's sync worker serves one connection at a time: a client that
    # never finishes its head blocks every other client until the arbiter
    # kills the worker at --timeout and starts a new one. That is gunicorn's
    # design; docs/limits.md advises a buffering proxy or gthread.
    target = start_target('gunicorn-sync', extra=['--timeout', '2'])
    with target.connect() as slow:
        slow.send(b'GET / HTTP/1.1\r\nHost: x\r\n')
        time.sleep(0.2)
        with pytest.raises(TimeoutError):
            target.get('/', timeout=1)  # blocked behind the slow client
        deadline = time.monotonic() + 15
        while True:  # served again once the worker was replaced
            try:
                target.assert_serves(timeout=2)
                break
            except (TimeoutError, OSError, AssertionError):
                assert time.monotonic() < deadline, target.log()[-2000:]
    assert 'WORKER TIMEOUT' in target.log()
    target.set_baseline()  # a new worker process
    target.mark_log()  # the killed worker's traceback is gunicorn's
    target.check()


#### volume


def test_hundreds_of_idle_connections(target):
    # the built-in server drops the longest-idle connection when
    # max_connections (32) is reached; uvicorn keeps them all; gunicorn's
    # workers wait in a thread for each new connection's head, so idle
    # connections block the sync worker and all gthread threads
    idle = []
    try:
        for _ in range(200):
            idle.append(target.connect())
        time.sleep(0.2)
        if target.name.startswith('gunicorn'):
            with pytest.raises(TimeoutError):
                target.get('/', timeout=1)
        else:
            for _ in range(3):
                assert serves_quickly(target)
    finally:
        for client in idle:
            client.close()
    time.sleep(0.2)
    target.check()
    if target.name in BUILTIN:
        deadline = time.monotonic() + 3
        while target.stats()[1] > 1:
            assert time.monotonic() < deadline, target.stats()
            time.sleep(0.1)


# The sync worker is left out: it serves one connection at a time and holds
# each for --keep-alive seconds, so a burst queues.
@pytest.mark.parametrize('target', NOT_SYNC_WORKER, indirect=True)
def test_burst_of_connects(target):
    clients = []
    outcomes = {}
    try:
        for _ in range(100):
            client = target.connect()
            client.send(GET)
            clients.append(client)
        for client in clients:
            try:
                status = client.read_response(10).status
            except Exception as exc:  # dropped under load
                status = type(exc).__name__
            outcomes[status] = outcomes.get(status, 0) + 1
    finally:
        for client in clients:
            client.close()
    assert outcomes.get(200, 0) >= 32, outcomes
    assert set(outcomes) <= {200, 503, 'Closed', 'ConnectionResetError'}, \
        outcomes
    target.check()


@pytest.mark.parametrize('framing', ['length', 'chunked'])
def test_ten_megabyte_body_against_default_limit(target, framing):
    size = 10 * 1024 * 1024
    if framing == 'length':
        head = request_bytes('POST', '/echo', headers=[
            ('Content-Length', str(size))])
    else:
        head = request_bytes('POST', '/echo', headers=[
            ('Transfer-Encoding', 'chunked')])
    block = b'z' * 65536
    if framing == 'chunked':
        block = b'%x\r\n' % len(block) + block + b'\r\n'
    with target.connect(timeout=10) as client:
        client.send(head)
        sent = 0
        try:
            while sent < size:
                client.send(block)
                sent += len(block)
            if framing == 'chunked':
                client.send(b'0\r\n\r\n')
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass  # refused before the end
        try:
            res = client.read_response(10)
            status = res.status
        except Exception as exc:
            status = type(exc).__name__
    assert status == 413 or (status in ('Closed', 'ConnectionResetError')
                             and sent < size), status
    target.check()


def multipart(parts, boundary='bomb'):
    body = b''.join(
        b'--' + boundary.encode() + b'\r\nContent-Disposition: form-data; '
        b'name="' + name + b'"' + (b'; filename="f"' if is_file else b'') +
        b'\r\n\r\n' + value + b'\r\n' for name, value, is_file in parts)
    body += b'--' + boundary.encode() + b'--\r\n'
    return request_bytes('POST', '/form', headers=[
        ('Content-Type', 'multipart/form-data; boundary=' + boundary),
        ('Content-Length', str(len(body)))], body=body)


def test_multipart_bomb(start_target, target):
    # thousands of tiny parts in a body the limits let in (256 KB here):
    # answered without a 500, in bounded time and memory
    big = start_target(target.name, settings={'max_content_length':
                                              256 * 1024})
    for kind in ('fields', 'files'):
        parts = [(b'p%d' % i, b'v', kind == 'files') for i in range(3000)]
        raw = multipart(parts)
        assert len(raw) < 256 * 1024
        start = time.monotonic()
        outcome, _ = exchange(big, raw, timeout=20)
        assert outcome in (200, 400, 413), (kind, outcome)
        assert time.monotonic() - start < 15
        big.check()


def ws_handshake(target):
    client = target.connect()
    client.send(request_bytes('GET', '/ws', headers=[
        ('Upgrade', 'websocket'), ('Connection', 'Upgrade'),
        ('Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='),
        ('Sec-WebSocket-Version', '13')]))
    res = client.read_response(5, head=True)
    assert res.status == 101, res
    return client


def ws_frame(payload, opcode=2, length=None, mask=b'\x01\x02\x03\x04'):
    n = len(payload) if length is None else length
    if n < 126:
        head = struct.pack('!BB', 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack('!BBH', 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack('!BBQ', 0x80 | opcode, 0x80 | 127, n)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + masked


def ws_close_code(client, timeout=5):
    """The code of the close frame the server sends (None: closed without
    one)."""
    deadline = time.monotonic() + timeout
    while True:
        while len(client.buf) >= 2:
            op, n = client.buf[0] & 0x0f, client.buf[1] & 0x7f
            if op == 8:
                if n < 2:
                    return 1005
                while len(client.buf) < 4 and client._recv(deadline):
                    pass
                return struct.unpack('!H', client.buf[2:4])[0]
            skip = 2 + (2 if n == 126 else 8 if n == 127 else 0)
            if n >= 126:
                if len(client.buf) < skip:
                    break
                n = int.from_bytes(client.buf[2:skip], 'big')
            if len(client.buf) < skip + n:
                break
            client.buf = client.buf[skip + n:]
        if not client._recv(deadline):
            return None


def test_websocket_echo_works(target):
    with ws_handshake(target) as client:
        client.send(ws_frame(b'hello', opcode=1))
        deadline = time.monotonic() + 5
        while len(client.buf) < 7:
            assert client._recv(deadline)
        assert client.buf[:7] == b'\x81\x05hello'
    target.check()


@pytest.mark.parametrize('size', ['2^62 declared', '16 KB + 1 sent'])
def test_oversize_websocket_frame(target, size):
    # over WebSocket.max_message_length (default Request.max_body_length,
    # 16 KB): closed with 1009 before the payload is buffered
    with ws_handshake(target) as client:
        if size == '2^62 declared':
            client.send(ws_frame(b'x' * 1000, length=1 << 62)[:1014])
        else:
            try:
                client.send(ws_frame(b'x' * (16 * 1024 + 1)))
            except (BrokenPipeError, ConnectionResetError):
                pass
        code = ws_close_code(client)
        assert code == 1009 or (code is None and target.name.startswith(
            'uvicorn') and size == '2^62 declared'), code
    target.check()


#### abrupt exits


def test_reset_mid_request(target):
    for raw in (b'GET / HTTP/1.1\r\nHost: x\r\nX-Partial: ',
                request_bytes('POST', '/echo', headers=[
                    ('Content-Length', '5000')]) + b'x' * 2000,
                request_bytes('POST', '/echo', headers=[
                    ('Transfer-Encoding', 'chunked')]) + chunked(b'a' * 100)
                [:-7]):
        for _ in range(5):
            client = target.connect()
            client.send(raw)
            time.sleep(0.02)
            reset_close(client.sock)
    time.sleep(0.3)
    target.check()


def test_reset_mid_response(target):
    before = target.stats()[2]
    for _ in range(3):
        client = target.connect(rcvbuf=4096)
        client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        client.send(request_bytes('GET', '/stream?n=5000&size=65536'))
        assert client.sock.recv(100)
        reset_close(client.sock)
    deadline = time.monotonic() + 10
    # every abandoned generator body is closed (all in one process here)
    while target.stats()[2] < before + 3:
        assert time.monotonic() < deadline, target.stats()
        time.sleep(0.1)
    target.check()


def test_reset_mid_websocket_frame(target):
    for cut in (1, 5, 200):
        client = ws_handshake(target)
        client.send(ws_frame(b'y' * 1000)[:cut])
        time.sleep(0.05)
        reset_close(client.sock)
    time.sleep(0.3)
    target.check()
    if target.name in BUILTIN:
        deadline = time.monotonic() + 3
        while target.stats()[1] > 1:
            assert time.monotonic() < deadline, target.stats()
            time.sleep(0.1)


def test_file_descriptors_return_to_baseline(target):
    # last in this module: every connection opened above is gone
    if target.micropython or target.name in BUILTIN:
        deadline = time.monotonic() + 5
        while target.stats()[1] > 1:
            assert time.monotonic() < deadline, target.stats()
            time.sleep(0.1)
    first = fd_count(target.pid)
    for _ in range(50):
        target.assert_serves()
    time.sleep(0.3)
    assert fd_count(target.pid) <= first, (first, fd_count(target.pid))
    assert os.path.isdir('/proc/{}'.format(target.pid))
