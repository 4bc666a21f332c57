"""The firmware targets of the Makefile: command lines (`make -n`) per board
and clear errors when a prerequisite is missing."""
import os

import pytest

from helpers.firmware import BOARDS, ROOT, board_facts, fake_tool, make, path_without

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
                   'clean-firmware', 'package-json', 'release', 'certs',
                   'assets', 'picotool', 'micropython'):
        assert 'make ' + target + ' ' in out, target
    # one line per target, short enough to read in a terminal
    for line in out.splitlines():
        assert len(line) <= 105, line


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
    assert 'for s in lib/mbedtls lib/berkeley-db-1.xx lib/micropython-lib;' in out
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


#### the MicroPython tree and its submodules


def test_unix_board_lists_every_submodule_the_port_builds_with():
    # the port's own `make submodules` list (ssl needs mbedtls), asyncio's
    # micropython-lib; checked against a real tree in test_build_cpython.py
    assert board_facts('UNIX')['SUBMODULES'].split() == [
        'lib/mbedtls', 'lib/berkeley-db-1.xx', 'lib/micropython-lib']


def fake_tree(tmp_path, present, empty):
    tree = tmp_path / 'mp'
    for name in present:
        (tree / name).mkdir(parents=True)
        (tree / name / 'README').write_text('checked out\n')
    for name in empty:  # a submodule git has not checked out: an empty folder
        (tree / name).mkdir(parents=True)
    return tree


def test_only_the_missing_submodules_are_fetched(tmp_path):
    tree = fake_tree(tmp_path, ['lib/berkeley-db-1.xx', 'lib/micropython-lib'],
                     ['lib/mbedtls'])
    log = tmp_path / 'git.log'
    fake_tool(tmp_path / 'bin', 'git', 'echo "$@" >> %s\n' % log)
    code, out, err = make('BOARD=UNIX', 'micropython', 'MICROPY_DIR=' + str(tree),
                          env={'PATH': path_without(tmp_path)})
    assert code == 0, err
    updates = [line for line in log.read_text().splitlines() if 'submodule' in line]
    assert updates == ['-C %s submodule update --init --depth 1 lib/mbedtls' % tree]
    assert '==> submodule lib/mbedtls' in out


def test_a_submodule_that_cannot_be_fetched_stops_the_build(tmp_path):
    tree = fake_tree(tmp_path, ['lib/micropython-lib'],
                     ['lib/mbedtls', 'lib/berkeley-db-1.xx'])
    # a git checkout whose submodules can't be fetched (no network)
    fake_tool(tmp_path / 'bin', 'git', 'case "$*" in *rev-parse*) exit 0;; esac\nexit 1\n')
    code, out, err = make('BOARD=UNIX', 'firmware', 'MICROPY_DIR=' + str(tree),
                          env={'PATH': path_without(tmp_path)})
    assert code != 0
    assert 'lacks lib/mbedtls (git -C %s submodule update --init lib/mbedtls)' % (
        tree) in err
    assert '==> mpy-cross' not in out


#### picotool (RP2 boards)


def rp2_path(tmp_path, *hidden):
    """A PATH with a stand-in arm-none-eabi-gcc (and newlib) but no picotool."""
    libc = tmp_path / 'libc.a'
    libc.write_text('')
    fake_tool(tmp_path / 'bin', 'arm-none-eabi-gcc', 'echo %s\n' % libc)
    return path_without(tmp_path, 'picotool', *hidden)


def only_line(err, prefix):
    lines = [line for line in err.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, err
    return lines[0]


def no_local_picotool(tmp_path):
    """Leaves out a picotool that `make picotool` may have built here."""
    return 'PICOTOOL_PREFIX=' + str(tmp_path / 'no-picotool')


def fake_install(prefix, version):
    """picotool as `cmake --install` lays it out: bin/ and its CMake files."""
    fake_tool(prefix / 'bin', 'picotool',
              'echo "picotool v%s (Linux, GNU-12.2.0, Release)"\n' % version)
    config = prefix / 'lib' / 'cmake' / 'picotool'
    config.mkdir(parents=True)
    (config / 'picotoolConfig.cmake').write_text('set(picotool_FOUND 1)\n')
    (config / 'picotoolConfigVersion.cmake').write_text(
        'set(PACKAGE_VERSION "%s")\nset(PACKAGE_VERSION_COMPATIBLE TRUE)\n' % version)
    return config


needs_cmake = pytest.mark.skipif(not os.path.exists('/usr/bin/cmake'),
                                 reason='cmake is not installed')


@needs_cmake
def test_rp2_without_picotool_says_what_to_install(tmp_path):
    code, out, err = make('BOARD=RPI_PICO', 'firmware', no_local_picotool(tmp_path),
                          env={'PATH': rp2_path(tmp_path)})
    assert code == 2
    line = only_line(err, 'firmware:')
    assert 'BOARD=RPI_PICO needs picotool >= 2.1.1 (none is installed)' in line
    assert 'make picotool' in line and 'libusb-1.0-0-dev' in line
    assert 'picotool_DIR=' in line and 'PICOTOOL_FETCH_FROM_GIT_PATH=' in line
    assert 'cloning' not in out  # nothing was fetched or built


@needs_cmake
def test_rp2_with_an_old_picotool_says_so(tmp_path):
    fake_tool(tmp_path / 'bin', 'picotool',
              'echo "picotool v1.1.2 (Linux, GNU-12.2.0, Release)"\n')
    path = rp2_path(tmp_path)
    code, _, err = make('BOARD=RPI_PICO_W', 'firmware', no_local_picotool(tmp_path),
                        env={'PATH': path})
    assert code == 2
    assert 'picotool is 1.1.2' in only_line(err, 'firmware:')
    # an installed (CMake-findable) old one
    config = fake_install(tmp_path / 'old', '2.0.0')
    code, _, err = make('BOARD=RPI_PICO_W', 'fw-check-rp2', no_local_picotool(tmp_path),
                        env={'PATH': path, 'picotool_DIR': str(config)})
    assert code == 2
    assert 'the one in %s is 2.0.0' % config in only_line(err, 'firmware:')


@needs_cmake
def test_rp2_with_a_picotool_the_sdk_cannot_find(tmp_path):
    # a binary copied onto PATH without its CMake files: the SDK would download
    fake_tool(tmp_path / 'bin', 'picotool',
              'echo "picotool v2.2.0 (Linux, GNU-12.2.0, Release)"\n')
    code, _, err = make('BOARD=RPI_PICO2_W', 'fw-check-rp2', no_local_picotool(tmp_path),
                        env={'PATH': rp2_path(tmp_path)})
    assert code == 2
    assert 'not installed with its CMake files' in only_line(err, 'firmware:')


@needs_cmake
def test_rp2_with_an_installed_picotool_goes_on(tmp_path):
    without = rp2_path(tmp_path)
    fake_install(tmp_path / 'prefix', '2.2.0')
    path = str(tmp_path / 'prefix' / 'bin') + os.pathsep + without
    code, _, err = make('BOARD=RPI_PICO', 'fw-check-rp2', no_local_picotool(tmp_path),
                        env={'PATH': path})
    assert code == 0, err
    # or one the SDK builds from a folder the user names
    code, _, err = make('BOARD=RPI_PICO', 'fw-check-rp2', no_local_picotool(tmp_path),
                        env={'PATH': without,
                             'PICOTOOL_FETCH_FROM_GIT_PATH': str(tmp_path / 'pt')})
    assert code == 0, err


@needs_cmake
def test_the_picotool_make_picotool_built_is_used(tmp_path):
    prefix = tmp_path / 'firmware-picotool'
    fake_install(prefix, '2.2.0')
    local = 'PICOTOOL_PREFIX=' + str(prefix)
    code, _, err = make('BOARD=RPI_PICO', 'fw-check-rp2', local,
                        env={'PATH': rp2_path(tmp_path)})
    assert code == 0, err
    out = dry('BOARD=RPI_PICO', 'flash', 'IMAGE=fw.uf2', local)
    assert '%s/bin/picotool load -v -x -f fw.uf2' % prefix in out


def test_picotool_target_builds_against_the_trees_pico_sdk():
    out = dry('picotool', 'MICROPY_DIR=' + MP)
    assert 'git clone -q --depth 1 --branch 2.2.0 ' \
        'https://github.com/raspberrypi/picotool.git firmware/picotool-2.2.0' in out
    assert '-DPICO_SDK_PATH=%s/lib/pico-sdk ' \
        '-DCMAKE_INSTALL_PREFIX=%s/firmware/picotool' % (MP, ROOT) in out
    assert 'cmake --install firmware/build/picotool' in out
    assert 'for s in lib/pico-sdk;' in out  # only the SDK, not a board's list


#### deploy, repl and flash without a board


def fake_mpremote(tmp_path, frozen_modules):
    """An mpremote whose board has these frozen modules (help('modules'))."""
    log = tmp_path / 'mpremote.log'
    listing = '   '.join(frozen_modules)
    return fake_tool(tmp_path / 'fakebin', 'mpremote', """echo "$@" >> %s
case "$*" in
  *"help('modules')"*)
    printf '__main__          %s\\r\\n'
    printf 'Plus any modules on the filesystem\\r\\n';;
  *__file__*) echo microdot/__init__.py;;
esac
""" % (log, listing)), log


def deploy(tmp_path, frozen_modules):
    mpremote, log = fake_mpremote(tmp_path, frozen_modules)
    board = tmp_path / 'ttyACM0'
    board.write_text('')
    app = tmp_path / 'app'
    app.mkdir(exist_ok=True)
    (app / 'main.py').write_text('import microdot\n')
    code, out, err = make('-o', 'mpy', 'BOARD=RPI_PICO_W', 'deploy',
                          'MPREMOTE=' + str(mpremote), 'PORT=' + str(board),
                          'APP=' + str(app))
    assert code == 0, err
    return out, err, log.read_text()


def test_deploy_warns_when_the_firmware_has_a_frozen_main(tmp_path):
    out, err, calls = deploy(tmp_path, ['main', 'microdot/__init__', 'asyncio/core'])
    assert "the board's firmware has a main.py frozen in: it runs at boot, not a " \
        'main.py on the filesystem' in only_line(err, 'deploy: warning:')
    assert 'microdot is frozen in this firmware' in out
    assert 'cp -r main.py : + reset' in calls  # the app is still copied


def test_deploy_does_not_warn_without_a_frozen_main(tmp_path):
    _, err, calls = deploy(tmp_path, ['mainly', 'app/main', 'asyncio/core'])
    assert 'warning' not in err
    assert 'cp -r main.py : + reset' in calls


def test_repl_without_a_board_says_how_to_pass_port(tmp_path):
    mpremote, log = fake_mpremote(tmp_path, [])
    code, _, err = make('BOARD=ESP32_GENERIC_S3', 'repl', 'MPREMOTE=' + str(mpremote),
                        'PORT=/dev/no-such-board')
    assert code == 2
    line = only_line(err, 'repl:')
    assert line.startswith('repl: no board on PORT=/dev/no-such-board (serial ports here:')
    assert 'pass PORT=' in line
    assert not log.exists()  # mpremote was not run


def test_unix_flash_refuses_before_building(tmp_path):
    assert 'ports/unix' not in dry('BOARD=UNIX', 'flash')
    # no MicroPython tree, no compiler: it must not get as far as needing them
    code, out, err = make('BOARD=UNIX', 'flash', 'MICROPY_DIR=/nonexistent/mp',
                          env={'PATH': path_without(tmp_path, 'cc', 'gcc')})
    assert code == 2
    assert 'flash: BOARD=UNIX is not flashed' in err
    assert 'firmware:' not in err and out == ''
    assert 'build/mpy' not in dry('BOARD=UNIX', 'deploy')  # nor does deploy build


#### release


def test_release_skips_boards_whose_toolchain_is_missing(tmp_path):
    path = path_without(tmp_path, 'cc', 'gcc', 'arm-none-eabi-gcc', 'idf.py')
    release = tmp_path / 'release'
    code, out, err = make('release', 'RELEASE_DIR=' + str(release),
                          env={'PATH': path})
    assert code == 2
    skipped = [line for line in out.splitlines()
               if line.startswith('release: skipping ')]
    assert [line.split()[2].rstrip(':') for line in skipped] == BOARDS
    assert 'release: skipping UNIX: no C compiler: apt-get install build-essential' \
        in skipped
    assert 'release: skipping ESP32_GENERIC: idf.py not found: BOARD=ESP32_GENERIC ' \
        'needs ESP-IDF v5.5.1' in skipped
    assert any('RPI_PICO: arm-none-eabi-gcc not found' in line for line in skipped)
    assert 'release: no board could be built' in err
    assert os.listdir(str(release)) == []
    # a folder of other files is not emptied
    (release / 'mine.txt').write_text('keep')
    code, _, err = make('release', 'RELEASE_DIR=' + str(release), env={'PATH': path})
    assert code == 2 and 'holds other files' in err
    assert os.listdir(str(release)) == ['mine.txt']


def test_release_command_line():
    out = dry('release', 'RELEASE_DIR=/tmp/rel')
    assert 'for b in %s; do' % ' '.join(BOARDS) in out
    assert 'BOARD=$b fw-check' in out and 'BOARD=$b firmware' in out
    assert 'cd /tmp/rel && sha256sum -- * > SHA256SUMS' in out


#### certs and assets


def test_certs_without_openssl(tmp_path):
    code, _, err = make('certs', 'CERTS_DIR=' + str(tmp_path / 'c'),
                        env={'PATH': path_without(tmp_path, 'openssl')})
    assert code == 2
    assert only_line(err, 'certs:') == 'certs: openssl not found: apt-get install openssl'
    assert not (tmp_path / 'c').exists()


def test_certs_go_into_the_app_folder_or_certs():
    assert '--dir certs --host 127.0.0.1 --days 3650' in dry('certs')
    assert '--dir myapp --host pico.local,10.0.0.2 ' in dry(
        'certs', 'APP=myapp', 'HOST=pico.local,10.0.0.2')


def test_assets_needs_a_source_and_an_app(tmp_path):
    code, _, err = make('assets', 'APP=' + str(tmp_path))
    assert code == 2 and 'assets: SRC= is not a folder' in err
    code, _, err = make('assets', 'SRC=' + str(tmp_path))
    assert code == 2 and 'assets: pass APP=folder' in err
    out = dry('assets', 'SRC=dist', 'APP=myapp', 'FREEZE=1')
    assert 'tools/assets.py dist myapp --folder static --frozen' in out


def test_version_is_one_everywhere():
    # __version__ (2.7.N: the Microdot API it matches), package.json (mip) and the image
    # names agree; the CPython package takes __version__ too (test_packaging_cpython.py)
    import json
    import re
    with open(os.path.join(ROOT, 'modules', 'microdot', '__init__.py')) as f:
        version = re.search(r"^__version__ = '([^']+)'", f.read(), re.M).group(1)
    assert re.match(r'2\.7\.\d+$', version)
    with open(os.path.join(ROOT, 'package.json')) as f:
        assert json.load(f)['version'] == version
    out = dry('BOARD=RPI_PICO', 'flash', 'MICROPY_DIR=' + MP)
    assert 'RPI_PICO-v1.28.0-microdot-%s.uf2' % version in out


def test_picotool_without_network_names_picotool_repo(tmp_path):
    # the clone fails (no network here, or a bad URL): one line says what to do
    tree = tmp_path / 'mp'
    (tree / 'lib' / 'pico-sdk').mkdir(parents=True)
    (tree / 'lib' / 'pico-sdk' / 'CMakeLists.txt').write_text('')
    fake = tmp_path / 'fakebin'
    for name in ('cmake', 'c++'):
        fake_tool(fake, name, 'exit 0\n')
    fake_tool(fake, 'pkg-config', 'exit 0\n')
    env = {'PATH': str(fake) + os.pathsep + os.environ['PATH']}
    code, out, err = make('picotool', 'MICROPY_DIR=%s' % tree, 'PICOTOOL_VERSION=none-0',
                          'PICOTOOL_REPO=%s' % (tmp_path / 'no-such-clone'), env=env)
    assert code != 0
    lines = [line for line in err.splitlines() if 'PICOTOOL_REPO=' in line]
    assert len(lines) == 1 and 'local' in lines[0], out + err
    assert not os.path.exists(os.path.join(ROOT, 'firmware', 'picotool-none-0'))


def test_a_tree_without_git_names_the_missing_folders_in_one_line(tmp_path):
    # a MicroPython tree from an archive: no `git submodule update` can fill it
    tree = tmp_path / 'mp'
    (tree / 'lib' / 'pico-sdk').mkdir(parents=True)
    code, out, err = make('micropython', 'MICROPY_DIR=%s' % tree,
                          'SUBMODULES=lib/pico-sdk lib/tinyusb')
    assert code != 0
    lines = [line for line in err.splitlines() if line.startswith('firmware:')]
    assert len(lines) == 1, err
    assert 'no git checkout' in lines[0] and 'fatal' not in err
    assert 'lib/pico-sdk (https://github.com/raspberrypi/pico-sdk.git at ' \
        'a1438dff1d38bd9c65dbd693f0e5db4b9ae91779)' in lines[0]
    assert 'lib/tinyusb (' in lines[0]


def test_every_boards_submodules_are_listed_for_the_pinned_release():
    import re
    with open(os.path.join(ROOT, 'Makefile')) as f:
        release = re.search(r'^MICROPY_VERSION \?= (\S+)', f.read(), re.M).group(1)
    with open(os.path.join(ROOT, 'tools', 'micropython-submodules.txt')) as f:
        listed = {tuple(line.split()[:2]) for line in f if not line.startswith('#')}
    for board in BOARDS:
        for folder in board_facts(board)['SUBMODULES'].split():
            assert (release, folder) in listed, (board, folder)
