"""The firmware tests' view of the repository: its boards, `make` run in it, PATHs
without some programs, and stand-in tools. CPython only."""
import os
import subprocess

from helpers.processes import REPO
from helpers.repo_modules import tool_module

ROOT = str(REPO)
gen_package_json = tool_module('gen_package_json')

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
