"""HTTPS from the built-in server, on CPython and on the MicroPython interpreter: a
self-signed key and certificate made with openssl (DER for MicroPython's ssl, PEM for
CPython's), requests over TLS, and the cap on concurrent TLS connections
(`Microdot.max_tls_connections`): past it a new client waits in the listen backlog until a
connection ends, instead of costing the board another TLS context."""
import shutil
import socket
import ssl
import subprocess
import threading
import time

import pytest

from helpers.processes import free_port, interpreter_path, modules_env, \
    require_interpreter, start_server

APP = '''\
import asyncio
import os
import ssl
import sys

from microdot import Microdot

Microdot.max_tls_connections = int(os.getenv('MAX_TLS', '4'))
app = Microdot()


@app.route('/')
async def index(request):
    return 'secure ' + request.scheme


@app.route('/slow')
async def slow(request):
    await asyncio.sleep(1)
    return 'slow done'


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
der = sys.implementation.name == 'micropython'
ctx.load_cert_chain('cert.der' if der else 'cert.pem',
                    'key.der' if der else 'key.pem')
app.run(host='127.0.0.1', port=int(os.getenv('PORT')), ssl=ctx)
'''


@pytest.fixture(scope='module')
def certs(tmp_path_factory):
    if shutil.which('openssl') is None:
        pytest.skip('openssl not found (apt-get install openssl)')
    folder = tmp_path_factory.mktemp('tls')
    run = lambda *args: subprocess.run(args, cwd=folder, check=True,  # noqa: E731
                                       capture_output=True)
    run('openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
        'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'key.pem', '-out',
        'cert.pem', '-days', '2', '-subj', '/CN=127.0.0.1')
    run('openssl', 'x509', '-in', 'cert.pem', '-outform', 'DER', '-out', 'cert.der')
    run('openssl', 'pkey', '-in', 'key.pem', '-outform', 'DER', '-out', 'key.der')
    (folder / 'tls_app.py').write_text(APP)
    return folder


@pytest.fixture(params=['cpython', 'micropython'])
def start(request, certs):
    interp = require_interpreter(request.param)
    procs = []

    def start_app(max_tls=4):
        port = free_port()
        env = modules_env(PORT=port, MAX_TLS=max_tls)
        proc = start_server([interp, 'tls_app.py'], port, subprocess.PIPE, cwd=certs,
                            env=env)
        procs.append(proc)
        return port, proc

    yield start_app
    for proc in procs:
        proc.kill()
        out = proc.communicate()[0].decode()
        assert 'Traceback' not in out, out


def client_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def https_get(port, path, timeout=10):
    with socket.create_connection(('127.0.0.1', port), timeout) as raw:
        with client_context().wrap_socket(raw) as tls:
            tls.sendall(('GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
                         % path).encode())
            data = b''
            while True:
                chunk = tls.recv(4096)
                if not chunk:
                    return data
                data += chunk


def test_https_is_served(start):
    port, proc = start()
    for _ in range(3):
        data = https_get(port, '/')
        assert data.startswith(b'HTTP/1.1 200 OK\r\n'), data
        assert data.endswith(b'secure https'), data


def test_past_the_tls_cap_a_client_waits_its_turn(start):
    port, proc = start(max_tls=1)
    results = {}

    def fetch(name, path):
        results[name] = (https_get(port, path), time.monotonic())

    first = threading.Thread(target=fetch, args=('slow', '/slow'))
    first.start()
    time.sleep(0.3)  # the one TLS slot is busy with /slow
    second = threading.Thread(target=fetch, args=('quick', '/'))
    second.start()
    first.join(15)
    second.join(15)
    slow, slow_done = results['slow']
    quick, quick_done = results['quick']
    assert slow.endswith(b'slow done'), slow
    assert quick.endswith(b'secure https'), quick
    if proc.args[0] != interpreter_path('cpython'):
        # MicroPython: the second handshake waited for the first connection
        assert quick_done >= slow_done
