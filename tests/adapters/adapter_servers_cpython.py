"""Real servers for the adapter tests: each runs as a process bound to 127.0.0.1 on a free
port, serving an app from adapter_apps_cpython with the package built from cpython_adapters/.
"""

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zipfile

import httpx

from processes_cpython import free_port  # noqa: F401

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ADAPTERS_DIR = os.path.join(REPO, 'cpython_adapters')
START_TIMEOUT = 20  # seconds for a server to answer its first request
STOP_TIMEOUT = 10
# uWSGI is a binary installed beside the interpreter (tests/requirements.txt pins it)
UWSGI = shutil.which('uwsgi', path=os.path.dirname(sys.executable)) or shutil.which('uwsgi')

WSGIREF_SERVER = '''
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
import adapter_apps_cpython

class Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True

class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass

make_server('127.0.0.1', int(sys.argv[1]), adapter_apps_cpython.wsgi_validated_app,
            server_class=Server, handler_class=QuietHandler).serve_forever()
'''


def build_site(directory):
    """Builds the wheel with the package's own build backend and unpacks it into directory
    (a site directory to put on PYTHONPATH)."""
    spec = importlib.util.spec_from_file_location(
        '_microdot_build_backend', os.path.join(ADAPTERS_DIR, 'build_backend.py'))
    backend = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(backend)
    wheel_dir = tempfile.mkdtemp(dir=directory)
    name = backend.build_wheel(wheel_dir)
    site = os.path.join(directory, 'site')
    with zipfile.ZipFile(os.path.join(wheel_dir, name)) as wheel:
        wheel.extractall(site)
    return site


# name -> (kind, argv builder(port, app attribute, extra args)); the argv is for the
# interpreter running the tests unless it starts with an absolute path (an executable)
def _uvicorn(http, loop):
    def argv(port, app, extra):
        return ['-m', 'uvicorn', '--host', '127.0.0.1', '--port', str(port),
                '--http', http, '--loop', loop, '--lifespan', 'on',
                '--log-level', 'warning'] + extra + ['adapter_apps_cpython:' + app]
    return argv


def _hypercorn(port, app, extra):
    return ['-m', 'hypercorn', '--bind', '127.0.0.1:%d' % port, '--workers', '1'] + \
        extra + ['adapter_apps_cpython:' + app]


def _gunicorn(worker, threads=1):
    def argv(port, app, extra):
        return ['-m', 'gunicorn', '--bind', '127.0.0.1:%d' % port, '--workers', '1',
                '--worker-class', worker, '--threads', str(threads),
                '--graceful-timeout', '5', '--timeout', '60',
                '--log-level', 'warning'] + extra + ['adapter_apps_cpython:' + app]
    return argv


def _wsgiref(port, app, extra):
    return ['-c', WSGIREF_SERVER, str(port)]


def _uwsgi(port, app, extra):
    # a master and one worker with two threads; no --die-on-term, so a SIGTERM to the
    # master reloads it (as uWSGI does by default) and SIGINT stops it. The http-socket
    # closes the connection after each response: it says so, so that clients do not send
    # another request on it.
    return [UWSGI, '--http-socket', '127.0.0.1:%d' % port, '--master',
            '--processes', '1', '--threads', '2', '--add-header', 'Connection: close',
            '--need-app', '--disable-logging',
            '--home', sys.prefix, '--chdir', HERE] + extra + \
        ['--module', 'adapter_apps_cpython:' + app]


SERVERS = {
    'uvicorn-h11': ('asgi', _uvicorn('h11', 'asyncio')),
    'uvicorn-httptools-uvloop': ('asgi', _uvicorn('httptools', 'uvloop')),
    'hypercorn': ('asgi', _hypercorn),
    'gunicorn-sync': ('wsgi', _gunicorn('sync')),
    'gunicorn-gthread': ('wsgi', _gunicorn('gthread', 8)),
    'wsgiref-validate': ('wsgi', _wsgiref),
    'uwsgi': ('wsgi', _uwsgi),
}
STOP_SIGNALS = {'uwsgi': signal.SIGINT}  # (SIGTERM makes a uWSGI master reload)
ALL_SERVERS = list(SERVERS)  # the servers above, whatever other suites add to SERVERS
ASGI_SERVERS = [name for name, (kind, _) in SERVERS.items() if kind == 'asgi']
WSGI_SERVERS = [name for name, (kind, _) in SERVERS.items() if kind == 'wsgi']


class ServerProcess:
    def __init__(self, name, site, app=None, extra=(), env=None, wait=True, ready_path='/'):
        self.name = name
        self.kind, argv = SERVERS[name]
        app = app or ('asgi_app' if self.kind == 'asgi' else 'wsgi_app')
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.ready_path = ready_path
        self.log = tempfile.TemporaryFile()
        full_env = dict(os.environ)
        full_env['PYTHONPATH'] = os.pathsep.join([site, HERE])
        full_env['PYTHONUNBUFFERED'] = '1'
        full_env.update(env or {})
        if name == 'uwsgi' and UWSGI is None:
            raise RuntimeError('uwsgi is not installed: make venv installs it '
                               '(tests/requirements.txt)')
        command = argv(self.port, app, list(extra))
        if not os.path.isabs(command[0]):
            command = [sys.executable] + command
        self.proc = subprocess.Popen(
            command, cwd=HERE, env=full_env,
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        if wait:
            self.wait_ready()

    def wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError('%s exited (%s):\n%s' % (
                    self.name, self.proc.returncode, self.output()))
            try:
                if httpx.get(self.url + self.ready_path, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError('%s did not start:\n%s' % (self.name, self.output()))

    def output(self):
        self.log.seek(0)
        return self.log.read().decode('utf-8', 'replace')

    def wait_exit(self, timeout=STOP_TIMEOUT):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(STOP_SIGNALS.get(self.name, signal.SIGTERM))
            if self.wait_exit() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        return self.proc.returncode


def raw_request(port, data, shut_write=False, timeout=10):
    """Sends raw bytes on a new connection and returns all that comes back."""
    with socket.create_connection(('127.0.0.1', port), timeout=timeout) as s:
        s.sendall(data)
        if shut_write:
            s.shutdown(socket.SHUT_WR)
        chunks = []
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                if not shut_write and b'\r\n\r\n' in b''.join(chunks) and \
                        _complete(b''.join(chunks)):
                    break
        except (socket.timeout, ConnectionResetError):
            pass
        return b''.join(chunks)


def _complete(data):
    head, _, body = data.partition(b'\r\n\r\n')
    for line in head.split(b'\r\n')[1:]:
        name, _, value = line.partition(b':')
        if name.strip().lower() == b'content-length':
            return len(body) >= int(value)
    return False


def status_of(data):
    line = data.split(b'\r\n', 1)[0]
    parts = line.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
