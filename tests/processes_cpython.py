"""Helpers for tests that start servers as processes (CPython only)."""
import os
import socket
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def interpreter_path(name):
    """The executable for 'cpython' or 'micropython', or None when missing."""
    if name == 'cpython':
        return sys.executable
    path = os.environ.get('MICROPYTHON') or str(REPO / '.venv' / 'bin' /
                                                'micropython')
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return path
    return None


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]
