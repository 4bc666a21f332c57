"""ruff (ruff.toml: pyflakes and pycodestyle; modules/ at 79 columns) passes over the code."""
import subprocess

import pytest

from helpers.processes import REPO, venv_tool

FOLDERS = ['modules', 'cpython_adapters', 'tests', 'tools', 'bench']


def test_ruff_passes():
    ruff = venv_tool('ruff')
    if ruff is None:
        pytest.fail('ruff is not installed: make venv installs it (tests/requirements.txt)')
    proc = subprocess.run([ruff, 'check', '--no-cache'] + FOLDERS, cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
