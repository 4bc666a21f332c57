# Fixtures for the adapter tests (CPython only): the package built once per session, and
# one long-lived process per server that the shared behaviour tests reuse.
import pytest

from helpers.adapter_servers import ServerProcess, build_site


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

