import asyncio
import unittest

from helpers.support import run

from microdot import Request, Response, NoCaseDict
from microdot.websocket import CLOSE, PING, PONG, TEXT, BINARY, CONT, \
    FrameParser, WebSocket, WebSocketError, decode_utf8, encode_frame, \
    frame_head, websocket_upgrade, with_websocket

MASK = b'\x37\xfa\x21\x3d'
KEY = 'dGhlIHNhbXBsZSBub25jZQ=='  # the example key of RFC 6455 1.3
ACCEPT = b's3pPLMBiTxaQ9kYGzzhZRbK+xOo='


# Client frames, masked as a client must.
def cframe(opcode, payload=b'', fin=True, mask=MASK):
    return encode_frame(opcode, payload, fin, mask)


def close_frame(code=None, reason=b''):
    if code is None:
        return cframe(CLOSE)
    return cframe(CLOSE, bytes((code >> 8, code & 255)) + reason)


# Hands out the given bytes, at most n at a time, in the given pieces;
# then the end of the stream (b''), or an error if fail is set.
class FakeStream:
    def __init__(self, pieces, fail=None):
        self.pieces = list(pieces)
        self.fail = fail

    async def read(self, n=-1):
        await asyncio.sleep(0)
        if not self.pieces:
            if self.fail:
                raise self.fail
            return b''
        data = self.pieces[0]
        if n < 0 or n >= len(data):
            self.pieces.pop(0)
            return data
        self.pieces[0] = data[n:]
        return data[:n]


class FakeWriter:
    def __init__(self):
        self.data = b''
        self.broken = False

    def write(self, data):
        self.data += bytes(data)

    async def drain(self):
        if self.broken:
            raise OSError(32, 'broken pipe')


def make_request(pieces=(), headers=None, method='GET', version='1.1',
                 fail=None):
    h = {'Host': 'localhost', 'Upgrade': 'websocket',
         'Connection': 'keep-alive, Upgrade', 'Sec-WebSocket-Key': KEY,
         'Sec-WebSocket-Version': '13'}
    for name, value in (headers or {}).items():
        if value is None:
            h.pop(name, None)
        else:
            h[name] = value
    stream = FakeStream(pieces, fail)
    writer = FakeWriter()
    request = Request(None, ('127.0.0.1', 1234), method, '/ws', version,
                      NoCaseDict(h), sock=(stream, writer))
    return request, writer


# The frames the server wrote after its 101 head, as parser events.
def server_events(data):
    head, _, rest = data.partition(b'\r\n\r\n')
    parser = FrameParser(0, masked=False)
    parser.feed(rest)
    events = []
    while True:
        event = parser.next_event()
        if event is None:
            break
        events.append(event)
    return head, events


def echo_app():
    @with_websocket
    async def echo(request, ws):
        while True:
            data = await ws.receive()
            await ws.send(data)
    return echo


def run_echo(pieces, **kwargs):
    request, writer = make_request(pieces, **kwargs)
    ret = run(echo_app()(request))
    return ret, server_events(writer.data)


class TestFrames(unittest.TestCase):
    def parse(self, data, pieces=1, limit=0):
        parser = FrameParser(limit)
        events = []
        step = max(1, len(data) // pieces) if pieces else 1
        for i in range(0, len(data), step):
            parser.feed(data[i:i + step])
            while True:
                event = parser.next_event()
                if event is None:
                    break
                events.append(event)
        return events

    def test_frame_head_lengths(self):
        self.assertEqual(frame_head(TEXT, 5), b'\x81\x05')
        self.assertEqual(frame_head(BINARY, 126), b'\x82\x7e\x00\x7e')
        self.assertEqual(frame_head(BINARY, 65535), b'\x82\x7e\xff\xff')
        self.assertEqual(frame_head(BINARY, 65536),
                         b'\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00')
        self.assertEqual(frame_head(TEXT, 0, fin=False), b'\x01\x00')

    def test_rfc_masked_example(self):
        # RFC 6455 5.7: a masked "Hello"
        data = b'\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58'
        self.assertEqual(self.parse(data), [(TEXT, 'Hello')])
        self.assertEqual(cframe(TEXT, 'Hello'), data)

    def test_split_one_byte_at_a_time(self):
        payload = bytes(range(256)) * 300  # 64-bit length
        data = cframe(TEXT, 'héllo') + cframe(BINARY, payload) + \
            cframe(PING, b'p') + cframe(TEXT, 'a' * 200, fin=False) + \
            cframe(CONT, 'b' * 3)
        expected = [(TEXT, 'héllo'), (BINARY, payload), (PING, b'p'),
                    (TEXT, 'a' * 200 + 'bbb')]
        self.assertEqual(self.parse(data), expected)
        self.assertEqual(self.parse(data[:300], 0), expected[:1])
        for pieces in (3, 7, 100):
            self.assertEqual(self.parse(data, pieces), expected)

    def test_needed_counts_missing_bytes(self):
        parser = FrameParser()
        self.assertEqual(parser.needed(), 2)
        frame = cframe(BINARY, b'x' * 300)
        parser.feed(frame[:1])
        self.assertEqual(parser.needed(), 1)
        parser.feed(frame[1:2])
        self.assertEqual(parser.needed(), 6)
        parser.feed(frame[2:8])
        self.assertIsNone(parser.next_event())
        self.assertEqual(parser.needed(), 300)
        parser.feed(frame[8:])
        self.assertEqual(parser.next_event(), (BINARY, b'x' * 300))

    def test_empty_messages(self):
        data = cframe(TEXT) + cframe(BINARY) + cframe(TEXT, b'', False) + \
            cframe(CONT, b'')
        self.assertEqual(self.parse(data),
                         [(TEXT, ''), (BINARY, b''), (TEXT, '')])

    def test_fragments_with_control_frames_between(self):
        data = cframe(BINARY, b'ab', False) + cframe(PING, b'1') + \
            cframe(CONT, b'cd', False) + cframe(PONG, b'2') + \
            cframe(CONT, b'ef')
        self.assertEqual(self.parse(data, 0), [
            (PING, b'1'), (PONG, b'2'), (BINARY, b'abcdef')])

    def test_utf8_split_across_fragments(self):
        data = cframe(TEXT, b'caf\xc3', False) + cframe(CONT, b'\xa9')
        self.assertEqual(self.parse(data), [(TEXT, 'café')])

    def assertFails(self, data, code, limit=0):
        with self.assertRaises(WebSocketError) as cm:
            self.parse(data, 0, limit)
        self.assertEqual(cm.exception.code, code)

    def test_protocol_errors(self):
        self.assertFails(encode_frame(TEXT, b'hi'), 1002)  # not masked
        self.assertFails(b'\xc1\x80' + MASK, 1002)  # RSV1
        self.assertFails(b'\xa1\x80' + MASK, 1002)  # RSV2
        self.assertFails(b'\x91\x80' + MASK, 1002)  # RSV3
        for op in (3, 4, 5, 6, 7, 11, 12, 13, 14, 15):
            self.assertFails(cframe(op, b'x'), 1002)
        self.assertFails(cframe(PING, b'x' * 126), 1002)
        self.assertFails(cframe(PING, b'x', fin=False), 1002)
        self.assertFails(cframe(CLOSE, b'', fin=False), 1002)
        self.assertFails(cframe(CONT, b'x'), 1002)
        self.assertFails(cframe(TEXT, b'a', False) + cframe(TEXT, b'b'), 1002)
        self.assertFails(cframe(TEXT, b'a', False) + cframe(BINARY, b'b'),
                         1002)
        # lengths not in their shortest form, or with the top bit set
        self.assertFails(b'\x82\xfe\x00\x05' + MASK + b'x' * 5, 1002)
        self.assertFails(b'\x82\xff' + (5).to_bytes(8, 'big') + MASK, 1002)
        self.assertFails(b'\x82\xff\x80' + b'\x00' * 7 + MASK, 1002)

    def test_errors_caught_before_the_payload(self):
        parser = FrameParser(100)
        parser.feed(b'\x82\xff' + (1 << 40).to_bytes(8, 'big') + MASK)
        with self.assertRaises(WebSocketError) as cm:
            parser.next_event()
        self.assertEqual(cm.exception.code, 1009)
        parser = FrameParser()
        parser.feed(b'\x83')
        self.assertIsNone(parser.next_event())
        parser.feed(b'\x80')
        self.assertRaises(WebSocketError, parser.next_event)

    def test_invalid_utf8(self):
        for bad in (b'\xff', b'\xc3', b'a\x80', b'\xc0\xaf', b'\xe0\x80\xaf',
                    b'\xed\xa0\x80', b'\xf4\x90\x80\x80', b'\xf8\x88\x80\x80',
                    b'\xf0\x80\x80\xaf'):
            self.assertFails(cframe(TEXT, bad), 1007)
            self.assertFails(cframe(TEXT, bad[:1], False) +
                             cframe(CONT, bad[1:]), 1007)
            self.assertFails(close_frame(1000, bad), 1007)

    def test_valid_utf8(self):
        for good in ('a', 'é', '€', '\U0001f600', '\ud7ff', '\ue000',
                     '\U0010ffff', '\uffff'):
            self.assertEqual(decode_utf8(good.encode()), good)
        # binary messages are not checked
        self.assertEqual(self.parse(cframe(BINARY, b'\xff')),
                         [(BINARY, b'\xff')])

    def test_size_limit(self):
        self.assertEqual(self.parse(cframe(BINARY, b'x' * 10), limit=10),
                         [(BINARY, b'x' * 10)])
        self.assertFails(cframe(BINARY, b'x' * 11), 1009, 10)
        self.assertFails(cframe(TEXT, b'x' * 6, False) +
                         cframe(CONT, b'x' * 5), 1009, 10)
        # control frames are not messages
        self.assertEqual(self.parse(cframe(PING, b'x' * 20), limit=10),
                         [(PING, b'x' * 20)])

    def test_close_payloads(self):
        self.assertEqual(self.parse(close_frame()), [(CLOSE, (None, ''))])
        self.assertEqual(self.parse(close_frame(1001, b'bye')),
                         [(CLOSE, (1001, 'bye'))])
        self.assertEqual(self.parse(close_frame(4321)),
                         [(CLOSE, (4321, ''))])
        self.assertFails(cframe(CLOSE, b'\x03'), 1002)
        for code in (0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000):
            self.assertFails(close_frame(code), 1002)


class TestHandshake(unittest.TestCase):
    def test_accept(self):
        request, writer = make_request()
        ws = run(websocket_upgrade(request))
        self.assertIsInstance(ws, WebSocket)
        self.assertEqual(writer.data,
                         b'HTTP/1.1 101 Switching Protocols\r\n'
                         b'Upgrade: websocket\r\nConnection: Upgrade\r\n'
                         b'Sec-WebSocket-Accept: ' + ACCEPT + b'\r\n\r\n')

    def test_headers_case_and_lists(self):
        request, writer = make_request(headers={
            'Upgrade': 'WebSocket', 'Connection': 'upgrade'})
        run(websocket_upgrade(request))
        self.assertIn(ACCEPT, writer.data)

    def test_bad_handshakes(self):
        cases = [
            dict(headers={'Upgrade': None}),
            dict(headers={'Upgrade': 'h2c'}),
            dict(headers={'Connection': None}),
            dict(headers={'Connection': 'keep-alive'}),
            dict(headers={'Sec-WebSocket-Key': None}),
            dict(headers={'Sec-WebSocket-Key': 'c2hvcnQ='}),
            dict(headers={'Sec-WebSocket-Key': '!!!!!!!!!!!!!!!!!!!!!!=='}),
            dict(headers={'Sec-WebSocket-Key': KEY + 'AAAA'}),
            dict(method='POST'),
            dict(version='1.0'),
        ]
        for kwargs in cases:
            request, writer = make_request(**kwargs)
            with self.assertRaises(Exception) as cm:
                run(websocket_upgrade(request))
            self.assertEqual(getattr(cm.exception, 'status_code', None), 400)
            self.assertEqual(writer.data, b'')
            with self.assertRaises(Exception) as cm:
                run(echo_app()(request))
            self.assertEqual(getattr(cm.exception, 'status_code', None), 400)
            self.assertEqual(writer.data, b'')

    def test_unsupported_version(self):
        for version in ('12', None):
            request, writer = make_request(
                headers={'Sec-WebSocket-Version': version})
            res = run(echo_app()(request))
            self.assertEqual(res.status_code, 426)
            self.assertEqual(res.headers['Sec-WebSocket-Version'], '13')
            self.assertEqual(writer.data, b'')

    def test_adapter_seam(self):
        class AdapterSock:
            async def websocket_upgrade(self, request):
                return 'adapter websocket'

        request, writer = make_request(headers={'Upgrade': None})
        request.sock = AdapterSock()
        self.assertEqual(run(websocket_upgrade(request)), 'adapter websocket')


class TestWebSocket(unittest.TestCase):
    def test_echo(self):
        ret, (head, events) = run_echo([
            cframe(TEXT, 'hello'), cframe(BINARY, b'\x00\xff'),
            cframe(TEXT, ''), cframe(BINARY, b''), close_frame(1000)])
        self.assertIs(ret, Response.already_handled)
        self.assertIn(b' 101 ', head)
        self.assertEqual(events, [
            (TEXT, 'hello'), (BINARY, b'\x00\xff'), (TEXT, ''), (BINARY, b''),
            (CLOSE, (1000, ''))])

    def test_one_byte_reads(self):
        data = cframe(TEXT, 'héllo wörld' * 30) + cframe(PING, b'abc') + \
            cframe(BINARY, bytes(range(256)) * 60) + close_frame(1001, b'x')
        ret, (head, events) = run_echo(
            [data[i:i + 1] for i in range(len(data))])
        self.assertEqual(events, [
            (TEXT, 'héllo wörld' * 30), (PONG, b'abc'),
            (BINARY, bytes(range(256)) * 60), (CLOSE, (1001, ''))])

    def test_ping_pong(self):
        ret, (head, events) = run_echo([
            cframe(PING), cframe(PING, b'payload'), cframe(PONG, b'unsolicited'),
            cframe(TEXT, 'x'), close_frame()])
        self.assertEqual(events, [(PONG, b''), (PONG, b'payload'),
                                  (TEXT, 'x'), (CLOSE, (None, ''))])

    def test_fragmented(self):
        ret, (head, events) = run_echo([
            cframe(TEXT, 'fra', False), cframe(PING, b'!'),
            cframe(CONT, 'gme', False), cframe(CONT, 'nted'),
            close_frame(1000)])
        self.assertEqual(events, [(PONG, b'!'), (TEXT, 'fragmented'),
                                  (CLOSE, (1000, ''))])

    def test_close_code_echoed(self):
        for code in (1000, 1001, 1003, 1011, 3000, 4999):
            ret, (head, events) = run_echo([close_frame(code, b'reason')])
            self.assertEqual(events, [(CLOSE, (code, ''))])

    def test_protocol_errors_close_the_connection(self):
        cases = [
            (encode_frame(TEXT, b'unmasked'), 1002),
            (b'\xc1\x80' + MASK, 1002),
            (cframe(7, b'x'), 1002),
            (cframe(PING, b'x' * 126), 1002),
            (cframe(PING, b'x', fin=False), 1002),
            (cframe(CONT, b'x'), 1002),
            (cframe(TEXT, b'\xce\xba\xe1\xbd'), 1007),
            (cframe(CLOSE, b'\x03\xe8\xff'), 1007),
            (close_frame(1005), 1002),
            (cframe(BINARY, b'x' * (Request.max_body_length + 1)), 1009),
        ]
        for data, code in cases:
            ret, (head, events) = run_echo([cframe(TEXT, 'ok'), data,
                                            cframe(TEXT, 'never read')])
            self.assertIs(ret, Response.already_handled)
            self.assertEqual(events[0], (TEXT, 'ok'))
            self.assertEqual(events[1:], [(CLOSE, (code, ''))])

    def test_max_message_length(self):
        class Small(WebSocket):
            max_message_length = 8

        request, writer = make_request([cframe(BINARY, b'x' * 9)])
        ws = Small(request)
        with self.assertRaises(WebSocketError) as cm:
            run(ws.receive())
        self.assertEqual(cm.exception.code, 1009)
        self.assertEqual(server_events(b'\r\n\r\n' + writer.data)[1],
                         [(CLOSE, (1009, ''))])

        class Unlimited(WebSocket):
            max_message_length = 0

        big = b'y' * (Request.max_body_length + 10)
        request, writer = make_request([cframe(BINARY, big)])
        self.assertEqual(run(Unlimited(request).receive()), big)

    def test_client_vanishes_mid_frame(self):
        frame = cframe(TEXT, 'hello there')
        for fail in (None, OSError(104, 'reset')):
            results = []

            @with_websocket
            async def handler(request, ws):
                try:
                    await ws.receive()
                except WebSocketError as exc:
                    results.append(exc.code)
                    raise

            request, writer = make_request([frame[:5]], fail=fail)
            ret = run(handler(request))
            self.assertIs(ret, Response.already_handled)
            self.assertEqual(results, [1006])
            head, events = server_events(writer.data)
            self.assertEqual(events, [])

    def test_write_to_vanished_client(self):
        @with_websocket
        async def handler(request, ws):
            request.sock[1].broken = True
            await ws.send('x')
            raise RuntimeError('not reached')

        request, writer = make_request([])
        self.assertIs(run(handler(request)), Response.already_handled)

    def test_handler_error_closes_with_1011(self):
        @with_websocket
        async def handler(request, ws):
            await ws.receive()
            raise ValueError('boom')

        request, writer = make_request([cframe(TEXT, 'x'), close_frame(1011)])
        self.assertIs(run(handler(request)), Response.already_handled)
        self.assertEqual(server_events(writer.data)[1], [(CLOSE, (1011, ''))])

    def test_server_close_waits_for_peer(self):
        seen = []

        @with_websocket
        async def handler(request, ws, name):
            await ws.send('hi ' + name)
            await ws.close(4000, 'done')
            seen.append(ws.close_code)
            with self.assertRaises(WebSocketError):
                await ws.send('too late')

        request, writer = make_request([
            cframe(TEXT, 'ignored'), cframe(PING, b'p'), close_frame(4000)])
        run(handler(request, 'bob'))
        self.assertEqual(seen, [4000])
        self.assertEqual(server_events(writer.data)[1], [
            (TEXT, 'hi bob'), (CLOSE, (4000, 'done'))])

    def test_close_timeout(self):
        class Quick(WebSocket):
            close_timeout = 0.05

        async def never():
            await asyncio.sleep(10)
            return b''

        request, writer = make_request()
        request.sock[0].read = lambda n: never()
        ws = Quick(request)
        run(ws.close())
        self.assertTrue(ws.closed)

    def test_receive_after_close(self):
        request, writer = make_request([close_frame(1000)])
        ws = WebSocket(request)
        with self.assertRaises(WebSocketError) as cm:
            run(ws.receive())
        self.assertEqual(cm.exception.code, 1000)
        with self.assertRaises(WebSocketError):
            run(ws.receive())
        with self.assertRaises(WebSocketError):
            run(ws.send('x'))

    def test_send_opcodes(self):
        request, writer = make_request()
        ws = WebSocket(request)
        run(ws.send('text'))
        run(ws.send(b'bin'))
        run(ws.send(b'bin as text', WebSocket.TEXT))
        run(ws.send(b'', WebSocket.PING))
        run(ws.send(b'x' * 70000))
        self.assertRaises(ValueError, run, ws.send(b'x' * 126, PING))
        self.assertEqual(server_events(b'\r\n\r\n' + writer.data)[1], [
            (TEXT, 'text'), (BINARY, b'bin'), (TEXT, 'bin as text'),
            (PING, b''), (BINARY, b'x' * 70000)])


class TestTestClient(unittest.TestCase):
    def setUp(self):
        from microdot import Microdot
        from microdot.test_client import TestClient
        app = Microdot()
        self.ended = []

        @app.route('/echo')
        @with_websocket
        async def echo(request, ws):
            try:
                while True:
                    data = await ws.receive()
                    await ws.send(data)
            except WebSocketError as exc:
                self.ended.append(exc.code)
                raise

        @app.route('/greet/<name>')
        @with_websocket
        async def greet(request, ws, name):
            await ws.send('hi ' + name)
            await ws.send('reply to ' + await ws.receive())

        self.client = TestClient(app)

    def test_echo_with_a_generator(self):
        replies = []

        def talk():
            replies.append((yield 'hello'))
            replies.append((yield b'\x00\x01'))
            replies.append((yield ''))

        res = run(self.client.websocket('/echo', talk))
        self.assertEqual(res.status_code, 101)
        self.assertEqual(res.headers['Upgrade'], 'websocket')
        self.assertEqual(replies, ['hello', b'\x00\x01', ''])
        self.assertEqual(self.ended, [1000])

    def test_server_speaks_first_and_closes(self):
        replies = []

        def talk():
            replies.append((yield 'bob'))
            replies.append((yield 'never answered'))

        res = run(self.client.websocket('/greet/ann', talk()))
        self.assertEqual(res.status_code, 101)
        self.assertEqual(replies, ['hi ann', 'reply to bob'])

    def test_upgrade_response_has_no_body(self):
        def talk():
            yield 'x'

        res = run(self.client.websocket('/echo', talk))
        self.assertEqual(res.status_code, 101)
        self.assertIsNone(res.body)
        self.assertIsNone(res.text)
        self.assertIsNone(res.json)
        # the upgrade asked for with a plain request: the 101 is reported
        res = run(self.client.get('/echo', headers={
            'Upgrade': 'websocket', 'Connection': 'Upgrade',
            'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
            'Sec-WebSocket-Version': '13'}))
        self.assertEqual((res.status_code, res.reason),
                         (101, 'Switching Protocols'))
        self.assertEqual(res.headers['Sec-WebSocket-Accept'],
                         's3pPLMBiTxaQ9kYGzzhZRbK+xOo=')
        self.assertIsNone(res.body)

    def test_not_a_websocket_route(self):
        def talk():
            yield 'x'

        res = run(self.client.websocket('/missing', talk))
        self.assertEqual(res.status_code, 404)
        res = run(self.client.websocket('/echo', talk, headers={
            'Sec-WebSocket-Key': 'bad'}))
        self.assertEqual(res.status_code, 400)
