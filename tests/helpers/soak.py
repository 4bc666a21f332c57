"""Soak run: many requests (mixed routes, keep-alive and not, a few bad
ones) against the built-in server on MicroPython with a fixed heap.

After warm-up, at every sample point the client stops, waits for the server
to settle and reads the heap in use after gc.collect() (the /stats route),
the server's open connections and its file descriptors (/proc). The heap
must not grow from the first sample (10% of the run) to the last, and the
connections and descriptors must come back to their baseline.

run() is used by tests/hostile/test_soak_cpython.py (a short run) and by the
program tests/hostile/soak_cpython.py (`make soak`).
"""
import random
import time

from helpers.builtin_server import PUBLIC, make_files
from helpers.hostile_targets import BuiltinProcess, fd_count
from helpers.raw_http import request_bytes

HEAP_SIZE = '256K'
HEAP_SLACK = 1024  # bytes the heap may differ by between samples
BOUNDARY = 'soakboundary'
FORM = ('--{0}\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n'
        '--{0}\r\nContent-Disposition: form-data; name="f"; filename="f.txt"'
        '\r\nContent-Type: text/plain\r\n\r\nfile data\r\n--{0}--\r\n'
        ).format(BOUNDARY).encode()

# (raw request, status, body or None to skip the body check, HEAD). The
# streamed bodies (file, generator) come last and are picked rarely: on a
# keep-alive connection each costs ~40 ms of Nagle/delayed-ACK wait (head
# and body leave in separate writes), which would make the run take hours.
ROUTES = [
    (request_bytes('GET', '/'), 200, b'ok', False),
    (request_bytes('POST', '/echo', body=b'soak' * 50), 200, b'soak' * 50,
     False),
    (request_bytes('POST', '/echo', headers=[
        ('Transfer-Encoding', 'chunked')], body=b'4\r\nsoak\r\n0\r\n\r\n'),
     200, b'soak', False),
    (request_bytes('GET', '/redirect?to=/there'), 302, None, False),
    (request_bytes('GET', '/cookie?name=a&value=b'), 200, b'cookie', False),
    (request_bytes('POST', '/form', headers=[
        ('Content-Type', 'multipart/form-data; boundary=' + BOUNDARY)],
        body=FORM), 200, b'1 1 9', False),
    (request_bytes('GET', '/nowhere'), 404, None, False),
    (request_bytes('HEAD', '/files/public.txt'), 200, None, True),
    (request_bytes('GET', '/files/public.txt'), 200, PUBLIC, False),
    (request_bytes('GET', '/stream?n=4&size=100'), 200, b'x' * 400, False),
]
WEIGHTS = [10] * (len(ROUTES) - 2) + [1, 1]
BAD = b'GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n'  # answered 400, then closed


class Soak:
    def __init__(self, workdir, heapsize=HEAP_SIZE, seed=7):
        self.rng = random.Random(seed)
        self.server = BuiltinProcess(
            'micropython', workdir, {'keepalive_timeout': 5,
                                     'request_head_timeout': 5},
            make_files(workdir), heapsize)
        self.sent = 0
        self.samples = []  # (requests, heap, connections, fds)

    def start(self):
        self.server.start()
        return self

    def stop(self):
        self.server.stop()

    def _connection(self, count, keep_alive):
        conn = self.server.connect(10)
        try:
            for i in range(count):
                raw, status, body, head = self.rng.choices(ROUTES, WEIGHTS)[0]
                if not keep_alive or i == count - 1:
                    raw = raw.replace(b'\r\n', b'\r\nConnection: close\r\n', 1)
                conn.send(raw)
                res = conn.read_response(10, head=head)
                assert res.status == status, (raw[:60], res)
                if body is not None:
                    assert res.body == body, (raw[:60], res)
                self.sent += 1
            if not keep_alive:
                conn.wait_closed(5)
        finally:
            conn.close()

    def _bad(self):
        with self.server.connect(10) as conn:
            conn.send(BAD)
            assert conn.read_response(10).status == 400
            conn.wait_closed(5)
        self.sent += 1

    def run_until(self, total):
        while self.sent < total:
            roll = self.rng.random()
            left = total - self.sent
            if roll < 0.01:
                self._bad()
            elif roll < 0.3:
                self._connection(1, False)  # one request, Connection: close
            else:
                self._connection(min(left, self.rng.randint(2, 50)), True)

    def sample(self):
        """Waits for the server's connections to end, then records heap,
        connections and descriptors."""
        deadline = time.monotonic() + 10
        while True:
            res = self.server.get('/stats', timeout=10)
            heap, conns, _ = (int(x) for x in res.body.split())
            if conns <= 1 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        time.sleep(0.2)  # the /stats connection itself closes
        self.samples.append((self.sent, heap, conns,
                             fd_count(self.server.proc.pid)))
        return self.samples[-1]


def run(total, first, every, workdir, heapsize=HEAP_SIZE, out=print):
    """Runs total requests, sampling after first and every `every`; returns
    (samples, baseline_fds, seconds). Raises AssertionError on a failure."""
    soak = Soak(workdir, heapsize).start()
    started = time.monotonic()
    try:
        soak.run_until(200)  # warm-up: every route loaded once
        soak.sent = 0
        base = soak.sample()
        out('baseline: heap {} B, connections {}, fds {}'.format(*base[1:]))
        points = [first] + list(range(every, total + 1, every))
        for point in sorted(set(p for p in points if p <= total)):
            soak.run_until(point)
            sent, heap, conns, fds = soak.sample()
            out('{:>7} requests: heap {} B, connections {}, fds {} '
                '({:.0f} s)'.format(sent, heap, conns, fds,
                                    time.monotonic() - started))
        seconds = time.monotonic() - started
        assert soak.server.alive(), soak.server.log()[-2000:]
        assert 'Traceback' not in soak.server.log(), soak.server.log()[-2000:]
        at_first = [s for s in soak.samples if s[0] >= first][0]
        last = soak.samples[-1]
        assert last[1] <= at_first[1] + HEAP_SLACK, \
            'heap grew from {} B at {} to {} B at {} requests'.format(
                at_first[1], at_first[0], last[1], last[0])
        assert last[2] <= 1, 'connections left open: {}'.format(last[2])
        assert last[3] <= base[3], 'fds {} -> {}'.format(base[3], last[3])
        return soak.samples, base, seconds
    finally:
        soak.stop()
