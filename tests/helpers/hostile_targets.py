"""Targets of the hostile-input tests: the built-in server on CPython and on
MicroPython, the ASGI adapter under uvicorn and the WSGI adapter under
gunicorn, all serving the application in tests/hostile/apps/ on 127.0.0.1.

The process handling comes from helpers.builtin_server and
helpers.adapter_servers; this module only points them at the hostile-input
application and adds what the hostile tests need: one interface over every
target, the outcome of one raw exchange, and memory readings (RSS from /proc,
the MicroPython heap from the /stats route).
"""
import os
import socket
import time
from pathlib import Path

import helpers.adapter_servers as adapters
from helpers.builtin_server import ServerProcess, make_files
from helpers.processes import TESTS
from helpers.raw_http import Closed, RawHTTP

APPS = TESTS / 'hostile' / 'apps'

BUILTIN = ('builtin-cpython', 'builtin-micropython')
EXTERNAL = ('uvicorn-h11', 'uvicorn-httptools-uvloop', 'gunicorn-sync',
            'gunicorn-gthread')
ALL_TARGETS = BUILTIN + EXTERNAL

# Short timeouts so the suite stays fast; a test that needs other values
# starts a dedicated target.
BUILTIN_SETTINGS = {
    'request_head_timeout': 2, 'body_timeout': 2, 'keepalive_timeout': 2,
    'write_timeout': 2,
}
# keep-alive and worker timeouts of the external servers (their own flags)
EXTERNAL_ARGS = {
    'uvicorn-h11': ['--timeout-keep-alive', '2'],
    'uvicorn-httptools-uvloop': ['--timeout-keep-alive', '2'],
    'gunicorn-sync': ['--keep-alive', '2', '--timeout', '10'],
    'gunicorn-gthread': ['--keep-alive', '2', '--timeout', '10'],
}


def _register_external():
    # helpers.adapter_servers' command lines, serving the hostile app instead
    for name in EXTERNAL:
        kind, argv = adapters.SERVERS[name]

        def hostile_argv(port, app, extra, argv=argv):
            args = argv(port, app, extra)
            assert args[-1].startswith('adapter_apps_cpython:'), args
            args[-1] = 'hostile_adapter_app_cpython:' + app
            return args
        adapters.SERVERS['hostile-' + name] = (kind, hostile_argv)


_register_external()


class BuiltinProcess(ServerProcess):
    """The built-in server running apps/hostile_app.py; heapsize fixes the
    MicroPython heap (e.g. '256K')."""

    def __init__(self, interpreter, workdir, settings=None, files_root=None,
                 heapsize=None):
        settings = dict(settings or {})
        settings['hostile_apps'] = str(APPS)
        super().__init__(interpreter, workdir, settings, files_root,
                         app=APPS / 'hostile_app.py')
        if heapsize and interpreter == 'micropython':
            script = Path(workdir) / 'micropython-heap-{}.sh'.format(heapsize)
            script.write_text('#!/bin/sh\nexec "{}" -X heapsize={} "$@"\n'
                              .format(self.executable, heapsize))
            script.chmod(0o755)
            self.executable = str(script)


def process_tree(pid):
    """pid and all its descendants (from /proc)."""
    children = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/{}/stat'.format(entry)) as f:
                fields = f.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, ()))
    return tree


def rss_kb(pid):
    """Resident memory of pid and its descendants, in kB."""
    total = 0
    for p in process_tree(pid):
        try:
            with open('/proc/{}/status'.format(p)) as f:
                for line in f:
                    if line.startswith('VmRSS:'):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def fd_count(pid):
    """Open file descriptors of pid and its descendants."""
    total = 0
    for p in process_tree(pid):
        try:
            total += len(os.listdir('/proc/{}/fd'.format(p)))
        except OSError:
            pass
    return total


class Target(RawHTTP):
    """One running server of the hostile-input app, whatever hosts it."""

    def __init__(self, name, workdir, site=None, settings=None, extra=None,
                 heapsize=None):
        self.name = name
        self.builtin = name in BUILTIN
        self.kind = 'builtin' if self.builtin else \
            ('asgi' if name.startswith('uvicorn') else 'wsgi')
        self.files_root = make_files(workdir)
        settings = dict(settings or {})
        if self.builtin:
            merged = dict(BUILTIN_SETTINGS)
            merged.update(settings)
            self.proc = BuiltinProcess(name.split('-', 1)[1], workdir, merged,
                                       self.files_root, heapsize).start()
            self.port = self.proc.port
        else:
            env = {'PYTHONPATH': os.pathsep.join(
                [site, adapters.APPS_DIR, str(APPS)]),
                'FILES_ROOT': str(self.files_root)}
            for key, value in settings.items():
                env[key.upper()] = str(value)
            args = list(EXTERNAL_ARGS[name]) + list(extra or ())
            self.proc = adapters.ServerProcess('hostile-' + name, site,
                                               extra=args, env=env)
            self.port = self.proc.port
        self.baseline = None
        self.log_offset = 0

    @property
    def micropython(self):
        return self.name == 'builtin-micropython'

    @property
    def pid(self):
        return self.proc.proc.pid

    def alive(self):
        return self.proc.proc.poll() is None

    def stop(self):
        self.proc.stop()

    def log(self):
        if self.builtin:
            return self.proc.log_bytes().decode('utf-8', 'replace')
        return self.proc.output()

    def mark_log(self):
        self.log_offset = len(self.log())

    def new_log(self):
        """What the server printed since mark_log()."""
        return self.log()[self.log_offset:]

    def describe(self, res):
        return self.name, res

    def stats(self):
        """(heap in use after gc.collect() or 0, open connections or -1,
        closed generator bodies) as the app reports them."""
        res = self.get('/stats')
        assert res.status == 200, res
        return tuple(int(x) for x in res.body.split())

    def memory(self):
        """MicroPython: heap bytes in use after a collection; otherwise the
        resident memory of the server's processes, in bytes."""
        if self.micropython:
            return self.stats()[0]
        return rss_kb(self.pid) * 1024

    # Memory allowed above the baseline: the MicroPython heap after a
    # collection, or the RSS of CPython processes (allocator slack).
    def memory_slack(self):
        return 24 * 1024 if self.micropython else 40 * 1024 * 1024

    def set_baseline(self):
        self.assert_serves()
        self.baseline = self.memory()

    def check(self):
        """After every case: alive, a normal GET / answers 200, memory within
        bounds, no traceback printed."""
        assert self.alive(), '{} died:\n{}'.format(self.name, self.log()[-3000:])
        self.assert_serves()
        used = self.memory()
        assert used <= self.baseline + self.memory_slack(), \
            '{}: memory {} -> {}'.format(self.name, self.baseline, used)
        assert 'Traceback' not in self.new_log(), self.new_log()[-3000:]


def exchange(target, raw, timeout=3.0, pause=None, rest_wait=0):
    """Sends raw on a new connection and returns (outcome, rest): outcome is
    the status of the first response, 'closed' when the connection closed
    without one, or 'timeout' when nothing came in time; rest is every byte
    that came after that first response until close or rest_wait seconds
    passed (not read when rest_wait is 0)."""
    with target.connect(timeout) as client:
        try:
            if pause is None:
                client.send(raw)
            else:  # in pieces: (size, seconds)
                size, seconds = pause
                for i in range(0, len(raw), size):
                    client.send(raw[i:i + size])
                    time.sleep(seconds)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            res = client.read_response(timeout)
        except Closed:
            return 'closed', b''
        except (TimeoutError, ConnectionResetError):
            return 'timeout', b''
        except ValueError:  # not HTTP at all
            return 'garbage', client.buf
        if not rest_wait:
            return res.status, b''
        try:
            rest = client.wait_closed(rest_wait)
        except TimeoutError:
            rest = client.buf
        return res.status, rest


def reset_close(sock):
    """Closes a socket with a TCP reset instead of a FIN."""
    import struct
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                    struct.pack('ii', 1, 0))
    sock.close()
