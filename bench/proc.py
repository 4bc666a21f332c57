"""Starting, probing and stopping server processes on 127.0.0.1."""
import http.client
import os
import signal
import socket
import subprocess
import threading
import time


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def spawn(argv, cwd, env_extra, log):
    """Start a server in its own session (so that stop() ends it and its workers)."""
    env = dict(os.environ)
    env.pop('PYTHONPATH', None)
    env.pop('MICROPYPATH', None)
    env.update(env_extra)
    return subprocess.Popen(argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)


def wait_port(port, proc, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(('127.0.0.1', port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.02)
    return False


def stop(proc):
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            pass


def get(port, path, timeout=10):
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=timeout)
    try:
        conn.request('GET', path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def hammer(port, path, count, timeout=10):
    """Send `count` GET requests, reusing the connection while the server keeps it open.
    Returns how many answered 200."""
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=timeout)
    good = 0
    try:
        for _ in range(count):
            try:
                conn.request('GET', path)
                resp = conn.getresponse()
                resp.read()
                good += resp.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
    finally:
        conn.close()
    return good


def run_threads(target, count):
    """target(k) for k in range(count), each in a thread of its own; returns when all end."""
    threads = [threading.Thread(target=target, args=(k,)) for k in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
