"""tests/e2e/apps/realtime_app.py (SSE and WebSocket routes) served by the built-in server
in a subprocess on CPython or MicroPython, on a free port of 127.0.0.1; every wait is
bounded."""
import json
import time
import urllib.request
from pathlib import Path

from helpers.processes import TESTS, free_port, interpreter_path, modules_env, \
    start_server, stop_process

APP = TESTS / 'e2e' / 'apps' / 'realtime_app.py'


class AppServer:
    def __init__(self, interpreter, workdir, settings):
        self.executable = interpreter_path(interpreter)
        self.interpreter = interpreter
        self.port = free_port()
        env = modules_env(PORT=self.port, PYTHONUNBUFFERED=1)
        for name, value in settings.items():
            env[name.upper()] = str(value)
        self.log_path = Path(workdir) / 'server-{}.log'.format(self.port)
        self._log = open(self.log_path, 'wb')
        try:
            self.proc = start_server([self.executable, APP], self.port, self._log,
                                     cwd=workdir, env=env)
        except RuntimeError:
            self._log.close()
            raise

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
        stop_process(self.proc, 3)
        self._log.close()
