"""Real firmware builds, run when MICROPY_DIR points at a MicroPython tree
(with the submodules the ports need): `MICROPY_DIR=/path make test`."""
import glob
import json
import os
import shutil
import subprocess

import pytest

from helpers.firmware import BOARDS, ROOT, board_facts, make, path_without
from helpers.processes import free_port, start_server
from helpers.raw_http import raw_request

MICROPY_DIR = os.environ.get('MICROPY_DIR')
needs_tree = pytest.mark.skipif(
    not MICROPY_DIR or not os.path.isdir(MICROPY_DIR or ''),
    reason='set MICROPY_DIR to a MicroPython v1.28.0 tree to run real builds')


def build(board, *extra, timeout=1800):
    code, out, err = make('BOARD=' + board, 'firmware',
                          'MICROPY_DIR=' + MICROPY_DIR, *extra,
                          env={'MICROPY_DIR': ''}, timeout=timeout)
    assert code == 0, (out + err)[-4000:]
    images = [line.split()[1] for line in out.splitlines()
              if line.startswith('==> firmware/')]
    assert images, out[-2000:]
    return os.path.join(ROOT, images[-1])


def run(binary, code, cwd, **kwargs):
    env = dict(os.environ)
    env.pop('MICROPYPATH', None)
    return subprocess.run([binary, '-c', code], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60, **kwargs)


@pytest.fixture(scope='module')
def unix_binary():
    if not MICROPY_DIR or not os.path.isdir(MICROPY_DIR):
        pytest.skip('set MICROPY_DIR to a MicroPython v1.28.0 tree')
    return build('UNIX')


@needs_tree
def test_unix_firmware_imports_microdot_from_frozen_code(unix_binary, tmp_path):
    proc = run(unix_binary, 'import microdot, sys; print(microdot.__file__); '
               'print(sys.path)', cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    where = proc.stdout.splitlines()[0]
    assert where == 'microdot/__init__.py'  # frozen: no folder prefix
    proc = run(unix_binary, 'from microdot.microdot import URLPattern; '
               'import microdot.sse, microdot.websocket; print("ok")',
               cwd=str(tmp_path))
    assert proc.stdout.strip() == 'ok', proc.stderr


@needs_tree
def test_unix_firmware_passes_the_core_suite(unix_binary):
    env = dict(os.environ, MICROPYPATH='tests/mp_lib:tests:.frozen')
    proc = subprocess.run([unix_binary, '-X', 'heapsize=8M',
                           'tests/mp_runner.py', 'tests/core'],
                          cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    assert ' passed, 0 failed' in output


@needs_tree
def test_unix_firmware_serves_http(unix_binary, tmp_path):
    port = free_port()
    (tmp_path / 'app.py').write_text(
        'from microdot import Microdot\napp = Microdot()\n\n'
        "@app.route('/')\nasync def index(request):\n    return 'frozen'\n\n"
        "app.run(host='127.0.0.1', port=%d)\n" % port)
    env = dict(os.environ)
    env.pop('MICROPYPATH', None)
    proc = start_server([unix_binary, 'app.py'], port, subprocess.PIPE,
                        cwd=tmp_path, env=env)
    try:
        data = raw_request(port, b'GET / HTTP/1.1\r\nHost: x\r\n'
                           b'Connection: close\r\n\r\n', timeout=5)
        assert data.startswith(b'HTTP/1.1 200'), data
        assert data.endswith(b'frozen'), data
    finally:
        proc.kill()
        proc.wait()


@needs_tree
def test_unix_firmware_freezes_an_app(tmp_path):
    app = tmp_path / 'myapp'
    app.mkdir()
    (app / 'hello_app.py').write_text('import microdot\nNAME = "frozen app"\n')
    binary = build('UNIX', 'APP=' + str(app))
    proc = run(binary, 'import hello_app; print(hello_app.NAME)',
               cwd=str(tmp_path / '..'))
    assert proc.stdout.strip() == 'frozen app', proc.stderr
    os.remove(binary)


@needs_tree
@pytest.mark.skipif(not shutil.which('arm-none-eabi-gcc'),
                    reason='arm-none-eabi-gcc is not installed')
def test_rp2040_firmware_is_a_uf2():
    image = build('RPI_PICO', timeout=3600)
    assert image.endswith('.uf2')
    with open(image, 'rb') as f:
        head = f.read(512)
    assert head[:8] == b'UF2\nWQ]\x9e'  # UF2 block magic numbers
    # the frozen package is in the image
    elf = glob.glob(os.path.join(ROOT, 'firmware', 'build', 'RPI_PICO',
                                 'frozen_content.c'))
    assert elf and 'microdot/messages.py' in open(elf[0]).read()


@needs_tree
def test_unix_submodules_are_the_ports_own_list():
    # what MicroPython's `make submodules` fetches for the unix port
    proc = subprocess.run(['make', '-n', '-C', os.path.join(MICROPY_DIR, 'ports', 'unix'),
                           'VARIANT=standard', 'submodules'],
                          capture_output=True, text=True, timeout=120)
    line = [s for s in proc.stdout.splitlines() if 'Updating submodules:' in s][0]
    needed = set(line.split('Updating submodules:')[1].strip(' "').split())
    ours = set(board_facts('UNIX')['SUBMODULES'].split())
    assert needed <= ours, needed - ours
    # and the tree has them all: nothing to fetch
    code, out, err = make('BOARD=UNIX', 'micropython', 'MICROPY_DIR=' + MICROPY_DIR,
                          env={'MICROPY_DIR': ''})
    assert code == 0, err
    assert '==> submodule' not in out


@needs_tree
def test_release_builds_what_the_toolchains_allow(tmp_path):
    release = tmp_path / 'release'
    path = path_without(tmp_path, 'arm-none-eabi-gcc', 'idf.py')
    code, out, err = make('release', 'MICROPY_DIR=' + MICROPY_DIR,
                          'RELEASE_DIR=' + str(release),
                          env={'MICROPY_DIR': '', 'PATH': path}, timeout=1800)
    assert code == 0, (out + err)[-4000:]
    skipped = [line.split()[2].rstrip(':') for line in out.splitlines()
               if line.startswith('release: skipping ')]
    assert skipped == [b for b in BOARDS if b != 'UNIX']
    images = sorted(os.listdir(str(release)))
    assert images[0] == 'SHA256SUMS' and len(images) == 2
    assert images[1].startswith('UNIX-v1.28.0-microdot-')
    check = subprocess.run(['sha256sum', '-c', 'SHA256SUMS'], cwd=str(release),
                           capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout == images[1] + ': OK\n'


@needs_tree
def test_unix_firmware_with_a_whole_app(tmp_path):
    app = tmp_path / 'fieldapp'
    (app / 'static').mkdir(parents=True)
    (app / 'main.py').write_text('import microdot\nprint("frozen main")\n')
    (app / 'static' / 'index.html').write_text('<h1>on the filesystem only</h1>')
    (app / 'notes.txt').write_text('not frozen either\n')
    dist = tmp_path / 'dist'
    dist.mkdir()
    (dist / 'index.html').write_text('<p>frozen front-end</p>\n' * 30)
    code, _, err = make('assets', 'SRC=' + str(dist), 'APP=' + str(app), 'FREEZE=1',
                        'ASSETS_DIR=www')
    assert code == 0, err
    code, _, err = make('certs', 'CERTS_DIR=' + str(tmp_path), 'HOST=fieldapp.local')
    assert code == 0, err
    binary = build('UNIX', 'APP=' + str(app))
    try:
        frozen = os.path.join(ROOT, 'firmware', 'build', 'UNIX', 'frozen_content.c')
        with open(frozen) as f:
            content = f.read()
        # only .py files are frozen: other files of APP stay on the filesystem
        assert '"main.py"' in content and '"frozen_assets.py"' in content
        assert '"static/index.html"' not in content and '"notes.txt"' not in content
        # what `make deploy` asks the board: main is among the frozen modules
        proc = run(binary, "help('modules')", cwd=str(tmp_path))
        assert 'main' in proc.stdout.split(), proc.stdout
        # the front-end, frozen: gzip bytes in flash
        proc = run(binary, 'import frozen_assets\n'
                   "gz, data = frozen_assets.FILES['index.html']\n"
                   'print(frozen_assets.__file__, gz, len(data))',
                   cwd=str(tmp_path))
        name, gz, size = proc.stdout.split()
        assert name == 'frozen_assets.py' and gz == 'True', proc.stderr
        assert int(size) < len((dist / 'index.html').read_bytes())
        # MicroPython 1.28 loads the DER files of `make certs`, and not PEM
        proc = run(binary, 'import ssl\n'
                   'ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n'
                   "ctx.load_cert_chain('cert.der', 'key.der')\n"
                   "print('der')\n"
                   'try:\n'
                   "    ctx.load_cert_chain(open('cert.pem', 'rb').read(),"
                   " open('key.der', 'rb').read())\n"
                   'except ValueError as e:\n'
                   '    print(e)\n', cwd=str(tmp_path))
        assert proc.stdout.split('\n')[:2] == ['der', 'invalid cert'], proc.stderr
    finally:
        os.remove(binary)


@needs_tree
def test_size_compares_the_frozen_package_with_microdot_27():
    # three unix builds (ours, Microdot 2.7 from PyPI, neither), the core-only builds and,
    # with qemu-system-arm, three 32-bit builds; then one table, ours against Microdot 2.7
    code, out, err = make('BOARD=UNIX', 'size', 'MICROPY_DIR=' + MICROPY_DIR,
                          env={'MICROPY_DIR': ''}, timeout=1800)
    with open(os.path.join(ROOT, 'firmware', 'build', 'size', 'size.json')) as f:
        results = json.load(f)
    rows = results['rows']
    qemu = shutil.which('qemu-system-arm') and shutil.which('arm-none-eabi-gcc')
    # the RP2040 rows need the RP2 toolchain, picotool and node: without them, n/a and why
    rp2 = not os.path.exists(os.path.join(ROOT, 'firmware', 'build', 'size', 'rp2-skipped.txt'))
    for key, figures in rows.items():
        if (key.startswith('qemu_') and not qemu) or (key.startswith('rp2040_') and not rp2):
            assert results['why'][key], key  # n/a, and says why
            continue
        assert figures['ours'] and figures['Microdot 2.7'], (key, results['why'].get(key))
    if rp2:
        assert 2000 < rows['rp2040_import']['ours'] < rows['rp2040_serving']['ours']
    assert 2000 < rows['import_frozen']['ours'] < 64 * 1024
    assert rows['import_frozen']['ours'] < rows['import_mpy']['ours']
    assert rows['flash_core']['ours'] < rows['flash_all']['ours']
    assert rows['pageload_frozen']['ours'] < rows['pageload_mpy']['ours']
    assert '| heap kept by `import microdot`, frozen |' in out
    assert 'ours ÷ Microdot' in out
