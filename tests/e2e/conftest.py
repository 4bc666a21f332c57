"""Fixtures for the end-to-end tests: the test application served on each
interpreter, with the limits a test asks for."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:  # the harness module beside this file
    sys.path.insert(0, HERE)

from server_harness_cpython import INTERPRETERS, PUBLIC, SECRET, \
    ServerProcess, interpreter_path  # noqa: E402


@pytest.fixture(params=INTERPRETERS)
def interpreter(request):
    if interpreter_path(request.param) is None:
        pytest.skip('{} interpreter not found (run make venv)'.format(
            request.param))
    return request.param


def make_files(base):
    """A served directory base/www with a secret file beside it."""
    root = base / 'www'
    (root / 'sub').mkdir(parents=True)
    (root / 'public.txt').write_bytes(PUBLIC)
    (root / 'sub' / 'inner.txt').write_bytes(b'inner\n')
    (base / 'secret.txt').write_bytes(SECRET)
    return root


@pytest.fixture
def start_server(interpreter, tmp_path):
    """start_server(**settings) runs the test app with settings such as
    keepalive_timeout=1 (passed as environment variables) and returns its
    ServerProcess; every server started is stopped after the test."""
    servers = []
    files_root = make_files(tmp_path)

    def start(**settings):
        server = ServerProcess(interpreter, tmp_path, settings, files_root)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope='module')
def _shared_servers(tmp_path_factory):
    servers = {}
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture
def server(interpreter, _shared_servers, tmp_path_factory):
    """The test app with default settings, shared by the tests of a module
    (started again if a test brought it down); its log() shows only what
    was printed during the current test."""
    server = _shared_servers.get(interpreter)
    if server is None or not server.alive():
        if server is not None:
            server.stop()
        base = tmp_path_factory.mktemp('server-' + interpreter)
        server = ServerProcess(interpreter, base, {}, make_files(base))
        _shared_servers[interpreter] = server.start()
    server.mark_log()
    return server
