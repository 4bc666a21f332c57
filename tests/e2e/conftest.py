"""Fixtures for the end-to-end tests: the test applications served on each
interpreter, with the limits a test asks for."""
import pytest

from helpers.builtin_server import ServerProcess, make_files
from helpers.processes import INTERPRETERS, require_interpreter
from helpers.realtime_server import AppServer


@pytest.fixture(params=INTERPRETERS)
def interpreter(request):
    require_interpreter(request.param)
    return request.param


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


@pytest.fixture(params=INTERPRETERS)
def start_app(request, tmp_path):
    """start_app(**settings) starts the realtime app (SSE, WebSocket) on one
    interpreter; every app started is stopped after the test."""
    require_interpreter(request.param)
    servers = []

    def start(**settings):
        server = AppServer(request.param, tmp_path, settings)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
