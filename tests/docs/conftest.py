"""Fixtures for the documentation tests: examples served on each
interpreter."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:  # the harness module beside this file
    sys.path.insert(0, HERE)

from example_server_cpython import ExampleServer, interpreter_path  # noqa: E402


@pytest.fixture
def serve(tmp_path):
    """serve(interpreter, script) starts the example and returns its
    ExampleServer; every server started is stopped after the test."""
    servers = []

    def start(interpreter, script):
        if interpreter_path(interpreter) is None:
            pytest.skip('{} interpreter not found (run make venv)'.format(
                interpreter))
        server = ExampleServer(interpreter, script, tmp_path)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()
