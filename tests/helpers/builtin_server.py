"""A test application (tests/e2e/apps/server_app.py unless told otherwise) served by the
built-in server in a subprocess on CPython or MicroPython, on a free port of 127.0.0.1,
talked to with raw HTTP (helpers.raw_http). Starting and stopping are bounded in time."""
import subprocess
from pathlib import Path

from helpers.processes import TESTS, free_port, interpreter_path, modules_env, \
    stop_process, wait_listening
from helpers.raw_http import RawHTTP

APP = TESTS / 'e2e' / 'apps' / 'server_app.py'
SECRET = b'TOP-SECRET-CONTENT'  # beside the served root, never served
PUBLIC = b'public file content\n'


def make_files(base):
    """A served folder base/www (public.txt, sub/inner.txt) with base/secret.txt beside
    it; returns base/www."""
    root = Path(base) / 'www'
    (root / 'sub').mkdir(parents=True, exist_ok=True)
    (root / 'public.txt').write_bytes(PUBLIC)
    (root / 'sub' / 'inner.txt').write_bytes(b'inner\n')
    (Path(base) / 'secret.txt').write_bytes(SECRET)
    return root


class ServerProcess(RawHTTP):
    """The app running in a subprocess on one interpreter; settings become its upper-case
    environment variables (keepalive_timeout=1 -> KEEPALIVE_TIMEOUT=1)."""

    def __init__(self, interpreter, workdir, settings=None, files_root=None, app=APP):
        self.interpreter = interpreter
        self.executable = interpreter_path(interpreter)
        self.workdir = Path(workdir)
        self.settings = dict(settings or {})
        self.files_root = files_root
        self.app = app
        self.proc = None
        self.port = None
        self.log_path = None
        self._log_file = None
        self.log_offset = 0  # log() starts here (see mark_log)

    def start(self, timeout=10.0):
        for attempt in range(3):
            self.port = free_port()
            self._spawn(attempt)
            if wait_listening(self.port, self.proc, timeout):
                return self
            self.stop()
            log = self.log()
            if 'Address already in use' not in log and \
                    'EADDRINUSE' not in log and '98' not in log:
                break
        raise RuntimeError('{} server did not start:\n{}'.format(
            self.interpreter, self.log()))

    def _spawn(self, attempt):
        env = modules_env(PORT=self.port, PYTHONUNBUFFERED=1)
        if self.files_root:
            env['FILES_ROOT'] = str(self.files_root)
        for name, value in self.settings.items():
            env[name.upper()] = str(value)
        self.log_path = self.workdir / 'server-{}-{}.log'.format(
            self.port, attempt)
        self._log_file = open(self.log_path, 'wb')
        self.proc = subprocess.Popen(
            [self.executable, str(self.app)], cwd=str(self.workdir), env=env,
            stdin=subprocess.DEVNULL, stdout=self._log_file,
            stderr=subprocess.STDOUT)

    def log_bytes(self):
        """All the server printed (stdout and stderr)."""
        if self.log_path is None or not self.log_path.exists():
            return b''
        return self.log_path.read_bytes()

    def log(self):
        """What the server printed since mark_log()."""
        return self.log_bytes()[self.log_offset:].decode('utf-8', 'replace')

    def mark_log(self):
        self.log_offset = len(self.log_bytes())

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc, 3)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
