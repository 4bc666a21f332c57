# The one place the test run's module path is set: modules/ (the package
# under test) and tests/ (the helpers package: `from helpers.processes import
# free_port`) come first. tests/mp_runner.py gets the same from its
# MICROPYPATH=tests/mp_lib:modules:tests:.frozen.
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for path in (os.path.join(ROOT, 'modules'), os.path.join(ROOT, 'tests')):
    if path not in sys.path:
        sys.path.insert(0, path)
