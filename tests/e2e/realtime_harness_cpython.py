"""Runs tests/e2e/apps/realtime_app.py on CPython or MicroPython in a
subprocess bound to 127.0.0.1; every wait is bounded."""
import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from processes_cpython import free_port, interpreter_path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
APP = HERE / 'apps' / 'realtime_app.py'


class AppServer:
    def __init__(self, interpreter, workdir, settings):
        self.executable = interpreter_path(interpreter)
        self.interpreter = interpreter
        self.port = free_port()
        env = dict(os.environ, PORT=str(self.port), PYTHONUNBUFFERED='1')
        for name, value in settings.items():
            env[name.upper()] = str(value)
        if interpreter == 'cpython':
            env['PYTHONPATH'] = str(REPO / 'modules')
        else:
            env['MICROPYPATH'] = str(REPO / 'modules') + ':.frozen'
        self.log_path = Path(workdir) / 'server-{}.log'.format(self.port)
        self._log = open(self.log_path, 'wb')
        self.proc = subprocess.Popen(
            [self.executable, str(APP)], cwd=str(workdir), env=env,
            stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                socket.create_connection(('127.0.0.1', self.port), 0.5).close()
                return
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError('server did not start:\n' + self.log())

    @property
    def url(self):
        return 'http://127.0.0.1:{}'.format(self.port)

    @property
    def ws_url(self):
        return 'ws://127.0.0.1:{}'.format(self.port)

    def log(self):
        return self.log_path.read_bytes().decode('utf-8', 'replace')

    def stats(self):
        with urllib.request.urlopen(self.url + '/stats', timeout=5) as res:
            return json.loads(res.read())

    def wait_stats(self, check, timeout=5.0):
        """Polls /stats until check(stats) is true; returns the last stats."""
        deadline = time.monotonic() + timeout
        while True:
            stats = self.stats()
            if check(stats) or time.monotonic() > deadline:
                return stats
            time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(3)
        self._log.close()


@pytest.fixture(params=['cpython', 'micropython'])
def start_app(request, tmp_path):
    """start_app(**settings) starts the realtime app on one interpreter."""
    if interpreter_path(request.param) is None:
        pytest.skip(request.param + ' interpreter not found (run make venv)')
    servers = []

    def start(**settings):
        server = AppServer(request.param, tmp_path, settings)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
