"""Runs the shared unittest-style test suites under the MicroPython interpreter."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MICROPYTHON = os.environ.get('MICROPYTHON') or os.path.join(
    os.path.dirname(sys.executable), 'micropython')
SUITES = ['tests/core', 'tests/ext']


@pytest.mark.parametrize('suite', SUITES)
def test_suite_passes_on_micropython(suite):
    if not os.path.exists(MICROPYTHON):
        pytest.skip('no MicroPython interpreter at ' + MICROPYTHON)
    if not os.path.isdir(os.path.join(ROOT, suite)):
        pytest.skip(suite + ' does not exist yet')
    env = dict(os.environ, MICROPYPATH='tests/mp_lib:modules:tests:.frozen')
    proc = subprocess.run(
        [MICROPYTHON, '-X', 'heapsize=8M', 'tests/mp_runner.py', suite],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert ' passed, 0 failed' in output, output
