"""Multipart uploads with a real HTTP client (httpx) against the built-in
server, run as a subprocess on CPython and on MicroPython: a 5 MB file is
streamed to disk, with MicroPython's heap far smaller than the file."""
import hashlib
import os
from pathlib import Path

import pytest

from helpers.processes import free_port, modules_env, require_interpreter, \
    start_server, stop_process

httpx = pytest.importorskip('httpx')

APP = Path(__file__).resolve().parent / 'apps' / 'upload_app.py'
SIZE = 5 * 1024 * 1024
HEAP = '512K'  # MicroPython's whole heap: a tenth of the upload


@pytest.fixture(params=['cpython', 'micropython'])
def upload_server(request, tmp_path):
    interpreter = require_interpreter(request.param)
    uploads = tmp_path / 'uploads'
    uploads.mkdir()
    port = free_port()
    env = modules_env(PORT=port, UPLOAD_DIR=uploads)
    if request.param == 'cpython':
        cmd = [interpreter, APP]
    else:
        cmd = [interpreter, '-X', 'heapsize=' + HEAP, APP]
    with open(tmp_path / 'server.log', 'wb') as log:
        proc = start_server(cmd, port, log, cwd=tmp_path, env=env)
        yield 'http://127.0.0.1:%d' % port, uploads, request.param
        stop_process(proc)


@pytest.fixture(scope='module')
def big_file(tmp_path_factory):
    path = tmp_path_factory.mktemp('data') / 'big.bin'
    block = hashlib.sha256(b'seed').digest() * 2048  # 64 KB
    with open(path, 'wb') as f:
        for i in range(SIZE // len(block)):
            f.write(bytes([i % 256]) + block[1:])
    return path


def _digest(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(65536), b''):
            h.update(chunk)
    return h.hexdigest()


def _temp_files():
    try:
        return {n for n in os.listdir('/tmp') if
                n.startswith('microdot-upload-')}
    except OSError:
        return set()


@pytest.mark.parametrize('path', ['/upload', '/stream'])
def test_five_megabyte_upload_streamed_to_disk(upload_server, big_file,
                                               path):
    url, uploads, interpreter = upload_server
    before = _temp_files()
    with open(big_file, 'rb') as f:
        res = httpx.post(url + path, timeout=120, data={'note': 'caf\xe9'},
                         files={'doc': ('big.bin', f,
                                        'application/octet-stream')})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body['form'] == {'note': 'caf\xe9'}
    name = 'big.bin' if path == '/upload' else 'streamed-big.bin'
    assert body['files'] == {'doc': ['big.bin', SIZE]}
    assert _digest(uploads / name) == _digest(big_file)
    if interpreter == 'micropython':
        assert body['heap'] < 256 * 1024  # the file never sat in the heap
    # The temporary file with_form_data used is gone.
    assert _temp_files() - before == set()


def test_several_files_and_malformed_body(upload_server):
    url, uploads, _ = upload_server
    res = httpx.post(url + '/upload', timeout=30, files=[
        ('a', ('a.txt', b'alpha' * 1000, 'text/plain')),
        ('b', ('b.txt', b'', 'text/plain')),
        ('c', ('c.txt', b'x', 'text/plain'))])
    assert res.status_code == 200, res.text
    assert res.json()['files'] == {'a': ['a.txt', 5000], 'b': ['b.txt', 0],
                                   'c': ['c.txt', 1]}
    assert (uploads / 'a.txt').read_bytes() == b'alpha' * 1000
    # A truncated body: the closing delimiter never comes.
    res = httpx.post(url + '/upload', timeout=30, content=(
        b'--XX\r\nContent-Disposition: form-data; name="a"; '
        b'filename="t.txt"\r\n\r\n' + b'data' * 1000),
        headers={'Content-Type': 'multipart/form-data; boundary=XX'})
    assert res.status_code == 400
    # The server still serves.
    res = httpx.post(url + '/upload', timeout=30, data={'x': '1'},
                     files={'f': ('f.txt', b'ok')})
    assert res.status_code == 200
