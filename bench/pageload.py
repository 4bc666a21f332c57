"""A browser's load on a small heap: the smallest `-X heapsize` at which a page and its six
static files load, and what happens when the heap is too small for the load.

    pageload.py smallest MICROPYTHON [MICROPYPATH]     the smallest heap, bisected
    pageload.py pressure MICROPYTHON HEAP [MICROPYPATH] twelve clients for a while; a report

The app (`apps/page_app.py`) serves `/` and six files of 6 to 24 KB with `send_file`; it only
uses the Microdot 2.x API, so the same file serves ours and Microdot 2.7. MICROPYPATH says where
`microdot` comes from (a folder of .py or .mpy files); leave it out for an interpreter that has
the package frozen in.

- smallest: one page load is `/` then the six files over six parallel keep-alive connections, as
  a browser does; the heap passes when 20 loads in a row all answer 200 with every byte.
- pressure: twelve clients fetch the page and files over keep-alive for a given time; the report
  counts whole responses, 503s, responses cut off mid-body, connection errors and the
  tracebacks the server printed, and whether it still answers afterwards.
"""
import http.client
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from proc import free_port, run_threads, spawn, stop, wait_port

BENCH = os.path.dirname(os.path.abspath(__file__))
APP = os.path.join(BENCH, 'apps', 'page_app.py')
ASSET_KB = (6, 9, 12, 16, 20, 24)
ASSETS = ['/static/asset%d.js' % i for i in range(len(ASSET_KB))]
LOADS = 20
CONNECTIONS = 6


def make_site(folder):
    """The app and its static files in folder; returns {path: body length}."""
    os.makedirs(os.path.join(folder, 'static'), exist_ok=True)
    shutil.copy(APP, os.path.join(folder, 'page_app.py'))
    sizes = {}
    for path, kb in zip(ASSETS, ASSET_KB):
        line = b'// ' + b'x' * 60 + b'\n'
        with open(os.path.join(folder, path.lstrip('/')), 'wb') as f:
            f.write(line * (kb * 1024 // len(line)))
        sizes[path] = kb * 1024 // len(line) * len(line)
    return sizes


class Server:
    """The page app on MicroPython with a fixed heap, in its own folder."""

    def __init__(self, micropython, heap, path, folder):
        self.port = free_port()
        self.log_path = os.path.join(folder, 'server-%d.log' % heap)
        self.log = open(self.log_path, 'wb')
        env = {'MICROPYPATH': (path + ':' if path else '') + '.frozen'}
        self.proc = spawn([micropython, '-X', 'heapsize=%d' % heap, 'page_app.py',
                           str(self.port)], folder, env, self.log)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        stop(self.proc)
        self.log.close()

    def up(self):
        return wait_port(self.port, self.proc, 5)

    def output(self):
        with open(self.log_path, 'rb') as f:
            return f.read().decode(errors='replace')


def fetch(conn, path, sizes, timeout):
    """GET path on a keep-alive connection (reopened when the server closed it); the status,
    or 'cut'/'error' when no whole answer came."""
    try:
        conn.timeout = timeout
        conn.request('GET', path)
        resp = conn.getresponse()
        body = resp.read()
        if resp.will_close:
            conn.close()
    except http.client.IncompleteRead:
        conn.close()
        return 'cut'
    except (OSError, http.client.HTTPException):
        conn.close()
        return 'error'
    if resp.status == 200 and path in sizes and len(body) != sizes[path]:
        return 'cut'
    if resp.status == 503 and not resp.getheader('Retry-After'):
        return 'other'  # a refusal must say when to come back
    return resp.status


def page_loads(port, sizes, loads=LOADS):
    """True when every one of `loads` page loads answered 200 with every byte."""
    conns = [http.client.HTTPConnection('127.0.0.1', port) for _ in range(CONNECTIONS)]
    try:
        with ThreadPoolExecutor(CONNECTIONS) as pool:
            for _ in range(loads):
                if fetch(conns[0], '/', sizes, 5) != 200:
                    return False
                results = list(pool.map(lambda a: fetch(a[0], a[1], sizes, 5),
                                        zip(conns, ASSETS)))
                if any(r != 200 for r in results):
                    return False
        return True
    finally:
        for conn in conns:
            conn.close()


def loads_at(micropython, heap, path, folder, sizes):
    with Server(micropython, heap, path, folder) as server:
        return server.up() and page_loads(server.port, sizes)


def smallest(micropython, path=None, step=1024):
    """The smallest heap (bytes, to `step`) at which 20 page loads pass, or None."""
    folder = tempfile.mkdtemp(prefix='pageload-')
    try:
        sizes = make_site(folder)
        lo, hi = 8 * 1024, 128 * 1024
        while not loads_at(micropython, hi, path, folder, sizes):
            lo, hi = hi, hi * 2
            if hi > 4 * 1024 * 1024:
                return None
        while hi - lo > step:
            mid = (lo + hi) // 2 // 256 * 256
            if loads_at(micropython, mid, path, folder, sizes):
                hi = mid
            else:
                lo = mid
        return hi
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def smallest_median(micropython, path=None, runs=3, step=1024):
    """(median, [each]) of `runs` bisections: near the limit a page load passes or fails by
    chance (where a collection falls, which request gets the memory first), so one bisection
    can land a few KB either side. The median is None when any run found none."""
    found = [smallest(micropython, path, step) for _ in range(runs)]
    return (None if None in found else sorted(found)[len(found) // 2]), found


def pressure(micropython, heap, path=None, clients=12, seconds=20.0):
    """Twelve keep-alive clients for `seconds` on a fixed heap: counts of what they got."""
    folder = tempfile.mkdtemp(prefix='pageload-')
    counts = {'whole': 0, '503': 0, 'cut': 0, 'error': 0, 'other': 0}
    lock = threading.Lock()
    try:
        sizes = make_site(folder)
        paths = ['/'] + ASSETS
        with Server(micropython, heap, path, folder) as server:
            if not server.up():
                raise RuntimeError('server did not start:\n' + server.output()[-2000:])
            end = time.monotonic() + seconds

            def client(k):
                conn = http.client.HTTPConnection('127.0.0.1', server.port)
                i = k
                while time.monotonic() < end:
                    r = fetch(conn, paths[i % len(paths)], sizes, 5)
                    i += 1
                    key = 'whole' if r == 200 else str(r) if r in (503, 'cut', 'error') \
                        else 'other'
                    with lock:
                        counts[key] += 1
                    if r == 'error':
                        time.sleep(0.01)
                conn.close()

            run_threads(client, clients)
            time.sleep(0.5)
            counts['serving_after'] = all(
                fetch(http.client.HTTPConnection('127.0.0.1', server.port), p, sizes, 5)
                == 200 for p in paths)
            out = server.output()
            counts['tracebacks'] = out.count('Traceback')
            counts['memory_errors'] = out.count('MemoryError')
            counts['accept_died'] = "exception wasn't retrieved" in out
        return counts
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv):
    if len(argv) < 2 or argv[0] not in ('smallest', 'pressure'):
        print(__doc__)
        return 2
    # the servers run in a folder of their own: paths given relative to here are made whole
    micropython = os.path.abspath(argv[1]) if os.sep in argv[1] else argv[1]
    if argv[0] == 'smallest':
        path = os.path.abspath(argv[2]) if len(argv) > 2 else None
        print(json.dumps({'smallest_heap': smallest(micropython, path)}))
    else:
        path = os.path.abspath(argv[3]) if len(argv) > 3 else None
        print(json.dumps(pressure(micropython, int(argv[2]), path)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
