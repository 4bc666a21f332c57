"""The firmware's way of applying a preset: a frozen `microdot_preset` module (the board's
boards/<BOARD>/microdot_preset.py) that `import microdot` runs, on the MicroPython interpreter;
settings the app assigns afterwards win."""
import os
import shutil
import subprocess

import pytest

from helpers.processes import MODULES, REPO, require_interpreter

SCRIPT = '''\
from microdot import Microdot, Request
print(Microdot.max_connections, Request.max_body_length)
Microdot.max_connections = 2
print(Microdot.max_connections)
'''


@pytest.mark.parametrize('board, expected', [('RPI_PICO_W', '4 4096'),
                                             ('ESP32_GENERIC', '7 4096')])
def test_import_microdot_applies_the_frozen_preset(tmp_path, board, expected):
    micropython = require_interpreter('micropython')
    shutil.copy(REPO / 'boards' / board / 'microdot_preset.py', tmp_path)
    (tmp_path / 'check.py').write_text(SCRIPT)
    env = dict(os.environ, MICROPYPATH='%s:%s:.frozen' % (tmp_path, MODULES))
    out = subprocess.run([micropython, str(tmp_path / 'check.py')], env=env,
                         capture_output=True, text=True, timeout=30)
    assert out.stdout.split('\n')[:2] == [expected, '2'], out.stdout + out.stderr


def test_every_board_but_unix_freezes_a_preset():
    for board in os.listdir(REPO / 'boards'):
        has = (REPO / 'boards' / board / 'microdot_preset.py').exists()
        assert has == (board != 'UNIX'), board
