"""Modules of the repository's bench/ and tools/ folders, for tests. Those folders hold
programs, not packages: their modules import each other by bare name (`import proc`), so
the folder is first on the module path while one of them is imported."""
import importlib
import os
import sys

from helpers.processes import REPO


def _import_from(folder, name):
    path = str(REPO / folder)
    sys.path.insert(0, path)
    try:
        module = importlib.import_module(name)
    finally:
        sys.path.remove(path)
    # a module of that name imported from elsewhere first would be the wrong one
    assert os.path.dirname(os.path.abspath(module.__file__)) == path, module
    return module


def bench_module(name):
    """bench/<name>.py, imported (once) with what it imports from bench/."""
    return _import_from('bench', name)


def tool_module(name):
    """tools/<name>.py, imported (once) with what it imports from tools/."""
    return _import_from('tools', name)
