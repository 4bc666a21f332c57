"""The core's layering: no module of the package imports one that imports it, at the top or
inside a function (imports done by name at run time, like the package's __getattr__, aside)."""
import ast

from helpers.processes import MODULES

PACKAGE = MODULES / 'microdot'


def imports_of(path):
    """The package modules a file imports: 'microdot' is __init__."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and \
                node.module.split('.')[0] == 'microdot':
            if node.module == 'microdot':
                for alias in node.names:  # `from microdot import sse` is the module
                    sub = PACKAGE / (alias.name + '.py')
                    found.add(alias.name if sub.exists() else '__init__')
            else:
                found.add(node.module.split('.', 1)[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith('microdot.'):
                    found.add(alias.name.split('.', 1)[1])
    return found


def test_no_import_cycles():
    graph = {p.stem: imports_of(p) - {p.stem} for p in PACKAGE.glob('*.py')}
    state = {}

    def visit(name, path):
        if state.get(name) == 'done':
            return
        assert state.get(name) != 'visiting', ' -> '.join(path + [name])
        state[name] = 'visiting'
        for dep in sorted(graph.get(name, ())):
            visit(dep, path + [name])
        state[name] = 'done'

    for name in sorted(graph):
        visit(name, [])


def test_import_microdot_loads_three_modules():
    # structures, messages and the package itself: parsing, streams and the server come
    # with the first request
    assert imports_of(PACKAGE / '__init__.py') >= {'structures', 'messages'}
    top_level = set()
    for node in ast.parse((PACKAGE / '__init__.py').read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module.startswith('microdot.'):
            top_level.add(node.module)
    assert top_level == {'microdot.messages', 'microdot.structures'}
