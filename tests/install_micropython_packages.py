"""Install the pinned MicroPython-style packages from PyPI into the venv.

Some packages on PyPI (utemplate) are published the way MicroPython's package
tools expect: a plain source tarball with no setup.py or pyproject.toml, which
pip refuses to install. This script does what those tools do: pip finds the
pinned tarball by name (and stops, unable to build it), the script fetches the
file pip named, checks its SHA-256 and unpacks its Python files into
``<venv>/micropython-lib``. A ``.pth`` file puts that folder on CPython's path;
the MicroPython test runner (and tests that need it) add it to ``sys.path``.

Usage: python tests/install_micropython_packages.py [VENV]   (default .venv)
"""
import hashlib
import io
import os
import re
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import urllib.request

# name: (version, sha256 of its sdist)
PACKAGES = {
    'utemplate': (
        '1.4.1',
        '43fde7c8b38dda1ff9c82cd829d22ec445f1e9d631455de705873051f83a0b20',
    ),
}


# The address of name's sdist, as pip resolves it from the configured index.
def sdist_url(name, version):
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [sys.executable, '-m', 'pip', 'download', '--no-deps',
             '--no-binary', ':all:', '-d', tmp, '{}=={}'.format(name, version)],
            capture_output=True, text=True, timeout=300)
    found = re.search(r'\bfrom (\S+/{}-{}\.tar\.gz)'.format(name, version),
                      proc.stdout + proc.stderr)
    if not found:
        sys.exit('{}: pip did not find {}: {}'.format(
            name, version, proc.stdout + proc.stderr))
    return found.group(1)


def install(name, version, sha256, target):
    stamp = os.path.join(target, '.{}-{}'.format(name, version))
    if os.path.exists(stamp):
        return
    url = sdist_url(name, version)
    with urllib.request.urlopen(url, timeout=60) as response:
        data = response.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        sys.exit('{}: SHA-256 mismatch ({})'.format(name, digest))
    prefix = '{}-{}/'.format(name, version)
    with tarfile.open(fileobj=io.BytesIO(data), mode='r:gz') as tar:
        for member in tar.getmembers():
            path = member.name
            if not member.isfile() or not path.startswith(prefix) or \
                    not path.endswith('.py') or '..' in path:
                continue
            dest = os.path.join(target, path[len(prefix):])
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, 'wb') as f:
                f.write(tar.extractfile(member).read())
    open(stamp, 'w').close()
    print('installed {}=={} into {}'.format(name, version, target))


def main():
    venv = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else '.venv')
    target = os.path.join(venv, 'micropython-lib')
    os.makedirs(target, exist_ok=True)
    for name, (version, sha256) in PACKAGES.items():
        install(name, version, sha256, target)
    # Make the folder importable from the venv's CPython.
    site = sysconfig.get_paths(vars={'base': venv, 'platbase': venv})[
        'purelib']
    if os.path.isdir(site):
        with open(os.path.join(site, 'micropython-lib.pth'), 'w') as f:
            f.write(target + '\n')


if __name__ == '__main__':
    main()
