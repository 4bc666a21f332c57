"""Turning the runs into a markdown report, a JSON summary and a chart."""
import json
import os
import statistics
import sys

import overload
from targets import GROUPS, MD27, OURS, ROOT

LEAK_TOLERANCE = 256  # bytes of heap growth between 1 000 and 10 000 requests read as none


def summarise(targets, scenarios, runs, rss):
    data = {}
    for t in targets:
        d = data[t.name] = {
            'label': t.label, 'group': t.group, 'interp': t.interp,
            'framework': t.framework, 'status': t.status, 'restarts': t.restarts,
            'rss_mb': round(rss[t.name] / 1024.0, 1) if t.name in rss else None,
            'scenarios': {},
        }
        for key, _path, conns, _keep, _share in scenarios:
            rs = runs.get((t.name, key))
            if not rs:
                continue
            rps = [r['rps'] for r in rs]
            med = statistics.median(rps)
            d['scenarios'][key] = {
                'rps': round(med, 1),
                'spread': round((max(rps) - min(rps)) / med, 3) if med else None,
                'rps_all': [round(x, 1) for x in rps],
                'p50_ms': round(statistics.median(r['p50_ms'] for r in rs), 2),
                'p99_ms': round(statistics.median(r['p99_ms'] for r in rs), 2),
                'errors': sum(r['errors'] for r in rs),
                'connections': conns,
            }
    return data


def reference(data, name):
    """The target a row's ratio is taken against."""
    d = data[name]
    if d['group'] == 'builtin':
        return 'limit-cpython' if d['interp'] == 'CPython' else 'limit-mpy'
    return GROUPS[d['group']][1]


def md27_of(data, name):
    d = data[name]
    for other, o in data.items():
        if o['framework'] == MD27 and o['group'] == d['group'] and o['interp'] == d['interp']:
            return other
    return None


def main_rps(data, name, key):
    if not name or name not in data:
        return None
    s = data[name]['scenarios'].get(key)
    return s['rps'] if s and s['rps'] else None


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt_ratio(x):
    return 'n/a' if x is None else '%.2f×' % x


def fmt_rps(s):
    if not s:
        return 'n/a'
    spread = '' if s['spread'] is None else ' ±%d%%' % round(50 * s['spread'])
    return '%s%s' % (format(round(s['rps']), ','), spread)


def markdown(meta, targets, scenarios, data, mem, size_json=None):
    main = scenarios[0][0]
    lines = [
        '# Benchmark report',
        '',
        '%s · %d CPUs · CPython %s · %s · %s · wrk 1 thread, %d s per run (half that for '
        '`c1` and `/json`, `/users`), %d repetition(s) '
        'interleaved%s · total %d s' % (
            meta['date'], meta['cpus'], meta['cpython'], meta['micropython'], meta['wrk'],
            meta['duration'], meta['reps'], ' (QUICK)' if meta['quick'] else '',
            meta['seconds']),
        '',
        'req/s are medians over the repetitions; ± is half the spread (max − min) over the '
        'median. `ka` = keep-alive, `close` = `Connection: close` on every request, `c32` = 32 '
        'connections. p50/p99 and errors are for `/` c32 ka. RSS is the server process tree '
        'after the load. × ref: against the pure-Python limit on the same interpreter '
        '(built-in), Starlette (ASGI) or Bottle (WSGI); × Microdot 2.7: against Microdot 2.7 '
        'on the same server and interpreter.',
        '',
    ]
    if meta.get('micropython_hosted'):
        lines += ['The MicroPython interpreter here is the PyPI build, which runs the MicroPython '
                  'VM inside a CPython process: its RSS includes that host (about 10 MB).', '']
    other = [s[0] for s in scenarios[1:]]
    for group, (title, _ref) in GROUPS.items():
        names = [t.name for t in targets if t.group == group]
        if not names:
            continue
        lines += ['## ' + title, '']
        head = (['target', 'interpreter', '`%s` req/s' % main, 'p50 ms', 'p99 ms', 'errors'] +
                ['`%s`' % k for k in other] + ['RSS MB', '× ref', '× Microdot 2.7'])
        lines.append('| ' + ' | '.join(head) + ' |')
        lines.append('|' + '|'.join(['---'] * 2 + ['---:'] * (len(head) - 2)) + '|')
        for name in names:
            d = data[name]
            s = d['scenarios'].get(main)
            if d['status'] != 'ok' and not s:
                cells = [d['label'], d['interp'], d['status']] + [''] * (len(head) - 3)
                lines.append('| ' + ' | '.join(cells) + ' |')
                continue
            ref = reference(data, name)
            own = main_rps(data, name, main)
            md = md27_of(data, name)
            cells = [d['label'] if d['status'] == 'ok' else '%s (%s)' % (d['label'], d['status']),
                     d['interp'], fmt_rps(s),
                     '%.2f' % s['p50_ms'] if s else '', '%.2f' % s['p99_ms'] if s else '',
                     str(s['errors']) if s else '']
            cells += [fmt_rps(d['scenarios'].get(k)) for k in other]
            cells += ['%.1f' % d['rss_mb'] if d['rss_mb'] is not None else 'n/a',
                      fmt_ratio(ratio(own, main_rps(data, ref, main))) if ref != name else '1.00×',
                      '' if md == name else fmt_ratio(ratio(own, main_rps(data, md, main)))]
            lines.append('| ' + ' | '.join(cells) + ' |')
        lines.append('')
    for name, d in data.items():
        if d['restarts']:
            lines.append('- %s (%s) ended under the load and was started again %d time(s); '
                         'exit codes %s (negative: killed by that signal).' % (
                             d['label'], d['interp'], len(d['restarts']), d['restarts']))
    if any(d['restarts'] for d in data.values()):
        lines.append('')
    if mem:
        lines += memory_table(mem)
    if size_json:
        lines += firmware_table(size_json)
    lines += targets_table(data, main, mem)
    return '\n'.join(lines) + '\n'


def kb(x):
    return 'n/a' if x is None else '%.1f KB' % (x / 1024.0)


def count(x):
    return 'n/a' if x is None else format(x, ',')


def memory_table(mem):
    fw = mem['frameworks']
    ours, md = fw.get(OURS, {}), fw.get(MD27, {})
    c = mem['counts']
    out = ['## Memory on the MicroPython interpreter', '',
           'asyncio is imported first, and the heap measured after `gc.collect()`. The smallest '
           'heap is found by bisection of `micropython -X heapsize=N`; for the page loads (a page '
           'and its six static files of 6 to 24 KB over six parallel keep-alive connections, as a '
           'browser does, 20 times: `bench/pageload.py`) it is the median of three bisections.',
           '', '| | ours | Microdot 2.7 | ours ÷ Microdot |', '|---|---:|---:|---:|']

    def row(label, a, b, f=kb, with_ratio=True):
        out.append('| %s | %s | %s | %s |' % (label, f(a), f(b),
                                              fmt_ratio(ratio(a, b)) if with_ratio else ''))

    for label, key in (
            ('heap kept by `import microdot` (.py)', 'import_py'),
            ('heap kept by `import microdot` (.mpy)', 'import_mpy'),
            ('same, plus the modules loaded to serve (.mpy)', 'serving_mpy'),
            ('smallest `-X heapsize` that imports and serves 2 requests (.py)', 'min_heap_py'),
            ('smallest `-X heapsize` that imports and serves 2 requests (.mpy)', 'min_heap_mpy'),
            ('smallest `-X heapsize` for 20 page loads over 6 connections (.mpy)',
             'pageload_mpy')):
        row(label, ours.get(key), md.get(key))
    for n in c:
        row('heap in use after %s requests (%s)' % (format(n, ','), ours.get('heap_form', '.mpy')),
            ours.get('heap_after', {}).get(str(n)), md.get('heap_after', {}).get(str(n)))
    row('bytes allocated per request (`/`, one keep-alive connection)',
        ours.get('alloc_per_request'), md.get('alloc_per_request'), count)
    row('.mpy bytes of the modules loaded to serve', ours.get('mpy_bytes'), md.get('mpy_bytes'),
        count)
    po, pm = ours.get('pressure') or {}, md.get('pressure') or {}
    if po or pm:
        what = '%d KB heap, 12 clients for %d s (.mpy)' % (
            mem.get('pressure_heap', 0) // 1024, mem.get('pressure_seconds', 0))
        row('%s: whole responses' % what, po.get('whole'), pm.get('whole'), count)
        for key, label in (('503', '503 refusals'), ('cut', 'responses cut mid-body'),
                           ('error', 'connection errors'), ('other', 'other answers'),
                           ('tracebacks', 'tracebacks the server printed')):
            row('%s: %s' % (what, label), po.get(key), pm.get(key), count, False)
        row('%s: still serving afterwards' % what, po.get('serving_after'),
            pm.get('serving_after'), lambda x: 'n/a' if x is None else ('yes' if x else '**no**'),
            False)
    out.append('')
    for name, r in ((OURS, ours), (MD27, md)):
        if r.get('per_module_mpy'):
            parts = sorted(r['per_module_mpy'].items(), key=lambda kv: -kv[1])
            out.append('- %s, heap each module keeps (.mpy, its own share; `microdot`, then the '
                       'modules loaded to serve): %s' % (
                           name, ', '.join('%s %s' % (k, kb(v)) for k, v in parts)))
        if r.get('mpy_files'):
            out.append('- %s loads: %s' % (name, ', '.join(r['mpy_files'])))
        if r.get('pageload_runs'):
            out.append('- %s, page loads, smallest heap of each bisection: %s' % (
                name, ' / '.join(kb(x) for x in r['pageload_runs'])))
        if r.get('pageload_skipped'):
            out.append('- %s: page-load bisection skipped (%s)' % (name, r['pageload_skipped']))
        p = r.get('pressure') or {}
        if p.get('accept_died') or p.get('memory_errors'):
            out.append('- %s under pressure: %d MemoryError(s) printed%s' % (
                name, p.get('memory_errors', 0),
                '; a task ended on an exception nobody retrieved' if p.get('accept_died')
                else ''))
        for key in ('error', 'missing', 'pressure_error'):
            if r.get(key):
                out.append('- %s: %s' % (name, r[key]))
    out.append('')
    if mem.get('overload'):
        heap, clients, seconds, runs = mem['overload_setup']
        out += overload.table(mem['overload'], [OURS, MD27], (
            '### Overload: %d keep-alive clients on a %d KB heap (.mpy), %d s, median of %d' % (
                clients, heap // 1024, seconds, runs)))
    return out


def firmware_table(path):
    """The table of the last `make size` (its size.json), or [] when there is none."""
    try:
        with open(path) as f:
            results = json.load(f)
    except (OSError, ValueError):
        return []
    sys.path.insert(0, os.path.join(ROOT, 'tools'))
    try:
        import firmware_size
        lines = firmware_size.table(results)
    except (ImportError, KeyError):
        return []
    finally:
        sys.path.remove(os.path.join(ROOT, 'tools'))
    return ['## Firmware: frozen package, flash, 32-bit', '',
            'From the last `make size` (%s, commit %s): MicroPython v1.28 builds, unix port '
            '(64-bit) and qemu MPS2_AN385 (Cortex-M3), ours and Microdot 2.7 each frozen the same '
            'way.' % (results.get('date', '?'), results.get('commit') or '?'), ''] + lines + ['']


def targets_table(data, main, mem):
    """The issue's targets, each with the measured figure and met / missed / n/a."""
    def rps(name):
        return main_rps(data, name, main)

    def verdict(value, ok):
        return 'n/a' if value is None else ('met' if ok(value) else '**missed**')

    rows = []
    for interp, ours, md, lim in (('CPython', 'ours-cpython', 'md27-cpython', 'limit-cpython'),
                                  ('MicroPython', 'ours-mpy', 'md27-mpy', 'limit-mpy')):
        r = ratio(rps(ours), rps(lim))
        rows.append(('built-in `/` c32 ka ≥ 0.4× the limit, %s' % interp, fmt_ratio(r),
                     verdict(r, lambda x: x >= 0.4)))
        r = ratio(rps(ours), rps(md))
        rows.append(('built-in `/` c32 ka ≥ 3× Microdot 2.7, %s' % interp, fmt_ratio(r),
                     verdict(r, lambda x: x >= 3)))
    s = data.get('ours-mpy', {}).get('scenarios', {}).get(main)
    p99 = s['p99_ms'] if s else None
    rows.append(('MicroPython built-in p99 < 50 ms', 'n/a' if p99 is None else '%.1f ms' % p99,
                 verdict(p99, lambda x: x < 50)))
    r = ratio(rps('ours-asgi'), rps('starlette-asgi'))
    rows.append(('`microdot.asgi` on uvicorn ≥ 1.0× Starlette', fmt_ratio(r),
                 verdict(r, lambda x: x >= 1)))
    r = ratio(rps('ours-wsgi'), rps('bottle-wsgi'))
    rows.append(('`microdot.wsgi` on gunicorn sync ≥ 1.0× Bottle', fmt_ratio(r),
                 verdict(r, lambda x: x >= 1)))
    g = data.get('ours-wsgi-gthread', {}).get('scenarios', {})
    errs = [s['errors'] for s in g.values() if s['connections'] == 32]
    e = sum(errs) if errs else None
    rows.append(('gunicorn gthread: zero errors at 32 connections', 'n/a' if e is None else str(e),
                 verdict(e, lambda x: x == 0)))
    if mem:
        fw = mem['frameworks']
        ours, md = fw.get(OURS, {}), fw.get(MD27, {})
        r = ratio(ours.get('import_mpy'), md.get('import_mpy'))
        rows.append(('`import microdot` (.mpy) keeps ≤ 0.6× Microdot', fmt_ratio(r),
                     verdict(r, lambda x: x <= 0.6)))
        r = ratio(ours.get('min_heap_mpy'), md.get('min_heap_mpy'))
        rows.append(('smallest heap serving 2 requests (.mpy) ≤ 0.6× Microdot', fmt_ratio(r),
                     verdict(r, lambda x: x <= 0.6)))
        h = ours.get('heap_after', {})
        c = mem['counts']
        grow = h[str(c[2])] - h[str(c[1])] if str(c[2]) in h and str(c[1]) in h else None
        later, tail = '', None
        if len(c) > 3 and str(c[3]) in h and str(c[2]) in h:
            tail = h[str(c[3])] - h[str(c[2])]
            later = ' (then %+d bytes to %s)' % (tail, format(c[3], ','))
        judged = verdict(grow, lambda x: x <= LEAK_TOLERANCE)
        if judged != 'met' and grow is not None and tail is not None and \
                tail <= LEAK_TOLERANCE and grow <= 2048:
            judged = 'met: a one-time step, flat afterwards (not a leak)'
        rows.append(('no heap growth between %s and %s requests' % (
            format(c[1], ','), format(c[2], ',')),
            'n/a' if grow is None else '%+d bytes%s' % (grow, later), judged))
    out = ['## Targets', '', '| target | measured | verdict |', '|---|---:|---|']
    out += ['| %s | %s | %s |' % r for r in rows]
    out.append('')
    return out


def chart(targets, data, path):
    """A bar chart of the main scenario's req/s per target; returns path or None."""
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    names, vals, errs, colours = [], [], [[], []], []
    key = None
    for t in targets:
        sc = data[t.name]['scenarios']
        if not sc:
            continue
        key = key or next(iter(sc))
        s = sc.get(key)
        if not s:
            continue
        names.append('%s (%s)' % (data[t.name]['label'], t.interp) if t.group == 'builtin'
                     else '%s [%s]' % (data[t.name]['label'], t.group.upper()))
        vals.append(s['rps'])
        errs[0].append(s['rps'] - min(s['rps_all']))
        errs[1].append(max(s['rps_all']) - s['rps'])
        colours.append({OURS: '#2a7ab0', MD27: '#d9822b'}.get(t.framework, '#8a8a8a'))
    if not names:
        return None
    fig, ax = plt.subplots(figsize=(9, 0.42 * len(names) + 1.4))
    y = list(range(len(names)))[::-1]
    ax.barh(y, vals, xerr=errs, color=colours, capsize=3)
    ax.set_yticks(y)
    ax.set_yticklabels(names, fontsize=8)
    for yi, v in zip(y, vals):
        ax.text(v, yi, ' %s' % format(round(v), ','), va='center', fontsize=7)
    ax.set_xlabel('requests/s, `%s` (median, whiskers: min-max)' % key)
    ax.set_title('Hello World, 127.0.0.1 (blue: ours, orange: Microdot 2.7, grey: others)',
                 fontsize=9)
    ax.margins(x=0.15)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
