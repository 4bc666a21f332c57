import asyncio
import unittest

from helpers.support import run

from microdot import Microdot
from microdot.sse import SSE, format_event, sse_response, with_sse
from microdot.test_client import TestClient


# Iterates an SSE body the way the server does; stops after limit chunks.
async def collect(body, limit=100):
    chunks = []
    it = body.__aiter__()
    try:
        while len(chunks) < limit:
            try:
                chunks.append(await it.__anext__())
            except StopAsyncIteration:
                break
    finally:
        await it.aclose()
    return chunks


class TestFormat(unittest.TestCase):
    def test_data_types(self):
        self.assertEqual(format_event('hello'), b'data: hello\n\n')
        self.assertEqual(format_event(b'raw'), b'data: raw\n\n')
        self.assertEqual(format_event(42), b'data: 42\n\n')
        self.assertEqual(format_event({'a': 1}), b'data: {"a": 1}\n\n')
        self.assertEqual(format_event([1, 2]), b'data: [1, 2]\n\n')
        self.assertEqual(format_event(''), b'data: \n\n')
        self.assertEqual(format_event('caf\u00e9'), b'data: caf\xc3\xa9\n\n')

    def test_multiline_data(self):
        self.assertEqual(format_event('a\nb\r\nc\rd'),
                         b'data: a\ndata: b\ndata: c\ndata: d\n\n')
        self.assertEqual(format_event('end\n'), b'data: end\ndata: \n\n')

    def test_fields(self):
        self.assertEqual(
            format_event('x', event='update', event_id='7', retry=2.5),
            b'event: update\nid: 7\nretry: 2500\ndata: x\n\n')
        self.assertEqual(format_event('x', event_id=0),
                         b'id: 0\ndata: x\n\n')
        self.assertEqual(format_event('x', retry=1), b'retry: 1000\ndata: x\n\n')

    def test_comment(self):
        self.assertEqual(format_event('keep going', comment=True),
                         b': keep going\n\n')
        self.assertEqual(format_event('a\nb', comment=True), b': a\n: b\n\n')

    def test_line_breaks_in_fields_rejected(self):
        self.assertRaises(ValueError, format_event, 'x', event='a\nb')
        self.assertRaises(ValueError, format_event, 'x', event_id='1\r')


class TestSSE(unittest.TestCase):
    def test_stream_through_app(self):
        app = Microdot()

        @app.route('/events/<int:count>')
        @with_sse
        async def events(request, sse, count):
            for i in range(count):
                await sse.send({'n': i}, event='tick')
                await asyncio.sleep(0)
            await sse.send('bye')

        res = run(TestClient(app).get('/events/2'))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers['Content-Type'], 'text/event-stream')
        self.assertEqual(res.headers['Cache-Control'], 'no-cache')
        self.assertEqual(res.body, b'event: tick\ndata: {"n": 0}\n\n'
                                   b'event: tick\ndata: {"n": 1}\n\n'
                                   b'data: bye\n\n')

    def test_sse_response_in_a_route(self):
        app = Microdot()

        async def numbers(request, sse, start, step=1):
            await sse.send(start)
            await sse.send(start + step)

        @app.route('/n')
        async def index(request):
            return sse_response(request, numbers, 10, step=5)

        res = run(TestClient(app).get('/n'))
        self.assertEqual(res.body, b'data: 10\n\ndata: 15\n\n')

    def test_queued_events_go_out_together(self):
        async def burst(request, sse):
            for i in range(3):
                await sse.send(i)

        res = sse_response(None, burst)
        self.assertEqual(run(collect(res.body)),
                         [b'data: 0\n\ndata: 1\n\ndata: 2\n\n'])

    def test_aclose_cancels_the_task(self):
        log = []

        async def forever(request, sse):
            try:
                while True:
                    await sse.send('x')
                    await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                log.append('cancelled')
                raise
            finally:
                log.append('cleanup')

        async def main():
            res = sse_response(None, forever)
            chunks = await collect(res.body, 3)
            return res.body, chunks

        body, chunks = run(main())
        self.assertEqual(chunks, [b'data: x\n\n'] * 3)
        self.assertEqual(log, ['cancelled', 'cleanup'])
        self.assertTrue(body.task.done())

    def test_aclose_while_waiting_for_events(self):
        log = []

        async def idle(request, sse):
            try:
                await asyncio.sleep(10)
            finally:
                log.append('cleanup')

        async def main():
            res = sse_response(None, idle)
            it = res.body.__aiter__()
            waiter = asyncio.create_task(it.__anext__())
            await asyncio.sleep(0.02)
            waiter.cancel()  # what the server's task sees when cancelled
            try:
                await waiter
            except asyncio.CancelledError:
                pass
            await it.aclose()
            await it.aclose()  # twice is harmless

        run(main())
        self.assertEqual(log, ['cleanup'])

    def test_never_iterated_never_runs(self):
        log = []

        async def handler(request, sse):
            log.append('ran')

        async def main():
            res = sse_response(None, handler)
            await res.body.aclose()

        run(main())
        self.assertEqual(log, [])

    def test_handler_error_raised_after_queued_events(self):
        async def broken(request, sse):
            await sse.send('first')
            await sse.send('second')
            raise ValueError('boom')

        async def main():
            chunks = []
            it = sse_response(None, broken).body.__aiter__()
            try:
                while True:
                    chunks.append(await it.__anext__())
            except StopAsyncIteration:
                return chunks, None
            except ValueError as exc:
                return chunks, exc
            finally:
                await it.aclose()

        chunks, exc = run(main())
        self.assertEqual(b''.join(chunks), b'data: first\n\ndata: second\n\n')
        self.assertIsInstance(exc, ValueError)
        self.assertEqual(str(exc), 'boom')

    def test_heartbeat(self):
        async def slow(request, sse):
            await asyncio.sleep(0.25)
            await sse.send('late')

        res = sse_response(None, slow)
        res.body.heartbeat = 0.1
        chunks = run(collect(res.body))
        self.assertEqual(chunks[-1], b'data: late\n\n')
        self.assertIn(b': \n\n', chunks)

    def test_send_waits_when_client_is_slow(self):
        seen = []

        async def fast(request, sse):
            for i in range(20):
                await sse.send(i)
                seen.append(len(sse.pending))

        async def main():
            res = sse_response(None, fast)
            res.body.max_pending = 4
            chunks = []
            async for chunk in res.body:
                chunks.append(chunk)
                await asyncio.sleep(0.001)
            return chunks

        chunks = run(main())
        self.assertEqual(b''.join(chunks),
                         b''.join(format_event(i) for i in range(20)))
        self.assertLess(max(seen), 5)
        self.assertGreater(len(chunks), 4)

    def test_default_settings(self):
        self.assertEqual(SSE.heartbeat, 15)
        self.assertEqual(SSE.max_pending, 16)


class TestEventsInTestClient(unittest.TestCase):
    def test_events_parsed(self):
        app = Microdot()

        @app.route('/events')
        @with_sse
        async def events(request, sse):
            await sse.send('plain')
            await sse.send({'n': 1}, event='json', event_id=7)
            await sse.send('a\nb', retry=2.5)
            await sse.send('ignored', comment=True)
            await sse.send('[not json')

        @app.route('/text')
        async def text(request):
            return 'data: no\n\n'

        client = TestClient(app)
        res = run(client.get('/events'))
        self.assertEqual([e['data'] for e in res.events],
                         [b'plain', b'{"n": 1}', b'a\nb', b'[not json'])
        self.assertIsNone(run(client.get('/text')).events)

    def test_events_have_every_field(self):
        app = Microdot()

        @app.route('/events')
        @with_sse
        async def events(request, sse):
            await sse.send('plain')
            await sse.send({'n': 1}, event='json', event_id=7)
            await sse.send([1, 'x'], retry=2.5)
            await sse.send(42, event='number', event_id='n1', retry=1)
            await sse.send(b'caf\xc3\xa9\nline two')

        res = run(TestClient(app).get('/events'))
        self.assertEqual(res.events, [
            {'data': b'plain', 'data_json': None, 'event': None,
             'event_id': None, 'retry': None},
            {'data': b'{"n": 1}', 'data_json': {'n': 1}, 'event': 'json',
             'event_id': '7', 'retry': None},
            {'data': b'[1, "x"]', 'data_json': [1, 'x'], 'event': None,
             'event_id': None, 'retry': 2.5},
            {'data': b'42', 'data_json': 42, 'event': 'number',
             'event_id': 'n1', 'retry': 1},
            {'data': b'caf\xc3\xa9\nline two', 'data_json': None,
             'event': None, 'event_id': None, 'retry': None},
        ])

    def test_events_none_for_head(self):
        app = Microdot()

        @app.route('/events')
        @with_sse
        async def events(request, sse):
            await sse.send('x')

        res = run(TestClient(app).head('/events'))
        self.assertEqual(res.headers['Content-Type'], 'text/event-stream')
        self.assertIsNone(res.events)

    def test_handler_error_raised_by_test_client(self):
        app = Microdot()

        @app.route('/decorated')
        @with_sse
        async def decorated(request, sse):
            await sse.send('first')
            raise ValueError('decorated failed')

        async def failing(request, sse):
            await sse.send('first')
            raise KeyError('plain failed')

        @app.route('/plain')
        async def plain(request):
            return sse_response(request, failing)

        client = TestClient(app)
        with self.assertRaises(ValueError):
            run(client.get('/decorated'))
        with self.assertRaises(KeyError):
            run(client.get('/plain'))
