# Runs the shared unittest-style test files on the MicroPython interpreter.
# Usage: micropython tests/mp_runner.py [--verbose] DIR_OR_FILE_OR_MODULE...
# (exit 1 on failure). A module is a dotted name found on MICROPYPATH
# (package.test_x); --verbose also prints `PASS Module.Class.test` lines.
import os
import sys

try:
    from sys import print_exception
except ImportError:  # run by CPython by mistake: still report
    import traceback

    def print_exception(exc):
        traceback.print_exception(type(exc), exc, exc.__traceback__)

import unittest


def test_files(target):
    if target.endswith('.py') or '/' not in target and '.' in target:
        return [target]  # a file, or a module name
    names = sorted(n for n in os.listdir(target)
                   if n.startswith('test_') and n.endswith('.py')
                   and not n.endswith('_cpython.py'))
    return [target.rstrip('/') + '/' + n for n in names]


VERBOSE = False


def run_case(cls, name, counts, prefix=''):
    case = cls()
    label = '%s%s.%s' % (prefix, cls.__name__, name)
    try:
        case.setUp()
        try:
            getattr(case, name)()
        finally:
            case.tearDown()
        counts[0] += 1
        if VERBOSE:
            print('PASS', label)
    except unittest.SkipTest as exc:
        counts[2] += 1
        print('SKIP', label, '-', exc)
    except BaseException as exc:  # noqa: B902 - report every failure
        counts[1] += 1
        print('FAIL', label)
        print_exception(exc)


def run_module(path, counts):
    prefix = ''
    if path.endswith('.py'):
        folder, _, filename = path.rpartition('/')
        # the test file is imported by name from its folder (no importlib)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        module = __import__(filename[:-3])
    else:  # a dotted module name: labels name the module
        module = __import__(path, None, None, ['_'])
        prefix = path.rpartition('.')[2] + '.'
    for attr in sorted(dir(module)):
        cls = getattr(module, attr)
        if not (isinstance(cls, type) and issubclass(cls, unittest.TestCase)
                and cls is not unittest.TestCase):
            continue
        cls.setUpClass()
        for name in sorted(dir(cls)):
            if name.startswith('test') and callable(getattr(cls, name)):
                run_case(cls, name, counts, prefix)
        cls.tearDownClass()


def main(targets):
    counts = [0, 0, 0]  # passed, failed, skipped
    for target in targets:
        for path in test_files(target):
            try:
                run_module(path, counts)
            except BaseException as exc:  # noqa: B902 - an import error
                counts[1] += 1
                print('FAIL importing', path)
                print_exception(exc)
    print('%d passed, %d failed, %d skipped' % tuple(counts))
    sys.exit(1 if counts[1] else 0)


if sys.argv[1:2] == ['--verbose']:
    VERBOSE = True
    main(sys.argv[2:])
else:
    main(sys.argv[1:])
