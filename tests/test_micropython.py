"""Runs the shared unittest-style test suites under the MicroPython interpreter."""
import os
import subprocess

import pytest

from helpers.processes import REPO, interpreter_path

MICROPYTHON = interpreter_path('micropython')
SUITES = ['tests/core', 'tests/ext']


@pytest.mark.parametrize('suite', SUITES)
def test_suite_passes_on_micropython(suite):
    if MICROPYTHON is None:
        pytest.skip('no MicroPython interpreter (MICROPYTHON=..., or make venv)')
    if not os.path.isdir(os.path.join(REPO, suite)):
        pytest.skip(suite + ' does not exist yet')
    env = dict(os.environ, MICROPYPATH='tests/mp_lib:modules:tests:.frozen')
    proc = subprocess.run(
        [MICROPYTHON, '-X', 'heapsize=8M', 'tests/mp_runner.py', suite],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert ' passed, 0 failed' in output, output
