# What the test folders share, imported as `from helpers.<module> import ...`: tests/ is on
# the path (the root conftest.py on CPython, MICROPYPATH under tests/mp_runner.py).
# support and files run on both interpreters; every other module here is CPython-only.
# This file imports nothing, so that MicroPython can load the package.
