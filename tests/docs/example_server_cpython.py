"""Start an example from examples/ in a subprocess, on CPython or MicroPython,
on a free port of 127.0.0.1, the way its first line says to run it.

Every wait is bounded: the start, each request and the stop.
"""
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from processes_cpython import free_port, interpreter_path  # noqa: F401

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
EXAMPLES = REPO / 'examples'
MODULES = REPO / 'modules'
RUNNER = HERE / 'run_example.py'
INTERPRETERS = ('cpython', 'micropython')


def run_line(script):
    """The example's first line, without the leading '# Run: '."""
    with open(script) as f:
        first = f.readline().strip()
    assert first.startswith('# Run: '), \
        '{} does not start with its run command'.format(script)
    return first[len('# Run: '):]


class ExampleServer:
    """One example served from a copy of its folder (examples may write
    files, such as uploads, where they run)."""

    def __init__(self, interpreter, script, workdir):
        self.interpreter = interpreter
        self.script = Path(script)
        self.workdir = Path(workdir) / self.script.parent.name
        self.port = free_port()
        self.proc = None
        self.log_path = Path(workdir) / (self.script.stem + '-' +
                                         interpreter + '.log')

    @property
    def tls(self):
        return self.script.parent.name == 'https'

    @property
    def url(self):
        return '{}://127.0.0.1:{}'.format('https' if self.tls else 'http',
                                          self.port)

    def start(self, timeout=20):
        shutil.copytree(self.script.parent, self.workdir,
                        ignore=shutil.ignore_patterns('__pycache__',
                                                      'uploads'))
        if self.tls:  # what its run line's `make certs` makes
            subprocess.run([sys.executable, str(REPO / 'tools' / 'make_certs.py'),
                            '--dir', str(self.workdir), '--host',
                            'localhost,127.0.0.1'], check=True,
                           capture_output=True)
        env = dict(os.environ)
        if self.interpreter == 'cpython':
            env['PYTHONPATH'] = str(MODULES)
        else:
            env['MICROPYPATH'] = '{}:.frozen'.format(MODULES)
        self.log = open(self.log_path, 'wb')
        self.proc = subprocess.Popen(
            [interpreter_path(self.interpreter), str(RUNNER), str(self.port),
             self.script.name],
            cwd=str(self.workdir), env=env, stdout=self.log,
            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError('the example exited:\n' + self.output())
            try:
                with socket.create_connection(('127.0.0.1', self.port), 0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError('the example did not listen in time:\n' +
                           self.output())

    def output(self):
        try:
            self.log.flush()
        except ValueError:
            pass
        return self.log_path.read_text(errors='replace')

    def request(self, path, method='GET', body=None, headers=None,
                timeout=10):
        """(status, headers, body) of one request; no redirects followed."""
        req = urllib.request.Request(self.url + path, data=body,
                                     method=method, headers=headers or {})
        handlers = [_NoRedirect]
        if self.tls:
            context = ssl.create_default_context(
                cafile=str(self.workdir / 'cert.pem'))
            handlers.append(urllib.request.HTTPSHandler(context=context))
        opener = urllib.request.build_opener(*handlers)
        try:
            with opener.open(req, timeout=timeout) as res:
                return res.status, res.headers, res.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if getattr(self, 'log', None) is not None:
            self.log.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
