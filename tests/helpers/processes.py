"""Processes that tests start (servers on CPython or MicroPython, bound to 127.0.0.1) and
the repository's paths; every wait is bounded. CPython only."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MODULES = REPO / 'modules'
TESTS = REPO / 'tests'
INTERPRETERS = ('cpython', 'micropython')


def interpreter_path(name):
    """The executable for 'cpython' or 'micropython', or None when missing."""
    if name == 'cpython':
        return sys.executable
    path = os.environ.get('MICROPYTHON') or str(REPO / '.venv' / 'bin' /
                                                'micropython')
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return path
    return None


def require_interpreter(name):
    """interpreter_path(name), or the calling test is skipped when it is missing."""
    path = interpreter_path(name)
    if path is None:
        pytest.skip('{} interpreter not found (run make venv)'.format(name))
    return path


def venv_tool(name):
    """A program of the venv (.venv/bin/name), else the one on PATH, else None."""
    path = str(REPO / '.venv' / 'bin' / name)
    return path if os.path.exists(path) else shutil.which(name)


def free_port(kind=socket.SOCK_STREAM):
    """A TCP (or, with kind=socket.SOCK_DGRAM, UDP) port on 127.0.0.1 that nothing uses
    right now."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def modules_env(**variables):
    """This process's environment with modules/ importable on both interpreters
    (MicroPython keeps .frozen, where its asyncio lives), plus the given variables."""
    modules = str(MODULES)
    env = dict(os.environ, PYTHONPATH=modules, MICROPYPATH=modules + ':.frozen')
    env.update((name, str(value)) for name, value in variables.items())
    return env


def wait_listening(port, proc=None, timeout=10.0):
    """True once 127.0.0.1:port accepts a connection; False when proc exits first or the
    timeout passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            socket.create_connection(('127.0.0.1', port), 0.5).close()
            return True
        except OSError:
            time.sleep(0.02)
    return False


def stop_process(proc, timeout=5.0, sig=signal.SIGTERM, group=False):
    """Sends sig, then kills the process (its whole process group when group is true) if
    it has not exited after timeout seconds; returns its exit code."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            if group:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
            proc.wait(5)
    return proc.returncode


def start_server(argv, port, log, cwd=None, env=None, timeout=10.0):
    """Runs argv, its output into log (an open file, or subprocess.PIPE), and returns the
    process once it listens on 127.0.0.1:port. When it exits first or does not listen in
    time it is stopped and RuntimeError carries what it printed."""
    proc = subprocess.Popen([str(arg) for arg in argv],
                            cwd=None if cwd is None else str(cwd), env=env,
                            stdin=subprocess.DEVNULL, stdout=log,
                            stderr=subprocess.STDOUT)
    if wait_listening(port, proc, timeout):
        return proc
    stop_process(proc)
    raise RuntimeError('{} did not listen on port {}:\n{}'.format(
        ' '.join(str(arg) for arg in argv), port, output_of(proc, log)))


def output_of(proc, log):
    """What a process started by start_server printed (with a pipe: once it has exited)."""
    if log == subprocess.PIPE:
        return proc.stdout.read().decode('utf-8', 'replace')
    log.flush()
    with open(log.name, 'rb') as f:
        return f.read().decode('utf-8', 'replace')
