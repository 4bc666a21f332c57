"""More clients than the heap holds: keep-alive clients fetch random static files from the page
app (`apps/page_app.py`) on MicroPython with a fixed heap, for a while; then the load stops and
the time until the server answers `GET /` again is measured.

    overload.py MICROPYTHON HEAP CLIENTS SECONDS [MICROPYPATH]    one run; a JSON report

`make bench` runs it at 80 KB with 16 clients from .mpy, `make size` at 48 KB with 12 clients on
the frozen builds, each side by side with Microdot 2.7 (medians of three interleaved runs).

Each client keeps one connection and reconnects after a 503, a `Connection: close` or an error,
as a browser does. The report counts:
- ok: 200 with every byte of the file;
- busy: 503 (with Retry-After; one without it counts as bad);
- bad: a reset or refused connection, a body cut off, a 500 or any other answer (by kind
  in bad_kinds);
- recovery: seconds from the end of the load to the first 200 of `GET /` (None: none in 30 s);
- tracebacks and MemoryError lines the server printed.
"""
import http.client
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time

from pageload import ASSETS, Server, make_site
from proc import run_threads

RECOVERY_LIMIT = 30.0  # seconds after the load in which GET / must answer


def _fetch(conn, path, sizes):
    """One GET on a keep-alive connection (closed where the client must reconnect): 'ok',
    'busy', or what was wrong with the answer."""
    try:
        conn.request('GET', path)
        resp = conn.getresponse()
        body = resp.read()
    except (OSError, http.client.HTTPException) as exc:
        conn.close()
        return type(exc).__name__
    if resp.will_close:
        conn.close()
    if resp.status == 200 and len(body) == sizes.get(path, len(body)):
        return 'ok'
    conn.close()
    if resp.status == 503 and resp.getheader('Retry-After'):
        return 'busy'
    return 'cut' if resp.status == 200 else 'status %d' % resp.status


def _recovery(port, limit=RECOVERY_LIMIT):
    """Seconds until GET / answers 200 on a new connection, or None within limit."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=1)
        try:
            conn.request('GET', '/')
            resp = conn.getresponse()
            resp.read()
            if resp.status == 200:
                return round(time.monotonic() - start, 3)
        except (OSError, http.client.HTTPException):
            pass
        finally:
            conn.close()
        time.sleep(0.01)
    return None


def load(port, sizes, clients, seconds, seed=1):
    """`clients` threads for `seconds`: counts of ok, busy and bad answers."""
    counts = {'ok': 0, 'busy': 0, 'bad': 0, 'bad_kinds': {}}
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def client(k):
        rand = random.Random(seed * 1000 + k)
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=5)
        while time.monotonic() < end:
            result = _fetch(conn, rand.choice(ASSETS), sizes)
            with lock:
                if result in counts:
                    counts[result] += 1
                else:
                    counts['bad'] += 1
                    kinds = counts['bad_kinds']
                    kinds[result] = kinds.get(result, 0) + 1
            if result not in counts:
                time.sleep(0.01)  # a browser does not retry in a tight loop
        conn.close()

    run_threads(client, clients)
    return counts


def sequential(port, count, path='/'):
    """`count` requests one after the other, each on a new connection: their statuses (an
    exception's name where none came) and the slowest one's seconds."""
    statuses, slowest = [], 0.0
    for _ in range(count):
        start = time.monotonic()
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=5)
        try:
            conn.request('GET', path)
            resp = conn.getresponse()
            resp.read()
            statuses.append(resp.status)
        except (OSError, http.client.HTTPException) as exc:
            statuses.append(type(exc).__name__)
        finally:
            conn.close()
        slowest = max(slowest, time.monotonic() - start)
    return statuses, round(slowest, 3)


def run(micropython, heap, path=None, clients=16, seconds=20.0, seed=1):
    """One overload run on a fresh server; its report (see the module's docstring)."""
    folder = tempfile.mkdtemp(prefix='overload-')
    try:
        sizes = make_site(folder)
        with Server(micropython, heap, path, folder) as server:
            if not server.up():
                raise RuntimeError('server did not start:\n' + server.output()[-2000:])
            report = load(server.port, sizes, clients, seconds, seed)
            report['recovery'] = _recovery(server.port)
            out = server.output()
        report['tracebacks'] = out.count('Traceback')
        report['memory_errors'] = out.count('MemoryError')
        report['log_lines'] = len(out.splitlines())
        return report
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def side_by_side(targets, heap, clients, seconds=20.0, repeats=3):
    """targets: {name: (micropython, MICROPYPATH or None for a frozen build)}. Runs each
    `repeats` times, interleaved; returns {name: {figure: median, 'runs': [reports]}}."""
    runs = {name: [] for name in targets}
    for i in range(repeats):
        for name, (micropython, path) in targets.items():
            try:
                runs[name].append(run(micropython, heap, path, clients, seconds, seed=i + 1))
            except (RuntimeError, OSError) as exc:
                runs[name].append({'error': str(exc)[-300:]})
    result = {}
    for name, reports in runs.items():
        good = [r for r in reports if 'error' not in r]
        figures = {'runs': reports}
        for key in ('ok', 'busy', 'bad', 'tracebacks'):
            figures[key] = _median([r[key] for r in good])
        # a run that never recovered counts as the slowest
        figures['recovery'] = _median([float('inf') if r['recovery'] is None else r['recovery']
                                       for r in good])
        result[name] = figures
    return result


def _median(values):
    return sorted(values)[len(values) // 2] if values else None


def table(result, names, title):
    """Markdown lines of side_by_side()'s result for names (ours first)."""
    def cell(value, key):
        if value is None:
            return 'n/a'
        if key == 'recovery':
            return 'never' if value == float('inf') else '%.2f s' % value
        return format(value, ',')

    out = [title, '', '| | ' + ' | '.join(names) + ' |', '|---|' + '---:|' * len(names)]
    for key, label in (('ok', '200 with every byte'), ('busy', '503 with Retry-After'),
                       ('bad', 'bad: reset, cut off, other status'),
                       ('tracebacks', 'tracebacks the server printed'),
                       ('recovery', 'time to the first 200 after the load')):
        out.append('| %s | %s |' % (label, ' | '.join(
            cell(result.get(n, {}).get(key), key) for n in names)))
    out.append('')
    for n in names:
        for r in result.get(n, {}).get('runs', []):
            if r.get('bad_kinds'):
                out.append('- %s, bad answers by kind: %s' % (n, ', '.join(
                    '%s %d' % kv for kv in sorted(r['bad_kinds'].items()))))
            if r.get('error'):
                out.append('- %s: %s' % (n, r['error']))
    return out


def main(argv):
    if len(argv) < 4:
        print(__doc__)
        return 2
    micropython = os.path.abspath(argv[0]) if os.sep in argv[0] else argv[0]
    path = os.path.abspath(argv[4]) if len(argv) > 4 else None
    print(json.dumps(run(micropython, int(argv[1]), path, int(argv[2]), float(argv[3]))))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
