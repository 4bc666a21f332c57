"""WebSocket end to end: the `websockets` package (and raw sockets for what a
well-behaved client never sends) against the built-in server, on CPython and
on MicroPython."""
import socket
import time

import pytest

websockets = pytest.importorskip('websockets')
from websockets.exceptions import ConnectionClosed  # noqa: E402
from websockets.sync.client import connect  # noqa: E402

from microdot.websocket import CLOSE, TEXT, BINARY, CONT, PING, \
    FrameParser, encode_frame  # noqa: E402

MASK = b'\x01\x02\x03\x04'


def ws_connect(server, path='/echo', **kwargs):
    kwargs.setdefault('open_timeout', 5)
    kwargs.setdefault('close_timeout', 5)
    kwargs.setdefault('ping_interval', None)
    return connect(server.ws_url + path, proxy=None, **kwargs)


class RawClient:
    """A WebSocket client over a plain socket that sends whatever it is told."""

    def __init__(self, server, path='/echo'):
        self.sock = socket.create_connection(('127.0.0.1', server.port), 5)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.sendall(
            'GET {} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n'
            'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='
            '\r\nSec-WebSocket-Version: 13\r\n\r\n'.format(path).encode())
        head = b''
        while b'\r\n\r\n' not in head:
            data = self.sock.recv(1)
            assert data, head
            head += data
        assert head.startswith(b'HTTP/1.1 101 '), head
        assert b's3pPLMBiTxaQ9kYGzzhZRbK+xOo=' in head
        self.parser = FrameParser(0, masked=False)

    def send(self, data):
        self.sock.sendall(data)

    def events(self, timeout=5.0):
        """Every frame until the server closes the TCP connection."""
        events = []
        deadline = time.monotonic() + timeout
        while True:
            event = self.parser.next_event()
            if event:
                events.append(event)
                continue
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self.sock.recv(4096)
            except ConnectionResetError:
                data = b''
            if not data:
                return events
            self.parser.feed(data)

    def close(self):
        self.sock.close()


def test_echo_text_binary_and_empty(start_app):
    server = start_app()
    with ws_connect(server) as ws:
        for message in ('hello', 'h\u00e9llo \U0001f600', '', b'\x00\xff' * 500,
                        b'', 'y' * 16000):
            ws.send(message)
            assert ws.recv(timeout=5) == message
    stats = server.wait_stats(lambda s: s['ws_ended'])
    assert stats['ws_ended'] == [1000]


def test_ping_answered_with_payload(start_app):
    server = start_app()
    with ws_connect(server) as ws:
        for payload in (b'', b'abc', bytes(range(125))):
            pong = ws.ping(payload)
            assert pong.wait(5), payload
        ws.send('still alive')
        assert ws.recv(timeout=5) == 'still alive'


def test_fragmented_messages(start_app):
    server = start_app()
    with ws_connect(server) as ws:
        ws.send(['frag', 'men', 'ted'])
        assert ws.recv(timeout=5) == 'fragmented'
        ws.send([b'\x01', b'\x02' * 3000, b''])
        assert ws.recv(timeout=5) == b'\x01' + b'\x02' * 3000


def test_client_close_code_echoed(start_app):
    server = start_app()
    with ws_connect(server) as ws:
        ws.send('x')
        assert ws.recv(timeout=5) == 'x'
        ws.close(4001, 'client leaving')
        assert ws.protocol.close_rcvd.code == 4001
    stats = server.wait_stats(lambda s: s['ws_ended'])
    assert stats['ws_ended'] == [4001]


@pytest.mark.parametrize('code', [1000, 1001, 4321])
def test_server_close_code(start_app, code):
    server = start_app()
    with ws_connect(server, '/close/{}'.format(code)) as ws:
        ws.send('bye')
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
        assert ws.protocol.close_rcvd.code == code
        assert ws.protocol.close_rcvd.reason == 'server says bye'


def test_handler_return_closes_1000_and_url_args(start_app):
    server = start_app()
    with ws_connect(server, '/greet?name=ann') as ws:
        assert ws.recv(timeout=5) == 'hello ann'
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
        assert ws.protocol.close_rcvd.code == 1000


def test_handler_error_closes_1011(start_app):
    server = start_app()
    with ws_connect(server, '/crash') as ws:
        ws.send('go')
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
        assert ws.protocol.close_rcvd.code == 1011
    assert 'handler failed on purpose' in server.log()
    assert server.stats()  # still serving


def test_oversize_message_1009(start_app):
    server = start_app(max_message=1024)
    with ws_connect(server) as ws:
        ws.send('a' * 1024)
        assert ws.recv(timeout=5) == 'a' * 1024
        ws.send(b'b' * 1025)
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
        assert ws.protocol.close_rcvd.code == 1009
    with ws_connect(server) as ws:  # fragments count together
        ws.send(['c' * 600, 'c' * 600])
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
        assert ws.protocol.close_rcvd.code == 1009
    stats = server.wait_stats(lambda s: len(s['ws_ended']) >= 2)
    assert stats['ws_ended'] == [1009, 1009]


def test_bad_handshake_400(start_app):
    server = start_app()
    sock = socket.create_connection(('127.0.0.1', server.port), 5)
    sock.sendall(b'GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n'
                 b'Connection: Upgrade\r\nSec-WebSocket-Key: short\r\n'
                 b'Sec-WebSocket-Version: 13\r\n\r\n')
    assert sock.recv(100).startswith(b'HTTP/1.1 400 ')
    sock.close()
    sock = socket.create_connection(('127.0.0.1', server.port), 5)
    sock.sendall(b'GET /echo HTTP/1.1\r\nHost: x\r\n\r\n')
    assert sock.recv(100).startswith(b'HTTP/1.1 400 ')
    sock.close()
    sock = socket.create_connection(('127.0.0.1', server.port), 5)
    sock.sendall(b'GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n'
                 b'Connection: Upgrade\r\n'
                 b'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
                 b'Sec-WebSocket-Version: 8\r\n\r\n')
    head = sock.recv(300)
    assert head.startswith(b'HTTP/1.1 426 ')
    assert b'Sec-WebSocket-Version: 13' in head
    sock.close()


def test_compression_offer_declined(start_app):
    server = start_app()
    with ws_connect(server, compression='deflate') as ws:
        assert 'Sec-WebSocket-Extensions' not in ws.response.headers
        ws.send('z' * 1000)
        assert ws.recv(timeout=5) == 'z' * 1000


@pytest.mark.parametrize('data, code', [
    (encode_frame(TEXT, b'not masked'), 1002),
    (b'\xc1\x80' + MASK, 1002),  # reserved bit
    (encode_frame(3, b'', mask=MASK), 1002),  # unknown opcode
    (encode_frame(PING, b'p' * 126, mask=MASK), 1002),
    (encode_frame(PING, b'p', fin=False, mask=MASK), 1002),
    (encode_frame(CONT, b'x', mask=MASK), 1002),
    (encode_frame(TEXT, b'\xed\xa0\x80', mask=MASK), 1007),  # surrogate
    (encode_frame(TEXT, b'\xc0\xaf', mask=MASK), 1007),  # overlong
    (encode_frame(TEXT, b'ok\xf4\x90\x80\x80', mask=MASK), 1007),
    (encode_frame(CLOSE, b'\x03\xed', mask=MASK), 1002),  # code 1005
])
def test_protocol_errors(start_app, data, code):
    server = start_app()
    client = RawClient(server)
    client.send(encode_frame(TEXT, 'first', mask=MASK) + data)
    events = client.events()
    client.close()
    assert events == [(TEXT, 'first'), (CLOSE, (code, ''))]
    stats = server.wait_stats(lambda s: s['ws_ended'])
    assert stats['ws_ended'] == [code]
    assert 'Traceback' not in server.log()


def test_frames_one_byte_at_a_time(start_app):
    server = start_app()
    client = RawClient(server)
    data = encode_frame(TEXT, 'caf\u00e9', mask=MASK) + \
        encode_frame(BINARY, b'\x00' * 300, fin=False, mask=MASK) + \
        encode_frame(PING, b'between', mask=MASK) + \
        encode_frame(CONT, b'\x01', mask=MASK) + \
        encode_frame(CLOSE, b'\x03\xe8', mask=MASK)
    for i in range(len(data)):
        client.send(data[i:i + 1])
        if i % 50 == 0:
            time.sleep(0.001)
    events = client.events()
    client.close()
    assert events == [(TEXT, 'caf\u00e9'), (10, b'between'),
                      (BINARY, b'\x00' * 300 + b'\x01'), (CLOSE, (1000, ''))]


def test_client_vanishes_mid_frame(start_app):
    server = start_app()
    for _ in range(3):
        client = RawClient(server)
        frame = encode_frame(BINARY, b'q' * 1000, mask=MASK)
        client.send(frame[:500])
        time.sleep(0.05)
        client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                               b'\x01\x00\x00\x00\x00\x00\x00\x00')
        client.close()  # an abortive close: RST
    stats = server.wait_stats(lambda s: len(s['ws_ended']) >= 3)
    assert stats['ws_ended'] == [1006, 1006, 1006]
    assert 'Traceback' not in server.log()
    with ws_connect(server) as ws:  # still serving
        ws.send('ok')
        assert ws.recv(timeout=5) == 'ok'


def test_quiet_connection_outlives_body_timeout(start_app):
    server = start_app(body_timeout=0.3)
    with ws_connect(server) as ws:
        time.sleep(1.2)
        ws.send('still here')
        assert ws.recv(timeout=5) == 'still here'
