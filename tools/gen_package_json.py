"""The list of device files, and package.json for `mip` built from it.

`manifest.py` (firmware) and `package.json` (stock firmware, `mpremote mip
install github:OWNER/REPO`) both take their files from `device_files()`, so
what gets frozen and what gets installed never drift apart. package.json also
installs the packages that extensions need (`DEPENDENCIES`).

    python tools/gen_package_json.py           # rewrite package.json
    python tools/gen_package_json.py --check   # exit 1 if package.json is stale
"""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODULES = 'modules'
PACKAGE = 'microdot'

# Modules of the package that import CPython-only libraries: never frozen,
# never installed on a board.
CPYTHON_ONLY = ('jinja.py',)

# The core: everything else in the package is an extension.
CORE = ('__init__.py', 'structures.py', 'messages.py', 'protocol.py',
        'streams.py', 'bodies.py', 'chunked.py', 'server.py', 'cookies.py', 'files.py',
        'errors.py', 'vary.py', 'microdot.py', 'test_client.py')


# Packages the extensions import, installed by `mip install github:OWNER/REPO`
# with the package. utemplate (for microdot.utemplate) is in neither
# micropython-lib's index nor, as a package.json, in its own repository, so a
# mip `deps` entry cannot name it: package.json lists its files instead, at the
# commit of its release 1.4.1 (the version tests/install_micropython_packages.py
# tests with). Full https:// addresses: mip leaves them as they are, whatever
# @ref the package itself is installed from.
# (name, version, base address, files)
DEPENDENCIES = (
    ('utemplate', '1.4.1',
     'https://raw.githubusercontent.com/pfalcon/utemplate/'
     '4e32afb2b767020dd8f958a3c66bfa105d01be1f',
     ('utemplate/compiled.py', 'utemplate/recompile.py',
      'utemplate/source.py')),
)


def device_files(root=ROOT):
    """Paths like 'microdot/app.py' (relative to modules/), sorted: the core
    first, then one file per extension."""
    base = os.path.join(root, MODULES)
    found = []
    for folder, dirs, files in os.walk(os.path.join(base, PACKAGE)):
        dirs[:] = sorted(d for d in dirs if d != '__pycache__')
        for name in files:
            if name.endswith('.py'):
                rel = os.path.relpath(os.path.join(folder, name), base)
                found.append(rel.replace(os.sep, '/'))
    found = [p for p in found
             if not (p.count('/') == 1 and p.split('/')[1] in CPYTHON_ONLY)]

    def order(path):
        name = path.split('/', 1)[1]
        return (name not in CORE, path)
    return sorted(found, key=order)


def version(root=ROOT):
    path = os.path.join(root, MODULES, PACKAGE, '__init__.py')
    with open(path) as f:
        match = re.search(r"^__version__\s*=\s*['\"]([^'\"]+)['\"]", f.read(),
                          re.M)
    return match.group(1) if match else '0.0.0'


def package_json(root=ROOT):
    # URLs are relative to package.json: mip resolves them against the
    # address it fetched package.json from (github:OWNER/REPO[@ref]).
    urls = [[path, MODULES + '/' + path] for path in device_files(root)]
    for _name, _version, base, files in DEPENDENCIES:
        urls += [[path, base + '/' + path] for path in files]
    return {'urls': urls, 'version': version(root)}


def render(root=ROOT):
    data = package_json(root)
    urls = ',\n'.join('    ' + json.dumps(pair) for pair in data['urls'])
    return '{\n  "urls": [\n%s\n  ],\n  "version": %s\n}\n' % (
        urls, json.dumps(data['version']))


def main(argv):
    path = os.path.join(ROOT, 'package.json')
    text = render()
    if '--check' in argv:
        try:
            with open(path) as f:
                current = f.read()
        except OSError:
            current = None
        if current != text:
            print('package.json is stale: run `make package-json`',
                  file=sys.stderr)
            return 1
        return 0
    with open(path, 'w') as f:
        f.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
