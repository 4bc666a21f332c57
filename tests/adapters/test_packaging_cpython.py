# The cpython_adapters package installed the three ways, each into a fresh venv: a regular
# install, an editable install (edits to the core show up live) and `python -m build` (an
# sdist, then a wheel built from that sdist). The core is included at build time. Then a
# regular install on every CPython the package supports that this machine has, serving the
# examples.
import glob
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

from helpers.adapter_servers import ADAPTERS_DIR, get_when_up
from helpers.processes import REPO, free_port, stop_process

CORE_DIR = os.path.join(REPO, 'modules', 'microdot')
ADAPTER_FILES = {'asgi.py', 'wsgi.py', '_adapters.py'}
# the package's typing, for CPython only (tests/typecheck/ checks it)
TYPING_FILES = {name for name in os.listdir(os.path.join(ADAPTERS_DIR, 'microdot'))
                if name.endswith('.pyi') or name == 'py.typed'}
CPYTHON_FILES = ADAPTER_FILES | TYPING_FILES
PIP_TIMEOUT = 120

# Runs inside the fresh venv: where the package is, and one request through each adapter.
CHECK = r'''
import asyncio, io, json, os, sys
import microdot, microdot.asgi, microdot.wsgi
from microdot.asgi import Microdot as AsgiMicrodot
from microdot.wsgi import Microdot as WsgiMicrodot

out = {'core': os.path.dirname(microdot.__file__),
       'asgi': os.path.dirname(microdot.asgi.__file__),
       'wsgi': os.path.dirname(microdot.wsgi.__file__),
       'probe': getattr(microdot, 'EDITABLE_PROBE', None)}

app = AsgiMicrodot()
app.route('/')(lambda request: 'asgi ok')
sent = []
async def receive():
    return {'type': 'http.request', 'body': b'', 'more_body': False}
async def send(message):
    sent.append(message)
asyncio.run(app({'type': 'http', 'method': 'GET', 'path': '/', 'query_string': b'',
                 'headers': [], 'client': None}, receive, send))
out['asgi_body'] = sent[-1]['body'].decode()

wapp = WsgiMicrodot()
wapp.route('/')(lambda request: 'wsgi ok')
status = []
body = wapp({'REQUEST_METHOD': 'GET', 'PATH_INFO': '/', 'wsgi.input': io.BytesIO(),
             'wsgi.url_scheme': 'http', 'SERVER_PROTOCOL': 'HTTP/1.1'},
            lambda s, h: status.append(s))
out['wsgi_result'] = [status[0], b''.join(body).decode()]
print(json.dumps(out))
'''


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, capture_output=True, text=True,
                          timeout=PIP_TIMEOUT, **kwargs)


def fresh_venv(path):
    run([sys.executable, '-m', 'venv', '--without-pip', str(path)])
    return str(path / 'bin' / 'python')


def pip_install(python, *args, cwd=None):
    # the outer pip installs into the fresh venv (--python), from local sources only
    return run([sys.executable, '-m', 'pip', '--python', python, 'install',
                '--no-input', '--disable-pip-version-check'] + list(args), cwd=cwd)


def check(python, cwd):
    import json
    result = run([python, '-I', '-c', CHECK], cwd=str(cwd))
    return json.loads(result.stdout)


def core_files():
    return {name for name in os.listdir(CORE_DIR) if name.endswith('.py')}


def test_adapters_stay_out_of_the_device_tree():
    assert not CPYTHON_FILES & set(os.listdir(CORE_DIR))
    assert {'py.typed', '__init__.pyi', 'asgi.pyi'} <= TYPING_FILES
    assert not os.path.exists(os.path.join(ADAPTERS_DIR, 'microdot', '__init__.py'))


def test_regular_install(tmp_path):
    python = fresh_venv(tmp_path / 'venv')
    pip_install(python, '--no-index', './cpython_adapters', cwd=REPO)
    out = check(python, tmp_path)
    site_pkg = out['core']
    assert site_pkg.startswith(str(tmp_path / 'venv'))
    assert out['asgi'] == out['wsgi'] == site_pkg
    installed = set(os.listdir(site_pkg)) - {'__pycache__'}
    assert installed == core_files() | CPYTHON_FILES
    assert out['asgi_body'] == 'asgi ok'
    assert out['wsgi_result'] == ['200 OK', 'wsgi ok']
    # an app's requirements written for Microdot 2.x keep this package (pip would
    # replace an older version by PyPI's Microdot)
    installed = run([python, '-I', '-c', 'import importlib.metadata as m; '
                     'print(m.version("microdot"))']).stdout.strip()
    with open(os.path.join(CORE_DIR, '__init__.py')) as f:
        assert "__version__ = '%s'" % installed in f.read()
    kept = pip_install(python, '--no-index', '--no-deps', '--dry-run', 'microdot~=2.3',
                       'microdot>=2.7')
    assert 'already satisfied' in kept.stdout and 'Would install' not in kept.stdout


def test_editable_install_sees_core_edits_live(tmp_path):
    # a copy of the two directories, laid out as in the repository, so they can be edited
    src = tmp_path / 'src'
    shutil.copytree(CORE_DIR, src / 'modules' / 'microdot',
                    ignore=shutil.ignore_patterns('__pycache__'))
    shutil.copytree(ADAPTERS_DIR, src / 'cpython_adapters',
                    ignore=shutil.ignore_patterns('__pycache__', 'dist', 'build'))
    python = fresh_venv(tmp_path / 'venv')
    pip_install(python, '--no-index', '-e', './cpython_adapters', cwd=str(src))
    out = check(python, tmp_path)
    assert out['core'] == str(src / 'modules' / 'microdot')
    assert out['asgi'] == out['wsgi'] == str(src / 'cpython_adapters' / 'microdot')
    assert out['probe'] is None
    assert out['asgi_body'] == 'asgi ok'
    with open(src / 'modules' / 'microdot' / '__init__.py', 'a') as f:
        f.write('\nEDITABLE_PROBE = 42\n')
    (src / 'modules' / 'microdot' / 'probe_module.py').write_text('VALUE = "new file"\n')
    assert check(python, tmp_path)['probe'] == 42
    result = run([python, '-I', '-c', 'import microdot.probe_module as m; print(m.VALUE)'],
                 cwd=str(tmp_path))
    assert result.stdout.strip() == 'new file'


def test_build_sdist_then_wheel_from_it(tmp_path):
    pytest.importorskip('build')
    dist = tmp_path / 'dist'
    run([sys.executable, '-m', 'build', '--outdir', str(dist), ADAPTERS_DIR])
    sdists = list(dist.glob('*.tar.gz'))
    wheels = list(dist.glob('*.whl'))
    assert len(sdists) == 1 and len(wheels) == 1
    with tarfile.open(sdists[0]) as tar:
        names = {name.split('/', 1)[1] for name in tar.getnames() if '/' in name}
    assert {'pyproject.toml', 'build_backend.py', 'PKG-INFO'} <= names
    assert {'microdot/' + name for name in core_files() | CPYTHON_FILES} <= names
    with zipfile.ZipFile(wheels[0]) as whl:
        package = {name for name in whl.namelist() if not name.startswith('microdot-')}
    assert package == {'microdot/' + name for name in core_files() | CPYTHON_FILES}
    python = fresh_venv(tmp_path / 'venv')
    pip_install(python, '--no-index', str(wheels[0]))
    out = check(python, tmp_path)
    assert out['asgi'] == out['wsgi'] == out['core']
    assert out['wsgi_result'] == ['200 OK', 'wsgi ok']


def _serve(cmd, cwd, port):
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        return get_when_up('http://127.0.0.1:%d/' % port, proc)
    finally:
        stop_process(proc, 10)


def test_seed_examples_serve_from_a_fresh_install(tmp_path):
    """pip install ./cpython_adapters uvicorn gunicorn; then `uvicorn test:app` and
    `gunicorn test:app` in the examples."""
    python = fresh_venv(tmp_path / 'venv')
    pip_install(python, '--no-index', './cpython_adapters', cwd=REPO)
    try:
        pip_install(python, 'uvicorn==0.54.0', 'gunicorn==27.0.1', cwd=REPO)
    except subprocess.SubprocessError as exc:
        pytest.skip('uvicorn/gunicorn could not be installed: %s' % exc)
    bin_dir = os.path.dirname(python)
    examples = os.path.join(REPO, 'examples', 'asgi_wsgi')
    port = free_port()
    assert _serve([os.path.join(bin_dir, 'uvicorn'), 'test:app', '--port', str(port)],
                  os.path.join(examples, 'asgi'), port) == 'Hello, world!'
    port = free_port()
    assert _serve([os.path.join(bin_dir, 'gunicorn'), 'test:app',
                   '--bind', '127.0.0.1:%d' % port],
                  os.path.join(examples, 'wsgi'), port) == 'Hello, world!'


#### every supported CPython on this machine

SUPPORTED = ['3.9', '3.10', '3.11', '3.12', '3.13']  # requires-python = ">=3.9"


def find_cpythons():
    """{'3.X': interpreter}: one CPython per minor version, from python3.X on PATH, pyenv's
    versions folder ($PYENV_ROOT or `pyenv root`) and the interpreter running the tests."""
    candidates = [shutil.which('python' + version) for version in SUPPORTED]
    root = os.environ.get('PYENV_ROOT')
    if not root and shutil.which('pyenv'):
        try:
            root = subprocess.run(['pyenv', 'root'], capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            root = None
    if root:
        candidates += sorted(glob.glob(os.path.join(root, 'versions', '*', 'bin', 'python3')))
    candidates.append(sys.executable)
    found = {}
    for path in candidates:
        if not path:
            continue
        try:  # (a pyenv shim for a version that is not selected exits with an error)
            result = subprocess.run(
                [path, '-c', 'import platform, sys; print(platform.python_implementation(),'
                 ' "%d.%d" % sys.version_info[:2])'], capture_output=True, text=True,
                timeout=20)
        except (OSError, subprocess.SubprocessError):
            continue
        words = result.stdout.split()
        if result.returncode == 0 and len(words) == 2 and words[0] == 'CPython':
            found.setdefault(words[1], path)
    return found


@pytest.fixture(scope='session')
def cpythons():
    return find_cpythons()


# A minimal ASGI server: one HTTP/1.1 request per connection (run in the fresh venv).
ASGI_DRIVER = r'''
import asyncio, importlib.util, sys

spec = importlib.util.spec_from_file_location('example', sys.argv[1])
example = importlib.util.module_from_spec(spec)
spec.loader.exec_module(example)
port = int(sys.argv[2])


async def serve(reader, writer):
    head = (await reader.readuntil(b'\r\n\r\n')).decode('latin-1').split('\r\n')
    method, target, protocol = head[0].split(' ')
    path, _, query = target.partition('?')
    headers = []
    for line in head[1:]:
        name, _, value = line.partition(':')
        if name:
            headers.append((name.strip().lower().encode(), value.strip().encode()))
    scope = {'type': 'http', 'asgi': {'version': '3.0'}, 'http_version': protocol[5:],
             'method': method, 'scheme': 'http', 'path': path, 'raw_path': path.encode(),
             'query_string': query.encode(), 'root_path': '', 'headers': headers,
             'client': writer.get_extra_info('peername')[:2], 'server': ('127.0.0.1', port)}
    messages = [{'type': 'http.request', 'body': b'', 'more_body': False}]

    async def receive():
        if messages:
            return messages.pop()
        await asyncio.Event().wait()  # no disconnect before the response is sent

    async def send(message):
        if message['type'] == 'http.response.start':
            writer.write(b'HTTP/1.1 %d \r\n' % message['status'])
            for name, value in message['headers']:
                writer.write(name + b': ' + value + b'\r\n')
            writer.write(b'connection: close\r\n\r\n')
        else:
            writer.write(message.get('body', b''))
        await writer.drain()

    await example.app(scope, receive, send)
    writer.close()


async def main():
    server = await asyncio.start_server(serve, '127.0.0.1', port)
    async with server:
        await server.serve_forever()

asyncio.run(main())
'''

WSGIREF_DRIVER = r'''
import importlib.util, sys
from wsgiref.simple_server import WSGIRequestHandler, make_server

spec = importlib.util.spec_from_file_location('example', sys.argv[1])
example = importlib.util.module_from_spec(spec)
spec.loader.exec_module(example)


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass

make_server('127.0.0.1', int(sys.argv[2]), example.app,
            handler_class=QuietHandler).serve_forever()
'''

# Handlers of every kind through the WSGI adapter on this interpreter's asyncio (run in the
# fresh venv): sync, async, waiting on timers and tasks, streamed.
ASYNCIO_CHECK = r'''
import asyncio, io, json, threading
from microdot.wsgi import Microdot

app = Microdot()


@app.route('/sync')
def sync_handler(request):
    return {'same_thread': threading.get_ident() == main_thread}


@app.route('/waits')
async def waits(request):
    await asyncio.sleep(0.01)
    task = asyncio.ensure_future(asyncio.sleep(0, 'task'))
    return {'task': await asyncio.wait_for(task, 1)}


@app.route('/stream')
async def stream(request):
    async def generate():
        for i in range(3):
            await asyncio.sleep(0.001)
            yield 'c%d;' % i
    return generate()


def get(path):
    environ = {'REQUEST_METHOD': 'GET', 'PATH_INFO': path, 'SERVER_PROTOCOL': 'HTTP/1.1',
               'wsgi.input': io.BytesIO(), 'wsgi.url_scheme': 'http'}
    body = app(environ, lambda status, headers: None)
    try:
        return b''.join(body).decode()
    finally:
        body.close() if hasattr(body, 'close') else None

main_thread = threading.get_ident()
print(json.dumps([json.loads(get('/sync')), json.loads(get('/waits')), get('/stream')]))
'''


@pytest.mark.parametrize('version', SUPPORTED)
def test_install_and_serve_the_examples_on_every_python(version, cpythons, tmp_path):
    """pip install ./cpython_adapters on CPython 3.X, then the examples served: ASGI by a
    minimal ASGI server, WSGI by wsgiref."""
    interpreter = cpythons.get(version)
    if interpreter is None:
        pytest.skip('no CPython %s on this machine (python%s on PATH, pyenv versions)'
                    % (version, version))
    venv = tmp_path / 'venv'
    # (with the interpreter's own pip: a newer one may not support an older Python)
    created = subprocess.run([interpreter, '-m', 'venv', str(venv)], capture_output=True,
                             text=True, timeout=PIP_TIMEOUT)
    if created.returncode != 0:
        pytest.skip('CPython %s cannot create a venv with pip here: %s'
                    % (version, created.stderr.strip()[-300:]))
    python = str(venv / 'bin' / 'python')
    run([python, '-m', 'pip', 'install', '--no-input', '--disable-pip-version-check',
         '--no-index', './cpython_adapters'], cwd=REPO)
    assert json.loads(run([python, '-c', ASYNCIO_CHECK], cwd=str(tmp_path)).stdout) == \
        [{'same_thread': True}, {'task': 'task'}, 'c0;c1;c2;']
    examples = os.path.join(REPO, 'examples', 'asgi_wsgi')
    for driver, example in ((ASGI_DRIVER, 'asgi'), (WSGIREF_DRIVER, 'wsgi')):
        port = free_port()
        assert _serve([python, '-c', driver, os.path.join(examples, example, 'test.py'),
                       str(port)], str(tmp_path), port) == 'Hello, world!', example


def test_build_backend_reads_pyproject_without_tomllib():
    """Python 3.9 and 3.10 have no tomllib: the backend's own reader gives what tomllib
    gives for this pyproject.toml, and refuses what it does not understand."""
    tomllib = pytest.importorskip('tomllib')
    spec = importlib.util.spec_from_file_location(
        '_backend_under_test', os.path.join(ADAPTERS_DIR, 'build_backend.py'))
    backend = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(backend)
    with open(os.path.join(ADAPTERS_DIR, 'pyproject.toml'), encoding='utf-8') as f:
        text = f.read()
    assert backend.read_toml(text) == tomllib.loads(text)
    sample = '''
# a comment
title = "a \\"quoted\\" \\u00e9 \\\\ string"  # and another
'literal' = 'C:\\path'
[project]
license = { text = "MIT" }
deps = [
  "a>=1",  # one
  'b',
]
nested = [[1, 2], ["x"], []]
flags = [true, false]
n = -1_000
[tool."quoted key".sub]
dotted.key = 3
'''
    assert backend.read_toml(sample) == tomllib.loads(sample)
    for unsupported in ('a = 1.5', 'a = 1979-05-27', 'a = """x"""', '[[t]]', 'a = 1\na = 2',
                        'a = "x', 'a = 1 b'):
        with pytest.raises(ValueError):
            backend.read_toml(unsupported)
    assert backend.get_requires_for_build_wheel() == []
