"""A small in-tree PEP 517 / PEP 660 build backend for the ``microdot`` distribution.

Theory of operation
-------------------
The repository keeps one copy of the core: ``modules/microdot/`` (it runs on MicroPython as
well).  This directory only holds what is for CPython alone: the adapters, ``microdot/asgi.py``
and ``microdot/wsgi.py``, and the typing of the package, ``microdot/*.pyi`` and
``microdot/py.typed`` (a ``microdot/`` folder with no ``__init__.py``; the device code carries
no annotations).  The installed package must be the union of the two, so the core is brought
in at build time:

* **wheel from the source tree** - files come from ``microdot/`` here and from the core
  directory named by ``[tool.microdot-build] core`` (relative to this directory).
* **sdist** - the same union is written under ``microdot/`` inside the archive, plus
  ``PKG-INFO``.  An unpacked sdist is recognised by its ``PKG-INFO`` and never looks outside
  itself, so a wheel built from the sdist is identical to one built from the tree.
* **editable wheel** - holds no package files, only a ``.pth`` hook and a tiny finder that
  maps ``microdot`` to the core directory *and* the adapters directory (its ``__path__`` has
  both), so edits to either show up without reinstalling.  Type checkers run no import hooks:
  the ``.pth`` also names the two directories' parents, where they find the stubs and the
  core's source (at run time the finder comes first, so nothing else changes).

Nothing is written into the source tree.  Build requirements: none, on every Python the
package supports: ``pyproject.toml`` is read with ``tomllib`` where the standard library has it
(3.11+), else with the small reader below, which knows the TOML this file uses.
"""

import base64
import hashlib
import io
import os
import re
import sys
import tarfile
import time
import zipfile

try:
    import tomllib
except ImportError:  # Python < 3.11: read_toml() below
    tomllib = None

PACKAGE = 'microdot'
ROOT = os.path.abspath(os.path.dirname(__file__))
SKIP_DIRS = ('__pycache__',)
SKIP_SUFFIXES = ('.pyc', '.pyo', '.mpy')
# Reproducible archives: a fixed timestamp unless SOURCE_DATE_EPOCH says otherwise.
EPOCH = int(os.environ.get('SOURCE_DATE_EPOCH', '315532800'))  # 1980-01-01


#### project description

def _pyproject():
    with open(os.path.join(ROOT, 'pyproject.toml'), encoding='utf-8') as f:
        text = f.read()
    return tomllib.loads(text) if tomllib is not None else read_toml(text)


_BARE_KEY = re.compile(r'[A-Za-z0-9_-]+')
_SCALAR = re.compile(r'true|false|[+-]?[0-9][0-9_]*')
_ESCAPES = {'b': '\b', 't': '\t', 'n': '\n', 'f': '\f', 'r': '\r', '"': '"', '\\': '\\'}


def read_toml(text):
    """The TOML document ``text`` as a dict, for Pythons without ``tomllib``: tables, dotted
    and quoted keys, single-line strings, integers, booleans, arrays and inline tables.
    Anything else (dates, floats, multi-line strings, arrays of tables) is a ValueError."""
    return _TomlReader(text).document()


class _TomlReader:
    def __init__(self, text):
        self.text = text
        self.pos = 0

    def error(self, what):
        line = self.text.count('\n', 0, self.pos) + 1
        raise ValueError('pyproject.toml, line %d: %s (this Python has no tomllib: only '
                         'simple TOML is understood)' % (line, what))

    def peek(self):
        return self.text[self.pos:self.pos + 1]

    def expect(self, char):
        if self.peek() != char:
            self.error('%r expected' % char)
        self.pos += 1

    # Skips spaces, tabs and comments, and line ends too with newlines=True.
    def skip(self, newlines=False):
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in ' \t' or (newlines and char in '\r\n'):
                self.pos += 1
            elif char == '#':
                end = self.text.find('\n', self.pos)
                self.pos = len(self.text) if end < 0 else end
            else:
                break

    def document(self):
        root = table = {}
        while True:
            self.skip(newlines=True)
            if self.pos >= len(self.text):
                return root
            if self.peek() == '[':
                self.pos += 1
                if self.peek() == '[':
                    self.error('arrays of tables are not supported')
                table = self.table(root, self.key())
                self.skip()
                self.expect(']')
            else:
                self.key_value(table)
            self.skip()
            if self.peek() not in ('\r', '\n', ''):
                self.error('line end expected')

    def table(self, table, keys):
        for key in keys:
            table = table.setdefault(key, {})
            if not isinstance(table, dict):
                self.error('%s is not a table' % key)
        return table

    def key(self):
        keys = []
        while True:
            self.skip()
            if self.peek() in ('"', "'"):
                keys.append(self.string())
            else:
                match = _BARE_KEY.match(self.text, self.pos)
                if match is None:
                    self.error('key expected')
                keys.append(match.group())
                self.pos = match.end()
            self.skip()
            if self.peek() != '.':
                return keys
            self.pos += 1

    def key_value(self, table):
        keys = self.key()
        self.expect('=')
        self.skip()
        value = self.value()
        table = self.table(table, keys[:-1])
        if keys[-1] in table:
            self.error('%s is defined twice' % keys[-1])
        table[keys[-1]] = value

    def value(self):
        char = self.peek()
        if char in ('"', "'"):
            return self.string()
        if char == '[':
            self.pos += 1
            items = []
            while True:
                self.skip(newlines=True)
                if self.peek() == ']':
                    self.pos += 1
                    return items
                items.append(self.value())
                self.skip(newlines=True)
                if self.peek() == ',':
                    self.pos += 1
                elif self.peek() != ']':
                    self.error("',' or ']' expected")
        if char == '{':
            self.pos += 1
            table = {}
            self.skip()
            if self.peek() == '}':
                self.pos += 1
                return table
            while True:
                self.key_value(table)
                self.skip()
                if self.peek() == '}':
                    self.pos += 1
                    return table
                self.expect(',')
        match = _SCALAR.match(self.text, self.pos)
        end = match.end() if match else self.pos
        if match is None or (end < len(self.text) and self.text[end] not in ' \t\r\n,]}#'):
            self.error('unsupported value')
        self.pos = end
        word = match.group()
        if word in ('true', 'false'):
            return word == 'true'
        return int(word.replace('_', ''))

    def string(self):
        quote = self.peek()
        if self.text.startswith(quote * 3, self.pos):
            self.error('multi-line strings are not supported')
        self.pos += 1
        out = []
        while True:
            char = self.peek()
            if char in ('', '\n'):
                self.error('unterminated string')
            self.pos += 1
            if char == quote:
                return ''.join(out)
            if char != '\\' or quote == "'":
                out.append(char)
                continue
            char = self.peek()
            self.pos += 1
            if char in _ESCAPES:
                out.append(_ESCAPES[char])
            elif char in ('u', 'U'):
                digits = self.text[self.pos:self.pos + (4 if char == 'u' else 8)]
                if len(digits) not in (4, 8) or \
                        any(d not in '0123456789abcdefABCDEF' for d in digits):
                    self.error('bad escape')
                out.append(chr(int(digits, 16)))
                self.pos += len(digits)
            else:
                self.error('bad escape')


def _is_sdist():
    return os.path.exists(os.path.join(ROOT, 'PKG-INFO'))


def _core_dir():
    if _is_sdist():
        return None  # the sdist already carries the core under microdot/
    rel = _pyproject().get('tool', {}).get('microdot-build', {}).get(
        'core', '../modules/microdot')
    path = os.path.normpath(os.path.join(ROOT, rel))
    if not os.path.isfile(os.path.join(path, '__init__.py')):
        raise RuntimeError('core package not found at %s '
                           '(set [tool.microdot-build] core)' % path)
    return path


def _walk(base):
    # (relative posix path, absolute path) of every packageable file under base
    out = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for name in sorted(filenames):
            if name.endswith(SKIP_SUFFIXES):
                continue
            full = os.path.join(dirpath, name)
            out.append((os.path.relpath(full, base).replace(os.sep, '/'), full))
    return out


def _package_files():
    # {'microdot/<rel>': absolute path}: adapters plus the core, refusing name clashes
    files = {}
    adapters = os.path.join(ROOT, PACKAGE)
    for rel, full in _walk(adapters):
        files[PACKAGE + '/' + rel] = full
    core = _core_dir()
    if core is not None:
        for rel, full in _walk(core):
            key = PACKAGE + '/' + rel
            if key in files:
                raise RuntimeError('%s exists in both the core and the adapters' % key)
            files[key] = full
    if PACKAGE + '/__init__.py' not in files:
        raise RuntimeError('no %s/__init__.py to package' % PACKAGE)
    return files


def _version(files):
    with open(files[PACKAGE + '/__init__.py'], encoding='utf-8') as f:
        m = re.search(r'''^__version__\s*=\s*['"]([^'"]+)['"]''', f.read(), re.M)
    if not m:
        sys.stderr.write('warning: no __version__ in the core package; using 0.0.0\n')
        return '0.0.0'
    # PEP 440 spelling of a local "-dev" style suffix
    return m.group(1).replace('-', '.')


def _metadata(version):
    project = _pyproject()['project']
    lines = [
        'Metadata-Version: 2.1',
        'Name: ' + project['name'],
        'Version: ' + version,
    ]
    if 'description' in project:
        lines.append('Summary: ' + project['description'])
    if 'requires-python' in project:
        lines.append('Requires-Python: ' + project['requires-python'])
    lic = project.get('license')
    if isinstance(lic, dict) and 'text' in lic:
        lines.append('License: ' + lic['text'])
    elif isinstance(lic, str):
        lines.append('License-Expression: ' + lic)
    for c in project.get('classifiers', []):
        lines.append('Classifier: ' + c)
    for dep in project.get('dependencies', []):
        lines.append('Requires-Dist: ' + dep)
    for extra, deps in sorted(project.get('optional-dependencies', {}).items()):
        lines.append('Provides-Extra: ' + extra)
        for dep in deps:
            lines.append('Requires-Dist: %s ; extra == "%s"' % (dep, extra))
    body = ''
    readme = project.get('readme')
    if isinstance(readme, str) and os.path.exists(os.path.join(ROOT, readme)):
        lines.append('Description-Content-Type: text/markdown')
        with open(os.path.join(ROOT, readme), encoding='utf-8') as f:
            body = '\n' + f.read()
    return '\n'.join(lines) + '\n' + body


def _dist_name():
    return re.sub(r'[-_.]+', '_', _pyproject()['project']['name']).lower()


#### wheels

class _WheelWriter:
    def __init__(self, directory, name, version, tag='py3-none-any'):
        self.filename = '%s-%s-%s.whl' % (name, version, tag)
        self.dist_info = '%s-%s.dist-info' % (name, version)
        self.tag = tag
        self.path = os.path.join(directory, self.filename)
        self.zip = zipfile.ZipFile(self.path, 'w', compression=zipfile.ZIP_DEFLATED)
        self.records = []

    def add(self, arcname, data):
        if isinstance(data, str):
            data = data.encode('utf-8')
        info = zipfile.ZipInfo(arcname, time.gmtime(max(EPOCH, 315532800))[:6])
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=')
        self.records.append('%s,sha256=%s,%d' % (arcname, digest.decode(), len(data)))

    def close(self, metadata):
        self.add(self.dist_info + '/METADATA', metadata)
        self.add(self.dist_info + '/WHEEL',
                 'Wheel-Version: 1.0\nGenerator: microdot build_backend\n'
                 'Root-Is-Purelib: true\nTag: %s\n' % self.tag)
        record = self.dist_info + '/RECORD'
        self.records.append(record + ',,')
        data = ('\n'.join(self.records) + '\n').encode('utf-8')
        info = zipfile.ZipInfo(record, time.gmtime(max(EPOCH, 315532800))[:6])
        info.external_attr = 0o644 << 16
        self.zip.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
        self.zip.close()
        return self.filename


def _read(path):
    with open(path, 'rb') as f:
        return f.read()


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    files = _package_files()
    version = _version(files)
    wheel = _WheelWriter(wheel_directory, _dist_name(), version)
    for arcname in sorted(files):
        wheel.add(arcname, _read(files[arcname]))
    return wheel.close(_metadata(version))


EDITABLE_FINDER = '''\
# Installed by an editable install of microdot: serves the package from its source
# directories (the core and the CPython adapters), so edits show up without reinstalling.
import importlib.util
import sys

_LOCATIONS = %r


class _MicrodotEditableFinder:
    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        if fullname != 'microdot':
            return None
        return importlib.util.spec_from_file_location(
            fullname, _LOCATIONS[0] + '/__init__.py',
            submodule_search_locations=list(_LOCATIONS))


if not any(getattr(f, '__name__', '') == '_MicrodotEditableFinder' for f in sys.meta_path):
    sys.meta_path.insert(0, _MicrodotEditableFinder)
'''


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    if _is_sdist():
        raise RuntimeError('editable installs need the source tree, not an sdist')
    files = _package_files()
    version = _version(files)
    name = _dist_name()
    locations = [_core_dir().replace(os.sep, '/'),
                 os.path.join(ROOT, PACKAGE).replace(os.sep, '/')]
    finder = '__editable___%s_finder' % name
    wheel = _WheelWriter(wheel_directory, name, version)
    wheel.add(finder + '.py', EDITABLE_FINDER % (locations,))
    # path lines for static type checkers (the stubs' folder first), then the finder
    roots = [os.path.dirname(location) for location in reversed(locations)]
    wheel.add('__editable__.%s-%s.pth' % (name, version),
              ''.join(root + '\n' for root in roots) + 'import %s\n' % finder)
    return wheel.close(_metadata(version))


def _write_metadata(metadata_directory):
    files = _package_files()
    version = _version(files)
    dist_info = '%s-%s.dist-info' % (_dist_name(), version)
    os.makedirs(os.path.join(metadata_directory, dist_info), exist_ok=True)
    with open(os.path.join(metadata_directory, dist_info, 'METADATA'), 'w',
              encoding='utf-8') as f:
        f.write(_metadata(version))
    return dist_info


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    return _write_metadata(metadata_directory)


def prepare_metadata_for_build_editable(metadata_directory, config_settings=None):
    return _write_metadata(metadata_directory)


def _requires(config_settings=None):
    return []  # (not even on Python < 3.11: see read_toml())


get_requires_for_build_wheel = _requires
get_requires_for_build_editable = _requires
get_requires_for_build_sdist = _requires


#### sdist

SDIST_EXTRA = ('pyproject.toml', 'build_backend.py', 'README.md')


def build_sdist(sdist_directory, config_settings=None):
    files = _package_files()
    version = _version(files)
    base = '%s-%s' % (_dist_name(), version)
    members = [(name, os.path.join(ROOT, name)) for name in SDIST_EXTRA
               if os.path.exists(os.path.join(ROOT, name))]
    members += sorted(files.items())
    filename = base + '.tar.gz'
    path = os.path.join(sdist_directory, filename)
    with tarfile.open(path, 'w:gz', format=tarfile.PAX_FORMAT) as tar:
        def add(arcname, data):
            info = tarfile.TarInfo(base + '/' + arcname)
            info.size = len(data)
            info.mtime = EPOCH
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
        for arcname, full in members:
            add(arcname, _read(full))
        add('PKG-INFO', _metadata(version).encode('utf-8'))
    return filename
