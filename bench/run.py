"""`make bench`: start every target, check its answers, load it with wrk, report.

Usage: python bench/run.py [--quick] [--only NAMES] [--python PY] [--micropython MP]
                           [--mpy-cross X] [--ours-site DIR] [--out DIR]

Each target runs as its own process on a free 127.0.0.1 port. All are started first and
idle while another is loaded; repetitions are interleaved (every target and scenario once,
then again, in a rotated order) so slow drifts of the machine spread over all of them. The
report gives medians and the spread (max - min over the median) of the repetitions.
"""
import argparse
import http.client
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import memory  # noqa: E402
import report  # noqa: E402
from proc import free_port, get, spawn, stop as stop_proc, wait_port  # noqa: E402
from targets import BENCH, APPS, ROOT, build_targets  # noqa: E402

WRK_SCRIPT = os.path.join(BENCH, 'wrk_report.lua')

# (key, path, connections, keep-alive, share of the run time: 1 full, 2 half)
SCENARIOS = [
    ('/ c32 ka', '/', 32, True, 1),
    ('/ c1 ka', '/', 1, True, 2),
    ('/ c32 close', '/', 32, False, 1),
    ('/ c1 close', '/', 1, False, 2),
    ('/json c32 ka', '/json', 32, True, 2),
    ('/users c32 ka', '/users/42', 32, True, 2),
]
MAIN = SCENARIOS[0][0]


def start(target, logdir):
    target.port = free_port()
    target.log = open(os.path.join(logdir, target.name + '.log'), 'ab')
    target.proc = spawn(target.argv(), APPS, target.env, target.log)


def stop(target):
    if target.proc is not None:
        stop_proc(target.proc)
        target.log.close()
        target.proc = None


def last_log_line(target, logdir):
    try:
        with open(os.path.join(logdir, target.name + '.log'), 'rb') as f:
            lines = [ln.strip() for ln in f.read().decode('utf-8', 'replace').splitlines()
                     if ln.strip()]
    except OSError:
        return ''
    return lines[-1][:120] if lines else ''


def check_answers(port):
    """None when the three routes answer as expected, else what is wrong."""
    expected = [
        ('/', lambda b: b == b'Hello, World!'),
        ('/json', lambda b: json.loads(b) == {'message': 'Hello, World!'}),
        ('/users/42', lambda b: json.loads(b) == {'id': 42}),
    ]
    for path, ok in expected:
        try:
            status, body = get(port, path)
            good = status == 200 and ok(body)
        except (OSError, ValueError, http.client.HTTPException) as exc:
            return '%s: %s' % (path, exc)
        if not good:
            return '%s answered %s %r' % (path, status, body[:60])
    return None


def tree_rss_kb(pid):
    """Resident set of a process and all its descendants, in KiB."""
    children = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as f:
                ppid = int(f.read().rsplit(')', 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, ()))
        try:
            with open('/proc/%d/status' % p) as f:
                for line in f:
                    if line.startswith('VmRSS:'):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def run_wrk(port, path, conns, keep_alive, duration):
    env = dict(os.environ, BENCH_CLOSE='0' if keep_alive else '1')
    cmd = ['wrk', '-t1', '-c%d' % conns, '-d%ds' % duration, '--timeout', '5s',
           '-s', WRK_SCRIPT, 'http://127.0.0.1:%d%s' % (port, path)]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env,
                         timeout=duration + 30)
    m = re.search(r'^BENCH (\{.*\})$', out.stdout, re.M)
    if not m:
        raise RuntimeError('wrk gave no result: %s' % (out.stderr or out.stdout)[-200:])
    r = json.loads(m.group(1))
    secs = r['duration_us'] / 1e6
    return {
        'rps': r['requests'] / secs if secs else 0.0,
        'p50_ms': r['p50_us'] / 1000.0,
        'p99_ms': r['p99_us'] / 1000.0,
        'errors': r['connect'] + r['read'] + r['write'] + r['timeout'] + r['status'],
        'requests': r['requests'],
    }


def ready(t, logdir):
    """'ok' once the target listens and answers right; else why not (and it is stopped)."""
    if not wait_port(t.port, t.proc, 30):
        why = 'n/a: did not start (%s)' % last_log_line(t, logdir)
    else:
        problem = check_answers(t.port)
        if not problem:
            return 'ok'
        why = 'n/a: wrong answer (%s)' % problem
    stop(t)
    return why


def serve_and_load(targets, scenarios, reps, duration, logdir):
    """Start every target, check its answers, then run the interleaved load."""
    for t in targets:
        if t.missing:
            t.status = 'n/a: ' + t.missing
            continue
        try:
            start(t, logdir)
        except OSError as exc:
            t.status = 'n/a: %s' % exc
    for t in targets:
        if t.proc is not None:
            t.status = ready(t, logdir)
    live = [t for t in targets if t.status == 'ok']
    for t in targets:
        print('%-18s %s' % (t.name, t.status), flush=True)

    runs = {}   # (target, scenario) -> [result, ...]
    rss = {}
    for rep in range(reps):
        order = live[rep % len(live):] + live[:rep % len(live)] if live else []
        for key, path, conns, keep, share in scenarios:
            for t in order:
                if t.proc is None:
                    continue
                if t.proc.poll() is not None:
                    # ended from outside (a signal) or crashed: note it, start it again
                    t.restarts.append(t.proc.returncode)
                    print('%s ended (exit %s), restarting' % (t.name, t.proc.returncode))
                    stop(t)
                    start(t, logdir)
                    status = ready(t, logdir)
                    if status != 'ok':
                        t.status = status
                        continue
                try:
                    r = run_wrk(t.port, path, conns, keep, max(1, duration // share))
                except (RuntimeError, subprocess.TimeoutExpired) as exc:
                    r = {'rps': 0.0, 'p50_ms': 0.0, 'p99_ms': 0.0, 'errors': -1,
                         'requests': 0, 'failure': str(exc)}
                if t.proc.poll() is not None:
                    print('%s ended during the run; result dropped' % t.name)
                    continue
                runs.setdefault((t.name, key), []).append(r)
                rss[t.name] = max(rss.get(t.name, 0), tree_rss_kb(t.proc.pid))
                print('rep %d %-18s %-14s %9.0f req/s  p99 %7.2f ms  errors %d' % (
                    rep + 1, t.name, key, r['rps'], r['p99_ms'], r['errors']),
                    flush=True)
    return runs, rss


def tool_version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    except OSError:
        return 'not found'
    text = (out.stdout + out.stderr).strip().splitlines()
    return text[0] if text else '?'


def hosted(path):
    """True when the MicroPython command is a script (the PyPI build runs MicroPython inside
    a CPython process, whose memory then counts in the RSS)."""
    try:
        with open(path, 'rb') as f:
            return f.read(2) == b'#!'
    except (OSError, TypeError):
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--quick', action='store_true', help='smoke mode: a few seconds')
    ap.add_argument('--only', default='', help='comma-separated target names or groups')
    ap.add_argument('--python', default=sys.executable)
    ap.add_argument('--micropython', default=shutil.which('micropython'))
    ap.add_argument('--mpy-cross', default=shutil.which('mpy-cross'))
    ap.add_argument('--ours-site', default=os.path.join(BENCH, '.venv', 'ours'),
                    help='where cpython_adapters was pip-installed with --target')
    ap.add_argument('--out', default=os.path.join(BENCH, 'results'))
    ap.add_argument('--duration', type=int, default=None, help='seconds per wrk run')
    ap.add_argument('--reps', type=int, default=None)
    ap.add_argument('--no-memory', action='store_true')
    ap.add_argument('--size-json', default=os.path.join(ROOT, 'firmware', 'build', 'size',
                                                        'size.json'),
                    help="the last `make size` figures, shown with the memory report")
    args = ap.parse_args()

    duration = args.duration or (1 if args.quick else 2)
    reps = args.reps or (1 if args.quick else 3)
    scenarios = SCENARIOS[:1] if args.quick else SCENARIOS
    os.makedirs(args.out, exist_ok=True)
    logdir = os.path.join(args.out, 'logs')
    shutil.rmtree(logdir, ignore_errors=True)
    os.makedirs(logdir)
    work = tempfile.mkdtemp(prefix='bench-')
    started = time.monotonic()

    if not shutil.which('wrk'):
        print('wrk is not installed: `apt-get install -y wrk` (make bench does this as root).')
        return 2

    for name in ('python', 'micropython', 'mpy_cross', 'ours_site', 'out'):
        if getattr(args, name):
            setattr(args, name, os.path.abspath(getattr(args, name)))
    targets = build_targets(args.python, args.micropython, args.ours_site, work)
    only = [s for s in args.only.split(',') if s]
    if only:
        targets = [t for t in targets if t.name in only or t.group in only]

    try:
        runs, rss = serve_and_load(targets, scenarios, reps, duration, logdir)
    finally:
        for t in targets:
            stop(t)


    mem = None
    if not args.no_memory and args.micropython and (not only or 'memory' in only):
        mem = memory.measure(args.python, args.micropython, args.mpy_cross, work,
                             quick=args.quick)

    meta = {
        'date': time.strftime('%Y-%m-%d %H:%M'),
        'cpus': os.cpu_count(),
        'cpython': platform.python_version(),
        'micropython': tool_version([args.micropython or 'micropython', '-c',
                                     'import sys; print(sys.version)']),
        'wrk': tool_version(['wrk', '-v']).split(' Copyright')[0],
        'micropython_hosted': hosted(args.micropython),
        'duration': duration,
        'reps': reps,
        'quick': args.quick,
        'seconds': 0,
    }
    meta['seconds'] = round(time.monotonic() - started)
    data = report.summarise(targets, scenarios, runs, rss)
    text = report.markdown(meta, targets, scenarios, data, mem,
                           args.size_json if mem else None)
    with open(os.path.join(args.out, 'report.md'), 'w') as f:
        f.write(text)
    with open(os.path.join(args.out, 'results.json'), 'w') as f:
        json.dump({'meta': meta, 'targets': data, 'memory': mem}, f, indent=1)
    chart = report.chart(targets, data, os.path.join(args.out, 'report.png'))
    print()
    print(text)
    print('report: %s' % os.path.join(args.out, 'report.md'))
    print('chart: %s' % (chart or 'not drawn (no load results, or no matplotlib)'))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
