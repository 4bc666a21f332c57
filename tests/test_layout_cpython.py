"""The test tree keeps its own rules (tests/README.md): what the folders share is imported from
the helpers package, not found by editing the module path, and no test file keeps its own
copy of a helper."""
import ast
import re

from helpers.processes import TESTS

# The files that touch sys.path, each for a reason of its own.
OWN_PATH = {
    'conftest.py',  # the one place for the whole test run
    'mp_runner.py',  # imports each test file by name, on MicroPython
    'helpers/repo_modules.py',  # bench/ and tools/ modules import their neighbours by name
    'docs/run_example.py',  # a program: the example imports from its folder
    'hostile/soak_cpython.py',  # a program: `make soak`
    'hostile/apps/hostile_app.py',  # a program: the app the hostile tests start
    'ext/test_utemplate.py',  # utemplate imports compiled templates from a folder on the path
    'adapters/test_same_answers_cpython.py',  # imports the app module it writes
}
# helpers that test files once each defined for themselves
SHARED = {'exists', 'remove', 'rmtree', 'temp_folder', 'free_port', 'free_udp_port',
          'wait_listening', 'stop_process', 'interpreter_path', 'modules_env', 'make_files',
          'raw_request'}


def python_files():
    return sorted(path for path in TESTS.rglob('*.py') if '__pycache__' not in path.parts)


def test_only_the_listed_files_touch_the_module_path():
    touching = set()
    for path in python_files():
        if re.search(r'sys\.path(\.(insert|append|remove|extend)\(|\s*=|\[)', path.read_text()):
            touching.add(path.relative_to(TESTS).as_posix())
    assert touching == OWN_PATH


def test_shared_helpers_are_defined_once():
    copies = []
    for path in python_files():
        name = path.relative_to(TESTS).as_posix()
        if name.startswith('helpers/'):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.lstrip('_') in SHARED:
                copies.append((name, node.name))
    assert copies == []


def test_the_package_itself_imports_nothing():
    # so that MicroPython loads it for helpers.support and helpers.files
    tree = ast.parse((TESTS / 'helpers' / '__init__.py').read_text())
    assert [node for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))] == []
