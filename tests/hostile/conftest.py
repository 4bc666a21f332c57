"""Fixtures of the hostile-input tests: one long-lived server per target
(restarted when a test brought it down), and dedicated servers with other
limits for the tests that need them."""
import pytest

from helpers.hostile_targets import ALL_TARGETS, BUILTIN, Target, adapters
from helpers.processes import interpreter_path


def target_available(name):
    if name == 'builtin-micropython' and \
            interpreter_path('micropython') is None:
        return 'MicroPython interpreter not found (run make venv)'
    if name not in BUILTIN:
        module = name.split('-')[0]
        try:
            __import__(module)
        except ImportError:
            return '{} not installed (run make venv)'.format(module)
    return None


@pytest.fixture(scope='session')
def hostile_site(tmp_path_factory):
    """The CPython package (core + adapters) built as the adapter tests do."""
    return adapters.build_site(str(tmp_path_factory.mktemp('hostile-site')))


@pytest.fixture(scope='session')
def _target_pool():
    pool = {}
    yield pool
    for target in pool.values():
        target.stop()


def _start(name, tmp_path_factory, hostile_site, **kwargs):
    reason = target_available(name)
    if reason:
        pytest.skip(reason)
    site = hostile_site if name not in BUILTIN else None
    workdir = tmp_path_factory.mktemp(name)
    target = Target(name, workdir, site, **kwargs)
    target.set_baseline()
    return target


@pytest.fixture(params=ALL_TARGETS)
def target(request, _target_pool, tmp_path_factory):
    """The shared server of one target; check() after a case asserts it
    still serves and its memory stayed bounded."""
    name = request.param
    current = _target_pool.get(name)
    if current is None or not current.alive():
        if current is not None:
            current.stop()
        site = None if name in BUILTIN else \
            request.getfixturevalue('hostile_site')
        _target_pool[name] = current = _start(name, tmp_path_factory, site)
    current.mark_log()
    return current


@pytest.fixture
def start_target(tmp_path_factory, request):
    """start_target(name, settings={...}, extra=[...]) runs a dedicated
    server (stopped after the test)."""
    started = []

    def start(name, **kwargs):
        site = None if name in BUILTIN else \
            request.getfixturevalue('hostile_site')
        target = _start(name, tmp_path_factory, site, **kwargs)
        started.append(target)
        target.mark_log()
        return target

    yield start
    for target in started:
        target.stop()
