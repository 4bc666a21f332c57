"""Helpers for the firmware tests (CPython only)."""
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tools'))

import gen_package_json  # noqa: E402

BOARDS = sorted(n for n in os.listdir(os.path.join(ROOT, 'boards'))
                if os.path.isfile(os.path.join(ROOT, 'boards', n, 'board.mk')))


def board_facts(board):
    facts = {}
    with open(os.path.join(ROOT, 'boards', board, 'board.mk')) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#') and '=' in line:
                key, value = line.split('=', 1)
                facts[key.strip().rstrip('?')] = value.strip()
    return facts


def make(*args, env=None, timeout=60):
    """Runs make in the repository; returns (exit code, stdout, stderr)."""
    base = dict(os.environ)
    for name in ('MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'MICROPY_DIR', 'BOARD',
                 'PORT', 'APP', 'IMAGE', 'HOST', 'SRC', 'FREEZE', 'CERTS_DIR',
                 'RELEASE_DIR', 'picotool_DIR', 'PICOTOOL_FETCH_FROM_GIT_PATH'):
        base.pop(name, None)
    base.update(env or {})
    proc = subprocess.run(['make', '--no-print-directory'] + list(args),
                          cwd=ROOT, env=base, capture_output=True, text=True,
                          timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


def path_without(tmp_path, *hidden):
    """A PATH of symlinks to every program on PATH except `hidden`."""
    bindir = tmp_path / 'bin'
    bindir.mkdir(exist_ok=True)
    for folder in os.environ.get('PATH', '').split(os.pathsep):
        if not os.path.isdir(folder):
            continue
        for name in os.listdir(folder):
            target = os.path.join(folder, name)
            link = bindir / name
            if name in hidden or link.exists() or not os.access(target, os.X_OK):
                continue
            link.symlink_to(target)
    return str(bindir)


def fake_tool(folder, name, body):
    """An executable shell script folder/name running body."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text('#!/bin/sh\n' + body)
    path.chmod(0o755)
    return path


def venv_tool(name):
    path = os.path.join(ROOT, '.venv', 'bin', name)
    return path if os.path.exists(path) else shutil.which(name)
