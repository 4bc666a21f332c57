"""Start an example from examples/ in a subprocess, on CPython or MicroPython,
on a free port of 127.0.0.1, the way its first line says to run it.

Every wait is bounded: the start, each request and the stop.
"""
import shutil
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from helpers.processes import REPO, TESTS, free_port, interpreter_path, modules_env, \
    start_server, stop_process

EXAMPLES = REPO / 'examples'
RUNNER = TESTS / 'docs' / 'run_example.py'


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
        self.log = open(self.log_path, 'wb')
        self.proc = start_server(
            [interpreter_path(self.interpreter), RUNNER, self.port, self.script.name],
            self.port, self.log, cwd=self.workdir, env=modules_env(), timeout=timeout)
        return self

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
        if self.proc is not None:
            stop_process(self.proc)
        if getattr(self, 'log', None) is not None:
            self.log.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
