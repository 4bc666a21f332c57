"""Heap report on the MicroPython interpreter, ours against Microdot 2.7.

- kept by `import microdot` (asyncio imported first, after gc.collect()), from .py and .mpy,
  and with the modules loaded to serve imported too (.mpy);
- the smallest `-X heapsize` that imports the package and serves two requests (bisection);
- the smallest `-X heapsize` at which a page and its six static files load 20 times over six
  parallel connections, as a browser does (pageload.py; median of three bisections, .mpy);
- twelve clients fetching that page for 20 s on a 96 KB heap (pageload.py pressure, .mpy);
- sixteen keep-alive clients fetching its static files on an 80 KB heap for 20 s, then the time
  to the first 200 (overload.py, .mpy, medians of three interleaved runs);
- the heap in use after 0, 1 000, 10 000 and 20 000 requests (leak check, .mpy);
- the .mpy bytes of the modules loaded once requests have been served (the core);
- the heap each module keeps (.mpy), to show where it goes;
- the bytes allocated per keep-alive request to `/` (the collector's work).
"""
import json
import os
import re
import subprocess

import overload
import pageload
from proc import free_port, get, hammer, spawn, stop, wait_port
from targets import BENCH, MD27, OURS, ROOT, compile_tree, copy_md27_for_micropython, find_md27

PROBE = os.path.join(BENCH, 'mem_probe.py')
# the twelve-client run on a heap too small for it (pageload.py pressure): heap, and seconds
# by QUICK
PRESSURE_HEAP = 96 * 1024
PRESSURE_SECONDS = {False: 20.0, True: 4.0}
# more clients than the heap holds (overload.py): heap, clients, and (seconds, runs) by QUICK
OVERLOAD_HEAP, OVERLOAD_CLIENTS = 80 * 1024, 16
OVERLOAD_RUNS = {False: (20.0, 3), True: (4.0, 1)}


def mp_env(path):
    # path None: the package frozen into the interpreter
    return {'MICROPYPATH': (path + ':' if path else '') + '.frozen'}


def probe(micropython, path, mode, *names):
    """mem_probe.py's figures (a dict) in `mode` ('import' or 'modules'), the package from
    path (None: frozen in), then the modules `names` imported too."""
    out = subprocess.run([micropython, PROBE, mode] + list(names), capture_output=True,
                         text=True, env=dict(os.environ, **mp_env(path)), timeout=60)
    m = re.search(r'^MEM (\{.*\})$', out.stdout, re.M)
    if not m:
        raise RuntimeError((out.stdout + out.stderr)[-300:])
    return json.loads(m.group(1))


def kept_by_import(micropython, path):
    return probe(micropython, path, 'import')['kept']


class Probe:
    """A mem_probe.py server on MicroPython, optionally with a fixed heap size."""

    def __init__(self, micropython, path, heap=None):
        self.port = free_port()
        argv = [micropython] + (['-X', 'heapsize=%d' % heap] if heap else [])
        self.log = open(os.devnull, 'wb')
        self.proc = spawn(argv + [PROBE, 'serve', str(self.port)], BENCH, mp_env(path),
                          self.log)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        stop(self.proc)
        self.log.close()

    def up(self, timeout=5):
        return wait_port(self.port, self.proc, timeout)


def serves_two(micropython, path, heap):
    with Probe(micropython, path, heap) as p:
        if not p.up():
            return False
        try:
            a = get(p.port, '/', timeout=2)
            b = get(p.port, '/json', timeout=2)
        except Exception:
            return False
        return (a == (200, b'Hello, World!') and b[0] == 200
                and json.loads(b[1]) == {'message': 'Hello, World!'})


def smallest_heap(micropython, path, step):
    """Smallest heap (bytes, to `step`) that imports and serves two requests, or None."""
    lo, hi = 2048, 256 * 1024
    while not serves_two(micropython, path, hi):
        lo, hi = hi, hi * 2
        if hi > 8 * 1024 * 1024:
            return None
    while hi - lo > step:
        mid = (lo + hi) // 2 // 256 * 256
        if serves_two(micropython, path, mid):
            hi = mid
        else:
            lo = mid
    return hi


def heap_over_requests(micropython, path, counts):
    """Heap in use (after gc.collect) once 0, counts[1], counts[2]... requests are served;
    the .mpy/.py files of microdot loaded by then; the bytes allocated per request; the
    modules serving loaded (names)."""
    heaps = {}
    with Probe(micropython, path) as p:
        if not p.up():
            raise RuntimeError('probe server did not start')
        done = 0
        for n in counts:
            hammer(p.port, '/', n - done)
            done = n
            status, body = get(p.port, '/mem')
            heaps[n] = int(body)
        # bytes allocated per request (garbage the collector must reclaim), 50 requests
        get(p.port, '/alloc/start')
        hammer(p.port, '/', 50)
        status, body = get(p.port, '/alloc/stop')
        per_request = int(body) // 51
        status, body = get(p.port, '/files')
        files = json.loads(body)
        status, body = get(p.port, '/modules')
        names = json.loads(body)
    return heaps, files, per_request, names


def page_figures(micropython, path, quick):
    """The browser-like page load (pageload.py) on the .mpy package: the smallest heap that
    passes it (median of three bisections; skipped in QUICK), and twelve clients on 96 KB."""
    r = {}
    if quick:
        r['pageload_skipped'] = 'QUICK=1'
    else:
        r['pageload_mpy'], r['pageload_runs'] = pageload.smallest_median(
            micropython, path, runs=3, step=512)
    try:
        r['pressure'] = pageload.pressure(micropython, PRESSURE_HEAP, path, clients=12,
                                          seconds=PRESSURE_SECONDS[quick])
    except (RuntimeError, OSError) as exc:
        r['pressure_error'] = str(exc)[-300:]
    return r


def measure(python, micropython, mpy_cross, work, quick=False):
    """The memory report as a dict, framework -> figures (None where not measurable)."""
    trees = {}
    src = os.path.join(ROOT, 'modules', 'microdot')
    if os.path.exists(os.path.join(src, '__init__.py')):
        trees[OURS] = {'py': os.path.join(ROOT, 'modules')}
        if mpy_cross:
            trees[OURS]['mpy'] = compile_tree(src, os.path.join(work, 'ours-mpy'), mpy_cross)
    md = find_md27(python)
    if md:
        trees[MD27] = {'py': copy_md27_for_micropython(md, os.path.join(work, 'md27-py'))}
        if mpy_cross:
            trees[MD27]['mpy'] = copy_md27_for_micropython(
                md, os.path.join(work, 'md27-mpy'), mpy_cross)
    counts = (0, 100, 1000) if quick else (0, 1000, 10000, 20000)
    result = {'counts': list(counts), 'pressure_heap': PRESSURE_HEAP,
              'pressure_seconds': PRESSURE_SECONDS[quick], 'frameworks': {}}
    for name in (OURS, MD27):
        r = result['frameworks'][name] = {}
        if name not in trees:
            r['missing'] = 'not available'
            continue
        for form, path in sorted(trees[name].items()):
            try:
                r['import_' + form] = kept_by_import(micropython, path)
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                r['import_' + form] = None
                r['error'] = str(exc)[-200:]
                continue
            if form == 'mpy' or not quick:
                r['min_heap_' + form] = smallest_heap(micropython, path,
                                                      4096 if quick else 1024)
        form = 'mpy' if 'mpy' in trees[name] else 'py'
        path = trees[name][form]
        try:
            heaps, files, per_request, names = heap_over_requests(micropython, path, counts)
        except Exception as exc:
            r['error'] = 'leak check: %s' % exc
            continue
        r['heap_after'] = {str(n): heaps[n] for n in counts}
        r['heap_form'] = form
        r['alloc_per_request'] = per_request
        r['serving_modules'] = names
        if form == 'mpy':
            r['mpy_bytes'] = sum(os.path.getsize(f) for f in files if os.path.exists(f))
            r['mpy_files'] = sorted(os.path.basename(f) for f in files)
            try:
                r['serving_mpy'] = probe(micropython, path, 'import', *names)['with_names']
                r['per_module_mpy'] = probe(micropython, path, 'modules', *names)
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                r['error'] = 'heap per module: %s' % exc
            r.update(page_figures(micropython, path, quick))
        print('memory %-13s %s' % (name, json.dumps(r)), flush=True)
    mpy = {name: (micropython, t['mpy']) for name, t in trees.items() if 'mpy' in t}
    if mpy:
        seconds, runs = OVERLOAD_RUNS[quick]
        result['overload'] = overload.side_by_side(mpy, OVERLOAD_HEAP, OVERLOAD_CLIENTS,
                                                   seconds, runs)
        result['overload_setup'] = [OVERLOAD_HEAP, OVERLOAD_CLIENTS, seconds, runs]
        print('memory overload %s' % json.dumps(result['overload']), flush=True)
    return result
