# Fixtures for the adapter tests (CPython only): the package built once per session, and
# one long-lived process per server that the shared behaviour tests reuse.
import os
import sys

import pytest

# the helper modules beside this file (the suite runs with --import-mode=importlib)
HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from adapter_servers_cpython import ServerProcess, build_site  # noqa: E402


@pytest.fixture(scope='session')
def adapter_site(tmp_path_factory):
    return build_site(str(tmp_path_factory.mktemp('adapters')))


@pytest.fixture(scope='session')
def _server_pool(adapter_site):
    pool = {}
    yield pool
    for server in pool.values():
        server.stop()


@pytest.fixture(scope='session')
def start_shared(_server_pool, adapter_site):
    """Returns a function giving the shared running server of that name."""
    def get(name):
        server = _server_pool.get(name)
        if server is None or server.proc.poll() is not None:
            server = _server_pool[name] = ServerProcess(name, adapter_site)
        return server
    return get


@pytest.fixture
def start_server(adapter_site):
    """Starts a dedicated server for one test (stopped after it)."""
    started = []

    def start(name, **kwargs):
        server = ServerProcess(name, adapter_site, **kwargs)
        started.append(server)
        return server
    yield start
    for server in started:
        server.stop()

