"""The firmware targets of the Makefile: command lines (`make -n`) per board
and clear errors when a prerequisite is missing."""
import os

import pytest

from fwsupport import BOARDS, ROOT, board_facts, make, path_without

REQUIRED_BOARDS = ['UNIX', 'RPI_PICO', 'RPI_PICO_W', 'RPI_PICO2_W',
                   'ESP32_GENERIC', 'ESP32_GENERIC_S3', 'ESP32_GENERIC_C3']
MP = '/opt/mp-tree'


def dry(*args):
    code, out, err = make('-n', *args)
    assert code == 0, out + err
    return out


def test_every_required_board_is_described():
    assert set(REQUIRED_BOARDS) <= set(BOARDS)
    for board in BOARDS:
        facts = board_facts(board)
        for key in ('MP_PORT', 'CHIP', 'FLASH_METHOD', 'BASE_MANIFEST',
                    'SUBMODULES'):
            assert facts.get(key), (board, key)
        assert facts['MP_PORT'] in ('unix', 'rp2', 'esp32')
        if facts['MP_PORT'] != 'unix':
            assert facts['MP_BOARD'] == board
            assert facts['DEFAULT_PORT'].startswith('/dev/')


def test_help_lists_the_firmware_targets():
    code, out, _ = make('help')
    assert code == 0
    for target in ('firmware', 'flash', 'deploy', 'repl', 'size', 'boards',
                   'clean-firmware', 'package-json'):
        assert 'make ' + target + ' ' in out, target


def test_versions_are_pinned():
    with open(os.path.join(ROOT, 'Makefile')) as f:
        text = f.read()
    assert 'MICROPY_VERSION ?= v1.28.0' in text
    assert 'ESP_IDF_VERSION ?= v5.5.1' in text


def test_unix_firmware_clones_the_pinned_tag_and_its_submodules():
    out = dry('BOARD=UNIX', 'firmware')
    assert ('git clone --depth 1 --branch v1.28.0 '
            'https://github.com/micropython/micropython.git '
            + ROOT + '/firmware/micropython-v1.28.0') in out
    assert 'submodule update --init --depth 1 $s' in out
    assert 'lib/micropython-lib lib/berkeley-db-1.xx' in out
    assert ('-C %s/firmware/micropython-v1.28.0/ports/unix VARIANT=standard '
            'BUILD=%s/firmware/build/UNIX FROZEN_MANIFEST=%s/manifest.py'
            % (ROOT, ROOT, ROOT)) in out
    assert ('MICRODOT_BASE_MANIFEST=%s/firmware/micropython-v1.28.0/ports/unix/'
            'variants/standard/manifest.py' % ROOT) in out
    assert 'cp %s/firmware/build/UNIX/micropython firmware/UNIX/UNIX-v1.28.0-' \
        'microdot-' % ROOT in out


def test_firmware_uses_an_existing_tree_and_freezes_an_app(tmp_path):
    out = dry('BOARD=RPI_PICO', 'firmware', 'MICROPY_DIR=' + MP,
              'APP=' + str(tmp_path))
    assert 'git clone' in out  # only run when the folder is missing ...
    assert 'does not exist' in out  # ... and refused for MICROPY_DIR=
    assert ('-C %s/ports/rp2 BOARD=RPI_PICO BUILD=%s/firmware/build/RPI_PICO '
            'FROZEN_MANIFEST=%s/manifest.py' % (MP, ROOT, ROOT)) in out
    assert 'MICRODOT_APP=' + str(tmp_path) in out
    assert 'lib/pico-sdk lib/tinyusb lib/mbedtls lib/micropython-lib' in out
    assert '-microdot-' in out and '-%s.uf2' % tmp_path.name in out
    # a changed configuration starts the build folder afresh
    assert 'rm -rf %s/firmware/build/RPI_PICO;' % ROOT in out


def test_pico_w_boards_get_the_wireless_submodules_and_manifest():
    for board in ('RPI_PICO_W', 'RPI_PICO2_W'):
        out = dry('BOARD=' + board, 'firmware', 'MICROPY_DIR=' + MP)
        assert 'lib/lwip lib/cyw43-driver lib/btstack' in out
        assert 'MICRODOT_BASE_MANIFEST=%s/ports/rp2/boards/%s/manifest.py' % (
            MP, board) in out


@pytest.mark.parametrize('board,chip,offset,port', [
    ('ESP32_GENERIC', 'esp32', '0x1000', '/dev/ttyUSB0'),
    ('ESP32_GENERIC_S3', 'esp32s3', '0x0', '/dev/ttyACM0'),
    ('ESP32_GENERIC_C3', 'esp32c3', '0x0', '/dev/ttyACM0'),
])
def test_esp32_flash_command_lines(board, chip, offset, port):
    out = dry('BOARD=' + board, 'flash', 'MICROPY_DIR=' + MP)
    image = 'firmware/%s/%s-v1.28.0-microdot-' % (board, board)
    assert '-C %s/ports/esp32 BOARD=%s BUILD=' % (MP, board) in out
    assert 'esptool --chip %s --port %s --baud 460800 erase-flash' % (
        chip, port) in out
    assert 'esptool --chip %s --port %s --baud 460800 write-flash %s %s' % (
        chip, port, offset, image) in out
    assert out.index('erase-flash') < out.index('write-flash')


def test_esp32_flash_of_a_given_image_keeping_the_filesystem():
    out = dry('BOARD=ESP32_GENERIC', 'flash', 'IMAGE=fw.bin', 'ERASE=0',
              'PORT=/dev/ttyUSB3', 'BAUD=921600')
    assert 'ports/esp32' not in out  # IMAGE= skips the build
    assert 'erase-flash' not in out
    assert ('esptool --chip esp32 --port /dev/ttyUSB3 --baud 921600 '
            'write-flash 0x1000 fw.bin') in out


@pytest.mark.parametrize('board,drive', [('RPI_PICO', 'RPI-RP2'),
                                         ('RPI_PICO_W', 'RPI-RP2'),
                                         ('RPI_PICO2_W', 'RP2350')])
def test_rp2_flash_command_lines(board, drive):
    out = dry('BOARD=' + board, 'flash', 'IMAGE=fw.uf2')
    assert 'LABEL=%s' % drive in out
    assert 'cp fw.uf2 "$drive/"' in out
    assert 'picotool load -v -x -f fw.uf2' in out


def test_deploy_command_lines(tmp_path):
    out = dry('BOARD=RPI_PICO_W', 'deploy', 'APP=' + str(tmp_path))
    assert "mpremote connect /dev/ttyACM0 eval \"__import__('microdot')" \
        ".__file__\"" in out
    assert 'mpremote connect /dev/ttyACM0 cp -r build/mpy/microdot :lib/' in out
    assert 'cd %s && ' % tmp_path in out
    assert 'connect /dev/ttyACM0 cp -r $(ls -A | grep -v __pycache__) : + reset' \
        in out
    out = dry('BOARD=ESP32_GENERIC', 'deploy', 'CORE=1', 'PORT=/dev/ttyUSB1')
    assert 'core=1;' in out


def test_repl_command_lines():
    out = dry('BOARD=UNIX', 'repl')
    assert '%s/firmware/UNIX/UNIX-v1.28.0-microdot-' % ROOT in out
    out = dry('BOARD=ESP32_GENERIC_S3', 'repl', 'PORT=/dev/ttyACM1')
    assert 'mpremote connect /dev/ttyACM1 repl' in out


def test_size_command_line():
    out = dry('BOARD=UNIX', 'size', 'MICROPY_DIR=' + MP)
    assert 'BUILD=%s/firmware/build/UNIX-base FROZEN_MANIFEST=%s/ports/unix/' \
        'variants/standard/manifest.py' % (ROOT, MP) in out
    assert 'tools/firmware_size.py --port unix' in out


#### errors


def test_unknown_board_is_refused():
    code, _, err = make('BOARD=NOPE', 'firmware')
    assert code != 0
    assert 'unknown BOARD=NOPE' in err and 'RPI_PICO' in err


def test_esp32_without_esp_idf_says_what_to_install(tmp_path):
    env = {'PATH': path_without(tmp_path, 'idf.py')}
    code, _, err = make('BOARD=ESP32_GENERIC', 'firmware', env=env)
    assert code != 0
    assert 'idf.py not found' in err
    assert 'ESP-IDF v5.5.1' in err
    assert 'git clone --depth 1 --branch v5.5.1' in err
    assert 'install.sh esp32' in err and 'export.sh' in err


def test_rp2_without_the_arm_compiler_says_what_to_install(tmp_path):
    env = {'PATH': path_without(tmp_path, 'arm-none-eabi-gcc')}
    code, _, err = make('BOARD=RPI_PICO', 'firmware', env=env)
    assert code != 0
    assert ('arm-none-eabi-gcc not found: apt-get install gcc-arm-none-eabi '
            'libnewlib-arm-none-eabi') in err


def test_rp2_without_cmake_says_what_to_install(tmp_path):
    if not os.path.exists('/usr/bin/arm-none-eabi-gcc'):
        pytest.skip('arm-none-eabi-gcc is not installed')
    env = {'PATH': path_without(tmp_path, 'cmake')}
    code, _, err = make('BOARD=RPI_PICO', 'firmware', env=env)
    assert code != 0
    assert 'cmake not found: apt-get install cmake' in err


def test_missing_micropython_dir_is_refused():
    code, _, err = make('BOARD=UNIX', 'firmware', 'MICROPY_DIR=/nonexistent/mp')
    assert code != 0
    assert 'MICROPY_DIR=/nonexistent/mp does not exist' in err


def test_flash_without_esptool_or_board(tmp_path):
    image = tmp_path / 'fw.bin'
    image.write_bytes(b'\0' * 16)
    env = {'PATH': path_without(tmp_path, 'esptool', 'esptool.py')}
    code, _, err = make('BOARD=ESP32_GENERIC', 'flash', 'IMAGE=' + str(image),
                        'ESPTOOL=esptool', env=env)
    assert code != 0 and 'esptool not found: pip install esptool' in err
    fake = tmp_path / 'fake-esptool'
    fake.write_text('#!/bin/sh\nexit 0\n')
    fake.chmod(0o755)
    code, _, err = make('BOARD=ESP32_GENERIC', 'flash', 'IMAGE=' + str(image),
                        'ESPTOOL=' + str(fake), 'PORT=/dev/no-such-board')
    assert code != 0
    assert 'no board on PORT=/dev/no-such-board' in err


def test_flash_of_a_missing_image():
    code, _, err = make('BOARD=RPI_PICO', 'flash', 'IMAGE=/nonexistent.uf2')
    assert code != 0 and 'no image /nonexistent.uf2' in err


def test_rp2_flash_without_drive_or_picotool(tmp_path):
    image = tmp_path / 'fw.uf2'
    image.write_bytes(b'UF2\n')
    code, _, err = make('BOARD=RPI_PICO', 'flash', 'IMAGE=' + str(image),
                        'PICOTOOL=no-such-picotool',
                        env={'UF2_MOUNT': str(tmp_path / 'nodrive')})
    assert code != 0
    assert 'no RPI-RP2 drive mounted and no picotool' in err


def test_rp2_flash_copies_onto_the_mounted_drive(tmp_path):
    image = tmp_path / 'fw.uf2'
    image.write_bytes(b'UF2\n')
    drive = tmp_path / 'RPI-RP2'
    drive.mkdir()
    code, out, err = make('BOARD=RPI_PICO', 'flash', 'IMAGE=' + str(image),
                          env={'UF2_MOUNT': str(drive)})
    assert code == 0, err
    assert (drive / 'fw.uf2').read_bytes() == b'UF2\n'


def test_deploy_and_flash_on_unix_explain_themselves():
    code, _, err = make('BOARD=UNIX', 'flash', 'IMAGE=/bin/true')
    assert code != 0 and 'repl' in err
    code, _, err = make('-o', 'mpy', 'BOARD=UNIX', 'deploy')
    assert code != 0 and 'no board' in err


def test_deploy_without_a_board(tmp_path):
    fake = tmp_path / 'fake-mpremote'
    fake.write_text('#!/bin/sh\nexit 0\n')
    fake.chmod(0o755)
    code, _, err = make('-o', 'mpy', 'BOARD=RPI_PICO', 'deploy',
                        'MPREMOTE=' + str(fake), 'PORT=/dev/no-such-board')
    assert code != 0 and 'no board on PORT=/dev/no-such-board' in err
