# The cpython_adapters package installed the three ways, each into a fresh venv: a regular
# install, an editable install (edits to the core show up live) and `python -m build` (an
# sdist, then a wheel built from that sdist). The core is included at build time.
import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile

import httpx
import pytest

from adapter_servers_cpython import ADAPTERS_DIR, REPO, free_port

CORE_DIR = os.path.join(REPO, 'modules', 'microdot')
ADAPTER_FILES = {'asgi.py', 'wsgi.py', '_adapters.py'}
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
    assert not ADAPTER_FILES & set(os.listdir(CORE_DIR))
    assert not os.path.exists(os.path.join(ADAPTERS_DIR, 'microdot', '__init__.py'))


def test_regular_install(tmp_path):
    python = fresh_venv(tmp_path / 'venv')
    pip_install(python, '--no-index', './cpython_adapters', cwd=REPO)
    out = check(python, tmp_path)
    site_pkg = out['core']
    assert site_pkg.startswith(str(tmp_path / 'venv'))
    assert out['asgi'] == out['wsgi'] == site_pkg
    installed = set(os.listdir(site_pkg)) - {'__pycache__'}
    assert installed == core_files() | ADAPTER_FILES
    assert out['asgi_body'] == 'asgi ok'
    assert out['wsgi_result'] == ['200 OK', 'wsgi ok']


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
    assert {'microdot/' + name for name in core_files() | ADAPTER_FILES} <= names
    with zipfile.ZipFile(wheels[0]) as whl:
        package = {name for name in whl.namelist() if not name.startswith('microdot-')}
    assert package == {'microdot/' + name for name in core_files() | ADAPTER_FILES}
    python = fresh_venv(tmp_path / 'venv')
    pip_install(python, '--no-index', str(wheels[0]))
    out = check(python, tmp_path)
    assert out['asgi'] == out['wsgi'] == out['core']
    assert out['wsgi_result'] == ['200 OK', 'wsgi ok']


def _serve(cmd, cwd, port):
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                return httpx.get('http://127.0.0.1:%d/' % port, timeout=2).text
            except httpx.HTTPError:
                if proc.poll() is not None:
                    break
                time.sleep(0.1)
        return None
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


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
