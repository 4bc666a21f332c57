"""Real servers for the adapter tests (and the hostile-input tests): each runs as a process
bound to 127.0.0.1 on a free port, serving an app from tests/adapters/adapter_apps_cpython.py
with the package built from cpython_adapters/.
"""

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile

import httpx

from helpers.processes import REPO, TESTS, free_port, stop_process

APPS_DIR = os.path.join(TESTS, 'adapters')  # where adapter_apps_cpython.py is
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
            '--home', sys.prefix, '--chdir', APPS_DIR] + extra + \
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
        full_env['PYTHONPATH'] = os.pathsep.join([site, APPS_DIR])
        full_env['PYTHONUNBUFFERED'] = '1'
        full_env.update(env or {})
        if name == 'uwsgi' and UWSGI is None:
            raise RuntimeError('uwsgi is not installed: make venv installs it '
                               '(tests/requirements.txt)')
        command = argv(self.port, app, list(extra))
        if not os.path.isabs(command[0]):
            command = [sys.executable] + command
        self.proc = subprocess.Popen(
            command, cwd=APPS_DIR, env=full_env,
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
        return stop_process(self.proc, STOP_TIMEOUT,
                            STOP_SIGNALS.get(self.name, signal.SIGTERM), group=True)


def get_when_up(url, proc, timeout=20):
    """The text of the first answer to GET url, waiting for the server proc to come up;
    None when it exits first or does not answer in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            return httpx.get(url, timeout=2).text
        except httpx.HTTPError:
            time.sleep(0.1)
    return None
