"""Microdot 2.7.0's own test suite, run against this project (`make compat`).

Its sdist is downloaded from PyPI (pinned by hash) into build/compat/ and its `tests/` run:
on CPython with the cpython_adapters package installed (pytest), and on the MicroPython
interpreter for the modules its `tests/__init__.py` lists (tests/mp_runner.py with our small
unittest). expected_failures.txt beside this file names each test that fails on purpose, with
the README difference it comes from. Any other failure, or an expected failure that passes,
is an error. Nothing of the suite is kept in the repository.

    python tests/compat/microdot_suite.py     (exit 1 on an unexpected result)
"""
import hashlib
import os
import re
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ElementTree

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
WORK = os.path.join(REPO, 'build', 'compat')
VERSION = '2.7.0'
SDIST = 'microdot-%s.tar.gz' % VERSION
SHA256 = 'e11f39f0f5564bb5db69f728902740ed592d632ae7a03e24ca3a88cd59ad2f53'
EXPECTED = os.path.join(HERE, 'expected_failures.txt')
MICROPYTHON = os.environ.get('MICROPYTHON') or os.path.join(REPO, '.venv', 'bin', 'micropython')
TIMEOUT = 600  # seconds for each interpreter's run


def run(cmd, **kwargs):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, **kwargs)


def fetch():
    """The unpacked sdist's folder, downloaded once and checked against its hash."""
    src = os.path.join(WORK, 'microdot-' + VERSION)
    if os.path.isdir(os.path.join(src, 'tests')):
        return src
    os.makedirs(WORK, exist_ok=True)
    archive = os.path.join(WORK, SDIST)
    if not os.path.exists(archive):
        out = run([sys.executable, '-m', 'pip', 'download', '--no-deps', '--no-binary',
                   ':all:', '--disable-pip-version-check', '-d', WORK,
                   'microdot==' + VERSION])
        if out.returncode:
            raise RuntimeError('pip download failed:\n' + out.stdout + out.stderr)
    with open(archive, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if digest != SHA256:
        os.remove(archive)
        raise RuntimeError('%s: sha256 %s, expected %s' % (SDIST, digest, SHA256))
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():  # only plain files inside the folder
            if not (member.isfile() or member.isdir()) or member.name.startswith('/') \
                    or '..' in member.name.split('/'):
                raise RuntimeError('unexpected member in %s: %s' % (SDIST, member.name))
        tar.extractall(WORK)
    return src


def run_cpython(src):
    """{test id: 'passed' | 'failed' | 'skipped'} on CPython, with cpython_adapters
    installed to a folder of its own."""
    site = os.path.join(WORK, 'site')
    out = run([sys.executable, '-m', 'pip', 'install', '--no-deps', '--no-index', '--upgrade',
               '--disable-pip-version-check', '--target', site,
               os.path.join(REPO, 'cpython_adapters')])
    if out.returncode:
        raise RuntimeError('installing cpython_adapters failed:\n' + out.stdout + out.stderr)
    report = os.path.join(WORK, 'cpython.xml')
    env = dict(os.environ, PYTHONPATH=site)
    # (the suite's folder is its own root: this repository's conftest.py stays out)
    out = run([sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-p',
               'no:logging', '--rootdir', src, '--confcutdir', src, '--junit-xml', report,
               'tests'], cwd=src, env=env)
    if not os.path.exists(report):
        raise RuntimeError('pytest wrote no report:\n' + out.stdout[-3000:] + out.stderr)
    results = {}
    for case in ElementTree.parse(report).iter('testcase'):
        module, cls = case.get('classname').split('.')[-2:]
        name = '%s.%s.%s' % (module, cls, case.get('name'))
        if case.find('failure') is not None or case.find('error') is not None:
            results[name] = 'failed'
        elif case.find('skipped') is not None:
            results[name] = 'skipped'
        else:
            results[name] = 'passed'
    return results


def run_micropython(src):
    """{test id: 'passed' | 'failed'} on the MicroPython interpreter, for the modules the
    suite's tests/__init__.py lists."""
    with open(os.path.join(src, 'tests', '__init__.py')) as f:
        modules = re.findall(r'^from (tests\.test_\w+) import', f.read(), re.M)
    path = ':'.join([src, os.path.join(REPO, 'tests', 'mp_lib'), os.path.join(REPO, 'modules'),
                     os.path.join(REPO, '.venv', 'micropython-lib'), '.frozen'])
    out = run([MICROPYTHON, '-X', 'heapsize=8M', os.path.join(REPO, 'tests', 'mp_runner.py'),
               '--verbose'] + modules, cwd=src, env=dict(os.environ, MICROPYPATH=path))
    results = {}
    for line in out.stdout.splitlines():
        m = re.match(r'(PASS|FAIL|SKIP) (\w+\.\w+\.\w+)', line)
        if m:
            results[m.group(2)] = {'PASS': 'passed', 'FAIL': 'failed',
                                   'SKIP': 'skipped'}[m.group(1)]
        elif line.startswith('FAIL importing'):
            results[line.split()[-1]] = 'failed'
    if not results:
        raise RuntimeError('no result from MicroPython:\n' + out.stdout[-3000:] + out.stderr)
    return results


def expected_failures():
    """{interpreter: {test id: reason}} from expected_failures.txt, whose lines are
    `cpython|micropython|both  test_module.Class.test_name  # reason`."""
    expected = {'cpython': {}, 'micropython': {}}
    with open(EXPECTED) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            spec, _, reason = line.partition('#')
            where, name = spec.split()
            for interp in (('cpython', 'micropython') if where == 'both' else (where,)):
                expected[interp][name] = reason.strip()
    return expected


def compare(results, expected):
    """The problems (a list of lines): failures not expected, expected ones that passed."""
    problems = []
    for name, outcome in sorted(results.items()):
        if outcome == 'failed' and name not in expected:
            problems.append('unexpected failure: ' + name)
        if outcome == 'passed' and name in expected:
            problems.append('expected to fail but passed: %s (%s)' % (name, expected[name]))
    for name in sorted(set(expected) - set(results)):
        problems.append('expected failure not run: ' + name)
    return problems


def summary(interp, results):
    counts = {k: list(results.values()).count(k) for k in ('passed', 'failed', 'skipped')}
    ran = counts['passed'] + counts['failed']
    return '%s: %d of %d passed (%.1f%%), %d failed, %d skipped' % (
        interp, counts['passed'], ran, 100.0 * counts['passed'] / (ran or 1),
        counts['failed'], counts['skipped'])


def main():
    src = fetch()
    expected = expected_failures()
    problems = []
    for interp, runner in (('cpython', run_cpython), ('micropython', run_micropython)):
        results = runner(src)
        print('Microdot %s suite, %s' % (VERSION, summary(interp, results)))
        problems += ['%s: %s' % (interp, p) for p in compare(results, expected[interp])]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
