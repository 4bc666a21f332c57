"""Device-API check: pyright over the device files with MicroPython's stubs in
place of CPython's typeshed, so that a module, function or attribute that
exists only on CPython fails the tests.

It reports what MicroPython lacks (modules, module attributes, names), not
the dynamic Python the core uses on purpose. A CPython-only branch is marked
where it stands with `# pyright: ignore[reportMissingImports]` (or
`[reportAttributeAccessIssue]`).
"""
import json
import os
import subprocess
import sys

import pytest

from helpers.firmware import ROOT, gen_package_json
from helpers.processes import venv_tool

STUB_DIR = os.path.join(ROOT, 'build', 'stubs')
BOARD_STUBS = ['micropython-esp32-stubs', 'micropython-rp2-rpi_pico_w-stubs']
STDLIB_STUBS = 'micropython-stdlib-stubs'
MODULE_API = ('is not a known attribute of module', 'is unknown import symbol')


def pins():
    found = {}
    with open(os.path.join(os.path.dirname(__file__), 'stubs.txt')) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                name, version = line.split('==')
                found[name] = version
    return found


def stubs(name):
    """The pinned stub package, installed into its own folder (once)."""
    version = pins()[name]
    target = os.path.join(STUB_DIR, '%s-%s' % (name, version))
    if not os.path.isdir(target):
        proc = subprocess.run(
            [sys.executable, '-m', 'pip', 'install', '-q', '--no-deps',
             '--target', target + '.part', '%s==%s' % (name, version)],
            capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            pytest.skip('cannot install %s==%s: %s' % (
                name, version, proc.stderr.strip()[-300:]))
        os.rename(target + '.part', target)
    return target


def is_api_error(diag):
    rule = diag.get('rule')
    if rule in ('reportMissingImports', 'reportUndefinedVariable'):
        return True
    return rule == 'reportAttributeAccessIssue' and any(
        text in diag['message'] for text in MODULE_API)


def run_pyright(board_stubs, tmp_path):
    pyright = venv_tool('pyright')
    if not pyright:
        pytest.skip('pyright is not installed (make venv)')
    stdlib = stubs(STDLIB_STUBS)
    empty_venv = tmp_path / 'venv'
    (empty_venv / 'lib' / 'python3.11' / 'site-packages').mkdir(parents=True)
    config = {
        'typeshedPath': stdlib,                 # MicroPython's stdlib
        'stubPath': board_stubs,                # the port's modules
        'extraPaths': [os.path.join(ROOT, 'modules'), stdlib],
        'venvPath': str(tmp_path), 'venv': 'venv',  # no CPython packages
        'pythonVersion': '3.11',
        'typeCheckingMode': 'off',
        'enableTypeIgnoreComments': True,
        'reportMissingImports': 'error',
        'reportMissingModuleSource': 'none',
        'reportAttributeAccessIssue': 'error',
        'reportUndefinedVariable': 'error',
    }
    (tmp_path / 'pyrightconfig.json').write_text(json.dumps(config))
    files = [os.path.join(ROOT, 'modules', p)
             for p in gen_package_json.device_files()]
    proc = subprocess.run([pyright, '-p', str(tmp_path / 'pyrightconfig.json'),
                           '--outputjson'] + files,
                          capture_output=True, text=True, timeout=600)
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        pytest.skip('pyright did not run: ' + (proc.stdout + proc.stderr)[-300:])
    assert report['summary']['filesAnalyzed'] == len(files)
    return report


@pytest.mark.parametrize('package', BOARD_STUBS)
def test_device_files_use_only_micropython_apis(package, tmp_path):
    report = run_pyright(stubs(package), tmp_path)
    errors = ['%s:%d: %s' % (os.path.relpath(d['file'], ROOT),
                             d['range']['start']['line'] + 1,
                             d['message'].splitlines()[0])
              for d in report['generalDiagnostics'] if is_api_error(d)]
    assert errors == [], (
        'CPython-only APIs in device code (mark a deliberate CPython-only '
        'branch with `# pyright: ignore[<rule>]`):\n' + '\n'.join(errors))


def test_the_check_catches_a_cpython_only_call(tmp_path):
    # the check itself works: a CPython-only module and function are caught
    probe = tmp_path / 'probe'
    probe.mkdir()
    board = stubs(BOARD_STUBS[0])
    pyright = venv_tool('pyright')
    if not pyright:
        pytest.skip('pyright is not installed (make venv)')
    stdlib = stubs(STDLIB_STUBS)
    (tmp_path / 'venv' / 'lib' / 'python3.11' / 'site-packages').mkdir(
        parents=True)
    (probe / 'p.py').write_text(
        'import functools\nimport asyncio\nimport time\n'
        'asyncio.get_running_loop()\ntime.sleep_ms(1)\n')
    (tmp_path / 'pyrightconfig.json').write_text(json.dumps({
        'typeshedPath': stdlib, 'stubPath': board, 'extraPaths': [stdlib],
        'venvPath': str(tmp_path), 'venv': 'venv', 'typeCheckingMode': 'off',
        'reportMissingImports': 'error', 'reportMissingModuleSource': 'none',
        'reportAttributeAccessIssue': 'error'}))
    proc = subprocess.run([pyright, '-p', str(tmp_path / 'pyrightconfig.json'),
                           '--outputjson', str(probe / 'p.py')],
                          capture_output=True, text=True, timeout=300)
    lines = sorted(d['range']['start']['line'] + 1
                   for d in json.loads(proc.stdout)['generalDiagnostics']
                   if is_api_error(d))
    assert lines == [1, 4]  # functools; get_running_loop (sleep_ms is fine)
