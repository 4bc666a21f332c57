"""Every public name of Microdot 2.7.0's stubs, checked against this package's typing.

Microdot's stubs are read as syntax (`ast`), never imported. For each of their modules a
small check module is written: it imports the same module of this package and, one line per
name, uses the name (`m.name`, `instance.attribute`) or assigns it to a protocol whose
`__call__` has Microdot's parameters, with their annotations resolved to this package's
classes and the return left `Any`. mypy then says, line by line, which names are missing and
which signatures do not accept every call Microdot's accepts. A second pass asks the runtime
whether each module-level name and method exists, since a stub could promise what the code
lacks.
"""
import ast
import os

# Decorators that change how a method is reached.
_STATIC, _CLASS, _PROPERTY = 'staticmethod', 'classmethod', 'property'


def module_name(filename):
    stem = filename[:-len('.pyi')]
    return 'microdot' if stem == '__init__' else 'microdot.' + stem


def read_stubs(folder):
    """{module name: ast.Module} for the .pyi files of a stub folder."""
    trees = {}
    for filename in sorted(os.listdir(folder)):
        if filename.endswith('.pyi'):
            with open(os.path.join(folder, filename), encoding='utf-8') as f:
                trees[module_name(filename)] = ast.parse(f.read(), filename)
    return trees


def _is_public(name, member=False):
    if name.startswith('__') and name.endswith('__'):
        return member or name == '__version__'  # (__all__ and the like are bookkeeping)
    return not name.startswith('_')


def _decorators(node):
    return {d.id for d in node.decorator_list if isinstance(d, ast.Name)}


def _exported(trees, module, seen=()):
    """The public module-level names of a stub module, re-exports and * included."""
    names = []
    for node in trees[module].body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == '*' and node.module in trees and node.module not in seen:
                    names += [n for n in _exported(trees, node.module, seen + (module,))
                              if not n.startswith('_')]
                elif alias.asname is not None and alias.asname == alias.name:
                    names.append(alias.name)  # `import X as X`: a re-export
    return [n for n in dict.fromkeys(names) if _is_public(n)]


def _parameters(args, drop_first, positional_only=False):
    """A parameter list as source, without its first parameter (self, cls) if asked,
    defaults shown as `...`; positional_only for operator methods, which nobody calls with
    keywords (mypy gives their parameters no names)."""
    def spell(arg, default=None, prefix=''):
        text = prefix + arg.arg
        if arg.annotation is not None:
            text += ': ' + ast.unparse(arg.annotation)
        return text + (' = ...' if default is not None else '')

    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    items = list(zip(positional, defaults))
    posonly = len(args.posonlyargs)
    if drop_first and items:
        items = items[1:]
        posonly = max(0, posonly - 1)
    if positional_only:
        posonly = len(items)
    out = [spell(arg, default) for arg, default in items]
    if posonly:
        out.insert(posonly, '/')
    if args.vararg is not None:
        out.append(spell(args.vararg, prefix='*'))
    elif args.kwonlyargs:
        out.append('*')
    out += [spell(arg, default) for arg, default in zip(args.kwonlyargs, args.kw_defaults)]
    if args.kwarg is not None:
        out.append(spell(args.kwarg, prefix='**'))
    return ', '.join(out)


class _CheckModule:
    """The source of one check module, and the name each of its lines is about."""

    def __init__(self):
        self.head = ['from __future__ import annotations',
                     'from typing import Any, Protocol']
        self.protocols = []
        self.body = []
        self.names = {}  # line number (1-based) -> dotted name, filled by source()
        self._tagged = []  # (section, index, name)
        self._count = 0

    def line(self, section, text, name=None):
        section.append(text)
        if name is not None:
            self._tagged.append((section, len(section) - 1, name))

    # A protocol whose __call__ takes the parameters of args, and a fresh variable name
    # to assign to it.
    def protocol(self, args, drop_first, positional_only=False):
        self._count += 1
        name = '_Accepts%d' % self._count
        parameters = _parameters(args, drop_first, positional_only)
        self.protocols += ['class %s(Protocol):' % name,
                           '    def __call__(self%s) -> Any: ...' % (
                               ', ' + parameters if parameters else '')]
        return '_v%d: %s' % (self._count, name)

    def source(self):
        sections = [self.head, self.protocols, self.body]
        offsets = {}
        start = 1
        for section in sections:
            offsets[id(section)] = start
            start += len(section)
        for section, index, name in self._tagged:
            self.names[offsets[id(section)] + index] = name
        return '\n'.join(self.head + self.protocols + self.body) + '\n'


def _class_checks(check, node, dotted):
    """The lines that check one class of Microdot's stubs."""
    cls = node.name
    check.line(check.body, 'def _check_%s(_i: %s) -> None:' % (cls, cls))
    check.line(check.body, '    pass')
    names = []
    for member in node.body:
        if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = member.name
            kind = _decorators(member)
            full = '%s.%s' % (dotted, name)
            if not _is_public(name, member=True) or full in names:
                continue
            names.append(full)
            if _PROPERTY in kind:
                check.line(check.body, '    _i.%s' % name, full)
            elif name == '__init__':
                target = check.protocol(member.args, drop_first=True)
                check.line(check.body, '    %s = %s' % (target, cls), full)
            elif _STATIC in kind:
                target = check.protocol(member.args, drop_first=False)
                check.line(check.body, '    %s = %s.%s' % (target, cls, name), full)
            else:
                operator = name.startswith('__') and name != '__call__'
                target = check.protocol(member.args, drop_first=True, positional_only=operator)
                owner = cls if _CLASS in kind else '_i'
                check.line(check.body, '    %s = %s.%s' % (target, owner, name), full)
        elif isinstance(member, (ast.AnnAssign, ast.ClassDef)) or (
                isinstance(member, ast.Assign) and len(member.targets) == 1):
            if isinstance(member, ast.ClassDef):
                name = member.name
            else:
                target = member.target if isinstance(member, ast.AnnAssign) \
                    else member.targets[0]
                if not isinstance(target, ast.Name):
                    continue
                name = target.id
            full = '%s.%s' % (dotted, name)
            if _is_public(name, member=True) and full not in names:
                names.append(full)
                check.line(check.body, '    _i.%s' % name, full)
    return names


def build_checks(trees):
    """({file name: source}, {file name: {line: dotted name}}, [every dotted name],
    {module: [module-level names]}, {module: {class: [method names]}}): the check modules
    for Microdot's stubs, and what the runtime pass asks about."""
    sources, lines, names = {}, {}, []
    module_names, methods = {}, {}
    for module, tree in trees.items():
        check = _CheckModule()
        classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and _is_public(n.name)]
        own = {n.name for n in tree.body
               if isinstance(n, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))}
        for node in tree.body:  # Microdot's own imports, so its annotations resolve here
            if isinstance(node, ast.ImportFrom) and node.names[0].name == '*':
                # spelled out, leaving the names this module defines to this package's own
                names_in = [n for n in _exported(trees, node.module)
                            if not n.startswith('_') and n not in own]
                check.line(check.head, 'from %s import %s' % (node.module, ', '.join(names_in)))
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                check.line(check.head, ast.unparse(node))
        check.line(check.head, 'import %s as _m' % module)
        exported = _exported(trees, module)
        module_names[module] = exported
        methods[module] = {}
        for node in classes:  # this package's class of the same name, for the annotations
            check.line(check.head, 'from %s import %s' % (module, node.name),
                       '%s.%s' % (module, node.name))
        for name in exported:
            full = '%s.%s' % (module, name)
            names.append(full)
            check.line(check.body, '_m.%s' % name, full)
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                    _is_public(node.name):
                target = check.protocol(node.args, drop_first=False)
                check.line(check.body, '%s = _m.%s' % (target, node.name),
                           '%s.%s' % (module, node.name))
        for node in classes:
            members = _class_checks(check, node, '%s.%s' % (module, node.name))
            names += members
            methods[module][node.name] = [  # (properties may be instance attributes)
                m.name for m in node.body
                if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))
                and _is_public(m.name, member=True) and _PROPERTY not in _decorators(m)]
        filename = 'check_%s.py' % module.replace('.', '_')
        sources[filename] = check.source()
        lines[filename] = check.names
    return sources, lines, names, module_names, methods


# Run by the package's interpreter: the names of module_names / methods (JSON on stdin)
# that the runtime lacks.
RUNTIME_PROBE = r'''
import importlib, json, sys
asked = json.load(sys.stdin)
missing = []
for module, names in asked['modules'].items():
    m = importlib.import_module(module)
    missing += ['%s.%s' % (module, n) for n in names if not hasattr(m, n)]
for module, classes in asked['methods'].items():
    m = importlib.import_module(module)
    for cls, names in classes.items():
        c = getattr(m, cls, None)
        if c is not None:
            missing += ['%s.%s.%s' % (module, cls, n) for n in names if not hasattr(c, n)]
print(json.dumps(missing))
'''


def parse_mypy(output, lines):
    """({dotted name: [messages]}, [messages on no name's line]) from mypy's output."""
    failing, stray = {}, []
    for text in output.splitlines():
        parts = text.split(':', 3)
        if len(parts) < 4 or parts[2].strip() not in ('error', 'note') or \
                not parts[1].isdigit():
            continue
        filename = os.path.basename(parts[0])
        name = lines.get(filename, {}).get(int(parts[1]))
        if parts[2].strip() == 'note':
            if name is not None and name in failing:
                failing[name].append(parts[3].strip())
            continue
        if name is None:
            stray.append(text)
        else:
            failing.setdefault(name, []).append(parts[3].strip())
    return failing, stray
