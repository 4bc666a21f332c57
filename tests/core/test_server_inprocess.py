# The server's connection loop driven in memory: no sockets needed, so it
# runs on both interpreters.
import asyncio
import sys
import unittest

from microdot import Microdot
from microdot.server import Server
from helpers.support import run


class FakeReader:
    def __init__(self, *chunks):
        self.chunks = list(chunks)

    async def read(self, n):
        return self.chunks.pop(0) if self.chunks else b''


class FakeWriter:
    def __init__(self):
        self.data = b''
        self.closed = False

    def write(self, data):
        self.data += data

    async def drain(self):
        pass

    def get_extra_info(self, name):
        return ('127.0.0.1', 1234)

    def close(self):
        self.closed = True

    async def wait_closed(self):
        pass


def serve(app, *chunks):
    writer = FakeWriter()
    run(Server(app).serve_connection(FakeReader(*chunks), writer))
    return writer


class TestConnectionLoop(unittest.TestCase):
    def make_app(self):
        app = Microdot()

        @app.route('/')
        async def index(req):
            return 'ok'

        @app.route('/stream')
        async def stream(req):
            def gen():
                yield 'start'
                raise RuntimeError('a streamed body failing midway')
            return gen()

        @app.route('/full')
        async def full(req):
            raise MemoryError('no heap left')

        return app

    def test_keep_alive_and_pipelining(self):
        w = serve(self.make_app(),
                  b'GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HT',
                  b'TP/1.1\r\nHost: x\r\n\r\n')
        self.assertEqual(w.data.count(b'HTTP/1.1 200 OK\r\n'), 2)
        self.assertTrue(w.closed)

    def test_streamed_body_failing_midway_closes_the_connection(self):
        w = serve(self.make_app(),
                  b'GET /stream HTTP/1.1\r\nHost: x\r\n\r\n'
                  b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
        self.assertIn(b'Transfer-Encoding: chunked', w.data)
        self.assertIn(b'start', w.data)
        self.assertNotIn(b'0\r\n\r\n', w.data)  # no clean end: it was cut
        self.assertEqual(w.data.count(b'HTTP/1.1'), 1)
        self.assertTrue(w.closed)

    def test_bad_request_gets_400_and_close(self):
        w = serve(self.make_app(), b'GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n')
        self.assertTrue(w.data.startswith(b'HTTP/1.1 400 '))
        self.assertIn(b'Connection: close\r\n', w.data)
        self.assertNotIn(b'Traceback', w.data)

    def test_memory_error_in_a_handler_is_a_503_without_traceback(self):
        w = serve(self.make_app(),
                  b'GET /full HTTP/1.1\r\nHost: x\r\n\r\n'
                  b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
        self.assertTrue(w.data.startswith(b'HTTP/1.1 503 '))
        self.assertIn(b'Retry-After: 1\r\n', w.data)
        self.assertIn(b'Connection: close\r\n', w.data)
        self.assertEqual(w.data.count(b'HTTP/1.1'), 1)  # closed: heap back
        self.assertTrue(w.closed)

    def test_an_app_handler_for_memory_error_is_used(self):
        app = self.make_app()

        @app.errorhandler(MemoryError)
        async def low_memory(req, exc):
            return 'later', 503, {'Retry-After': '5'}

        w = serve(app, b'GET /full HTTP/1.1\r\nHost: x\r\n\r\n')
        self.assertTrue(w.data.startswith(b'HTTP/1.1 503 '))
        self.assertIn(b'Retry-After: 5\r\n', w.data)
        self.assertTrue(w.data.endswith(b'later'))

    def test_a_malformed_request_reaches_the_apps_400_handler(self):
        app = self.make_app()
        seen = []

        @app.errorhandler(400)
        async def bad_request(req):
            seen.append(req)
            return 'custom 400', 400

        w = serve(app, b'GET / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n')
        self.assertTrue(w.data.startswith(b'HTTP/1.1 400 '))
        self.assertIn(b'Connection: close\r\n', w.data)
        self.assertTrue(w.data.endswith(b'custom 400'))
        self.assertEqual(seen, [None])
        self.assertTrue(w.closed)

    def test_a_431_is_answered_by_the_server_itself(self):
        app = self.make_app()

        @app.errorhandler(431)
        async def big(req):
            return 'not used', 431

        w = serve(app, b'GET / HTTP/1.1\r\nHost: x\r\nA: ' + b'y' * 5000 +
                  b'\r\n\r\n')
        self.assertTrue(w.data.startswith(b'HTTP/1.1 431 '))
        self.assertNotIn(b'not used', w.data)

    def test_start_serving_false(self):
        app = self.make_app()

        async def main():
            task = asyncio.create_task(app.start_server(
                host='127.0.0.1', port=0, start_serving=False))
            for _ in range(100):
                if app.server is not None and \
                        app.server.listener is not None or task.done():
                    break
                await asyncio.sleep(0.01)
            if task.done():
                return await task  # raises what start_server raised
            serving = app.server.listener.is_serving()
            app.shutdown()
            await task
            return serving

        if sys.implementation.name == 'micropython':
            # MicroPython's asyncio has no servers that wait to serve
            with self.assertRaises(ValueError):
                run(main())
        else:
            self.assertFalse(run(main()))
