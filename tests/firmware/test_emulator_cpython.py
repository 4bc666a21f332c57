"""The RPI_PICO image in the RP2040 emulator (`make BOARD=RPI_PICO emulate`, rp2040js): it
boots, imports microdot from frozen flash and answers TestClient requests. Those tests skip,
saying why, without a built image (make BOARD=RPI_PICO firmware), node, or the emulator
(make emulator); the checks of the targets and tools around it always run."""
import os
import re
import shutil

import pytest

from helpers.firmware import ROOT, make
from helpers.repo_modules import tool_module

bootrom = tool_module('rp2040_bootrom')
fs = tool_module('firmware_size')

with open(os.path.join(ROOT, 'Makefile')) as _f:
    RP2040JS_VERSION = re.search(r'^RP2040JS_VERSION \?= (\S+)$', _f.read(), re.M).group(1)
EMULATOR_DIR = os.path.join(ROOT, 'firmware', 'rp2040js-' + RP2040JS_VERSION)
# each run boots the image afresh: about a second here; the bound leaves room for a slow CI
RUN_SECONDS = 60


def image_path():
    code, out, err = make('-s', 'BOARD=RPI_PICO', 'fw-image')
    assert code == 0, err
    return os.path.join(ROOT, out.strip())


@pytest.fixture(scope='module')
def pico_image():
    image = image_path()
    if not os.path.isfile(image):
        pytest.skip('no RPI_PICO image %s: make BOARD=RPI_PICO firmware'
                    % os.path.relpath(image, ROOT))
    if not shutil.which('node'):
        pytest.skip('node not found: apt-get install nodejs npm')
    if not os.path.isfile(os.path.join(EMULATOR_DIR, '.installed')):
        pytest.skip('the RP2040 emulator is not installed: make emulator')
    return image


def emulate(tmp_path, code):
    """make BOARD=RPI_PICO emulate SCRIPT=<code>: (exit code, stdout, stderr)."""
    script = tmp_path / 'script.py'
    script.write_text(code)
    return make('BOARD=RPI_PICO', 'emulate', 'SCRIPT=' + str(script),
                'EMULATE_TIMEOUT=%d' % RUN_SECONDS, timeout=RUN_SECONDS + 30)


def test_the_image_boots_and_imports_microdot_from_flash(pico_image, tmp_path):
    code, out, err = emulate(tmp_path, 'import sys\nimport microdot\n'
                             'print(sys.implementation._build)\n'
                             'print(microdot.__file__)\nprint(microdot.__version__)\n')
    assert code == 0, err
    build, where, version = out.split()
    assert build == 'RPI_PICO'
    assert where == 'microdot/__init__.py'  # frozen: no folder, as on the unix port
    with open(os.path.join(ROOT, 'modules', 'microdot', '__init__.py')) as f:
        assert "__version__ = '%s'" % version in f.read()


def test_two_test_client_requests_get_200(pico_image, tmp_path):
    code, out, err = emulate(tmp_path, (
        'import asyncio\n'
        'from microdot import Microdot\n'
        'from microdot.test_client import TestClient\n'
        'app = Microdot()\n\n'
        "@app.route('/')\n"
        'async def index(request):\n'
        "    return 'on the board'\n\n"
        'async def main():\n'
        '    client = TestClient(app)\n'
        '    for _ in range(2):\n'
        "        res = await client.get('/')\n"
        '        print(res.status_code, res.text)\n\n'
        'asyncio.run(main())\n'))
    assert code == 0, err
    assert out.splitlines() == ['200 on the board'] * 2


def test_a_traceback_fails_the_run(pico_image, tmp_path):
    code, out, err = emulate(tmp_path, "print('before')\nraise ValueError('boom')\n")
    assert code != 0
    assert out == 'before\n'
    assert 'ValueError: boom' in err


def test_a_pico_w_image_boots_without_its_radio(pico_image, tmp_path):
    code, out, err = make('-s', 'BOARD=RPI_PICO_W', 'fw-image')
    if not os.path.isfile(os.path.join(ROOT, out.strip())):
        pytest.skip('no RPI_PICO_W image: make BOARD=RPI_PICO_W firmware')
    script = tmp_path / 'script.py'
    script.write_text('import sys\nimport microdot\nprint(sys.implementation._build)\n')
    code, out, err = make('BOARD=RPI_PICO_W', 'emulate', 'SCRIPT=' + str(script),
                          'EMULATE_TIMEOUT=%d' % RUN_SECONDS, timeout=RUN_SECONDS + 30)
    assert code == 0, err
    assert out == 'RPI_PICO_W\n'


def test_the_size_tool_measures_the_emulated_image(pico_image, tmp_path):
    kept = fs.emulated_import_heap(EMULATOR_DIR, pico_image, str(tmp_path))
    assert 1024 < kept < 64 * 1024
    serving = fs.emulated_serving_heap(EMULATOR_DIR, pico_image, str(tmp_path))
    assert kept < serving < 128 * 1024


def test_emulate_runs_rp2040_images_only():
    code, _, err = make('BOARD=UNIX', 'emulate')
    assert code != 0 and 'BOARD=UNIX is not an RP2040 board' in err
    code, _, err = make('BOARD=RPI_PICO2_W', 'emulate')
    assert code != 0 and 'not an RP2040 board' in err
    code, _, err = make('BOARD=RPI_PICO', 'emulate', 'IMAGE=/nonexistent.uf2')
    assert code != 0 and 'no image /nonexistent.uf2: run make BOARD=RPI_PICO firmware' in err


def test_emulator_comes_from_npm_and_the_bootrom_from_pypi(tmp_path):
    code, out, _ = make('-n', 'emulator', 'EMULATOR_DIR=' + str(tmp_path / 'emu'))
    assert code == 0
    assert 'npm install --prefix %s' % (tmp_path / 'emu') in out
    assert 'rp2040js@' + RP2040JS_VERSION in out
    assert 'tools/rp2040_bootrom.py %s/bootrom-b1.bin' % (tmp_path / 'emu') in out


def test_bootrom_words_are_read_and_checked():
    words = list(range(bootrom.WORDS))
    text = '# 00a4a191 not a word\nBOOTROM_B1 = [\n' + ''.join(
        '    0x%08X,\n' % w for w in words) + ']\n'
    assert bootrom.words_of(text) == words
    with pytest.raises(ValueError, match='not the RP2040 B1 bootrom'):
        bootrom.rom_of(words)
    with pytest.raises(ValueError, match='4095 words'):
        bootrom.rom_of(words[1:])


def test_serving_figure_refuses_a_package_from_files():
    assert fs.parse_serving('SERVING 9120 microdot/__init__.py\n') == 9120
    with pytest.raises(RuntimeError, match='not the frozen package'):
        fs.parse_serving('SERVING 9120 /lib/microdot/__init__.mpy\n')
    with pytest.raises(RuntimeError, match='no figure'):
        fs.parse_serving('Traceback (most recent call last):\nMemoryError\n')
