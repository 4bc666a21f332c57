"""Fixtures for the documentation tests: examples served on each
interpreter."""
import pytest

from helpers.example_server import ExampleServer
from helpers.processes import require_interpreter


@pytest.fixture
def serve(tmp_path):
    """serve(interpreter, script) starts the example and returns its
    ExampleServer; every server started is stopped after the test."""
    servers = []

    def start(interpreter, script):
        require_interpreter(interpreter)
        server = ExampleServer(interpreter, script, tmp_path)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()
