"""Smoke run of the benchmark harness (`make bench QUICK=1` in miniature): ours and the
pure-Python limit on both interpreters, one short wrk run each, report and JSON written."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from helpers.processes import MODULES, REPO, interpreter_path, require_interpreter
from helpers.repo_modules import bench_module

BENCH = os.path.join(REPO, 'bench')


def find_wrk():
    if shutil.which('wrk'):
        return True
    if os.geteuid() != 0 or not shutil.which('apt-get'):
        return False
    try:
        subprocess.run(['apt-get', 'install', '-y', '-qq', 'wrk'], capture_output=True,
                       timeout=180)
        if not shutil.which('wrk'):
            subprocess.run(['apt-get', 'update', '-qq'], capture_output=True, timeout=180)
            subprocess.run(['apt-get', 'install', '-y', '-qq', 'wrk'], capture_output=True,
                           timeout=180)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return bool(shutil.which('wrk'))


@pytest.fixture(scope='module')
def wrk():
    if not find_wrk():
        pytest.skip('wrk is not installed and could not be installed (apt-get install wrk)')


def test_quick_run_writes_report(wrk, tmp_path):
    mp = interpreter_path('micropython')
    names = ['ours-cpython', 'limit-cpython'] + (['ours-mpy', 'limit-mpy'] if mp else [])
    cmd = [sys.executable, os.path.join(BENCH, 'run.py'), '--quick', '--only', ','.join(names),
           '--out', str(tmp_path)]
    if mp:
        cmd += ['--micropython', mp]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    data = json.loads((tmp_path / 'results.json').read_text())
    for name in names:
        target = data['targets'][name]
        assert target['status'] == 'ok', (name, target['status'])
        main = target['scenarios']['/ c32 ka']
        assert main['rps'] > 100, (name, main)
        assert main['errors'] == 0, (name, main)
        assert target['rss_mb'] > 0
    report = (tmp_path / 'report.md').read_text()
    assert '## Built-in servers' in report
    assert '## Targets' in report
    assert 'built-in `/` c32 ka ≥ 0.4× the limit, CPython' in report


def test_heap_probe_measures_import(tmp_path):
    mp = require_interpreter('micropython')
    memory = bench_module('memory')
    kept = memory.kept_by_import(mp, str(MODULES))
    assert 1000 < kept < 200 * 1024
