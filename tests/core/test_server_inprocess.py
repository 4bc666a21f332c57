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
            server = await app.start_server(host='127.0.0.1', port=0,
                                            start_serving=False)
            before = server.listener.is_serving()
            task = asyncio.create_task(server.serve_forever())
            for _ in range(100):
                if server.listener.is_serving():
                    break
                await asyncio.sleep(0.01)
            during = server.listener.is_serving()
            app.shutdown()
            await task
            return before, during, app.server

        if sys.implementation.name == 'micropython':
            # MicroPython's asyncio has no servers that wait to serve
            with self.assertRaises(ValueError):
                run(main())
        else:
            self.assertEqual(run(main()), (False, True, None))


class FakeTask:
    def __init__(self):
        self.cancelled = False

    def cancel(self):
        self.cancelled = True


class FakeConnection:
    def __init__(self, state, since=0, buf=b'GET / HTTP/1.1\r\n\r\n'):
        self.state = state
        self.since = since
        self.buf = buf  # what was read last; b'' while nothing was
        self.deadline = None
        self.timed_out = False
        self.task = FakeTask()


class TestAdmission(unittest.TestCase):
    # The built-in server admits connections, not requests: a capacity learnt
    # from MemoryErrors, turns for waiting clients, 503 only for the excess.
    def make_server(self, *states):
        app = Microdot()
        server = Server(app)
        server.connections = [FakeConnection(s) for s in states]
        return server

    def test_a_memory_error_lowers_the_capacity_to_what_was_held(self):
        from microdot.server import DISPATCHING
        server = self.make_server(DISPATCHING, DISPATCHING, DISPATCHING)
        server._shed(1)  # one of the three failed: two fit
        self.assertEqual(server.capacity, 2)
        server.connections = server.connections[:1]
        server._shed(1)
        self.assertEqual(server.capacity, 1)  # a lone request still gets in

    def test_the_capacity_grows_a_step_a_tick_while_clients_wait(self):
        server = self.make_server()
        server.capacity = 2
        server._tick()
        self.assertEqual(server.capacity, 2)  # nobody waited
        server.crowded = True
        server._tick()
        self.assertEqual(server.capacity, 3)
        self.assertFalse(server.crowded)
        server.capacity = server.app.max_connections
        server.crowded = True
        server._tick()
        self.assertEqual(server.capacity, server.app.max_connections)

    def test_room_is_made_from_the_longest_idle_connection(self):
        from microdot.server import IDLE, DISPATCHING
        server = self.make_server(DISPATCHING, IDLE, IDLE)
        server.now = 5
        server.connections[1].since = 3
        server.connections[2].since = 1
        server.capacity = 3
        self.assertEqual(server.admission(False), 0)  # room is being made
        self.assertTrue(server.connections[2].task.cancelled)
        self.assertFalse(server.connections[1].task.cancelled)
        self.assertFalse(server.room_wanted)

    def test_a_keep_alive_connection_just_idle_is_not_dropped(self):
        # its next request may be on its way: the listener waits a tick
        from microdot.server import IDLE
        server = self.make_server(IDLE)
        server.now = 4
        server.connections[0].since = 3
        server.capacity = 1
        self.assertEqual(server.admission(False), 0)
        self.assertFalse(server.connections[0].task.cancelled)
        self.assertTrue(server.room_wanted)
        server.now = 5
        self.assertEqual(server.admission(False), 0)
        self.assertTrue(server.connections[0].task.cancelled)

    def test_a_connection_that_sent_nothing_is_dropped_at_once(self):
        from microdot.server import IDLE
        server = self.make_server(IDLE)
        server.connections[0].buf = b''
        server.capacity = 1
        self.assertEqual(server.admission(False), 0)
        self.assertTrue(server.connections[0].task.cancelled)

    def test_a_head_arriving_for_less_than_a_tick_is_left_to_finish(self):
        # the listener can wait; at max_connections a newcomer can't
        from microdot.server import READING_HEAD
        server = self.make_server(READING_HEAD)
        conn = server.connections[0]
        conn.deadline = server.now + server.head_ticks
        server.capacity = 1
        self.assertEqual(server.admission(False), 0)
        self.assertFalse(conn.task.cancelled)
        self.assertTrue(server._evict_idle())
        self.assertTrue(conn.task.cancelled)
        self.assertTrue(conn.timed_out)  # the slow client gets a 408

    def test_busy_connections_take_turns_then_the_excess_gets_503(self):
        from microdot.server import DISPATCHING
        server = self.make_server(DISPATCHING, DISPATCHING)
        server.app.max_connections = server.capacity = 2
        server.now = 10
        self.assertEqual(server.admission(False), 0)
        self.assertTrue(server.room_wanted)  # the next response closes
        self.assertTrue(server.crowded)  # and the capacity may grow
        server.now = 12
        self.assertEqual(server.admission(False), 0)
        server.now = 13  # no room came for more than two ticks
        self.assertEqual(server.admission(False), -1)
        self.assertEqual(server.admission(False), 0)  # one at a time
        server.connections.pop()
        self.assertEqual(server.admission(False), 1)
        self.assertIsNone(server.wait_since)

    def test_tls_clients_wait_within_max_tls_connections(self):
        from microdot.server import DISPATCHING
        server = self.make_server(*[DISPATCHING] * 4)
        server.now = 100
        self.assertEqual(server.admission(True), 0)  # never a 503 in clear
        self.assertEqual(server.admission(False), 1)
        self.assertFalse(server.room_wanted)

    def test_a_waiting_client_ends_the_next_keep_alive_response(self):
        server = Server(TestConnectionLoop().make_app())
        server.room_wanted = True
        writer = FakeWriter()
        run(server.serve_connection(FakeReader(
            b'GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n'),
            writer))
        self.assertEqual(writer.data.count(b'HTTP/1.1 200 OK\r\n'), 1)
        self.assertIn(b'Connection: close\r\n', writer.data)
        self.assertFalse(server.room_wanted)  # one turn per waiting client


class TestListenerWake(unittest.TestCase):
    # MicroPython: a connection's end brings the listener's wait for room
    # forward through asyncio's private task queue; this fails loudly if a
    # MicroPython release changes it.
    def test_a_waiting_listener_is_woken_at_once(self):
        if sys.implementation.name != 'micropython':
            return  # the listener is MicroPython's; CPython uses start_server
        from microdot.server import _Listener

        class Sleeper:
            waiting = False
            task = None

        sleeper = Sleeper()

        async def sleep_long():
            sleeper.waiting = True
            await asyncio.sleep(10)
            sleeper.waiting = False
            return 'woken'

        async def main():
            sleeper.task = asyncio.create_task(sleep_long())
            await asyncio.sleep(0.01)
            _Listener.wake(sleeper)
            return await asyncio.wait_for(sleeper.task, 1)

        self.assertEqual(run(main()), 'woken')
        self.assertFalse(sleeper.waiting)
