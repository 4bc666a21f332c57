"""Flash and heap of the frozen microdot package, side by side with Microdot 2.7.

    firmware_size.py --fetch-md27 DIR
    firmware_size.py --port unix --build DIR --base DIR --micropython BIN \\
        --mpy-cross BIN --size-dir DIR [--mp-dir DIR] [--emulator DIR]
    firmware_size.py --port rp2|esp32 --build DIR --base DIR \\
        [--mpremote BIN --serial /dev/ttyACM0] [--emulator DIR]

--fetch-md27 puts Microdot 2.7's files from PyPI into DIR/md27/microdot (from
bench/.venv when it has them, else `pip download`), less the CPython-only
asgi.py, wsgi.py and jinja.py.

On the unix port `make size` builds what this measures: ours frozen (--build),
the same port without microdot (--base) and, in --size-dir,
micropython-md27 (Microdot 2.7 frozen the same way), micropython-ours-core and
micropython-md27-core (the core modules only), and qemu-base.elf,
qemu-ours.elf, qemu-md27.elf (MicroPython's qemu port, MPS2_AN385, a
Cortex-M3, with asyncio on) or qemu-skipped.txt saying why not, and the
RPI_PICO images rp2-ours.uf2 (`make BOARD=RPI_PICO firmware`) and rp2-md27.uf2
with their .elf files, and rp2-base.elf (or rp2-skipped.txt): their heap is
measured on the image itself in the rp2040js emulator (--emulator: where
`make emulator` installed it). It prints one table, ours against Microdot 2.7, and writes the
figures to size.json there.

Heap is what gc.mem_alloc() grows by across an import, asyncio imported
first, after gc.collect(). `.mpy` files are imported on the base build: on a
build with the package frozen, its strings are already interned and the
figure reads low. On a board (rp2, esp32): flash against the base build, and
the frozen import on the board when one is connected, else, on an RP2040 board
with --emulator, on its image in rp2040js.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tools'))
sys.path.insert(0, os.path.join(ROOT, 'bench'))
from gen_package_json import device_files  # noqa: E402
import memory  # noqa: E402  (bench/)
import overload  # noqa: E402
import pageload  # noqa: E402
from proc import get  # noqa: E402

MD27_VERSION = '2.7.0'
# Microdot 2.7's modules that need CPython: never on a board
MD27_CPYTHON_ONLY = ('asgi.py', 'wsgi.py', 'jinja.py')
OURS = 'ours'
MD27 = 'Microdot 2.7'
WHO = (OURS, MD27)

# (key, label, unit): the rows of the table, in order
ROWS = [
    ('import_frozen', 'heap kept by `import microdot`, frozen', 'kb'),
    ('serving_frozen', 'same, plus the modules loaded to serve two requests, frozen',
     'kb'),
    ('import_mpy', 'heap kept by `import microdot`, `.mpy`', 'kb'),
    ('pageload_frozen', 'smallest `-X heapsize` for 20 page loads (page + six '
     'files, six connections), frozen', 'kb'),
    ('pageload_mpy', 'same, `.mpy`', 'kb'),
    ('flash_all', 'flash taken by the frozen package, unix port (text+data)',
     'kb'),
    ('flash_core', 'same, core modules only', 'kb'),
    ('alloc_request', 'bytes allocated per request (`/`, keep-alive), frozen',
     'bytes'),
    ('qemu_import', '32-bit Cortex-M3 (qemu MPS2_AN385): frozen `import microdot` '
     'kept', 'kb'),
    ('qemu_flash', 'same build, flash taken by the frozen package (text+data)',
     'kb'),
    ('rp2040_import', 'RP2040 (RPI_PICO image under rp2040js): frozen `import microdot` '
     'kept', 'kb'),
    ('rp2040_serving', 'same, kept once an app has answered two `TestClient` requests',
     'kb'),
    ('rp2040_flash', 'same image, flash taken by the frozen package (text+data)', 'kb'),
]


QEMU = ('qemu-system-arm -machine mps2-an385 -nographic -monitor null '
        '-semihosting -serial pty -kernel ')
EMULATE_JS = os.path.join(ROOT, 'tools', 'rp2040_emulate.js')


class NotMeasured(Exception):
    """A figure that cannot be measured here; the message says why."""


# --- the table ----------------------------------------------------------------

def new_results():
    return {'rows': {key: {OURS: None, MD27: None} for key, _, _ in ROWS},
            'why': {}, 'notes': []}


def set_figure(results, key, who, value):
    results['rows'][key][who] = value


def not_measured(results, key, who, reason):
    """Marks a figure n/a; the reason shows under the table."""
    results['rows'][key][who] = None
    reasons = results['why'].setdefault(key, [])
    line = '%s: %s' % (who, reason)
    if line not in reasons:
        reasons.append(line)


def measure_into(results, key, who, fn, *args):
    """results[key][who] = fn(*args), or n/a with the reason when it fails."""
    try:
        value = fn(*args)
    except NotMeasured as exc:
        not_measured(results, key, who, str(exc))
        return None
    except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as exc:
        not_measured(results, key, who, '%s: %s' % (type(exc).__name__,
                                                    str(exc)[-300:].strip()))
        return None
    if value is None:
        not_measured(results, key, who, 'no result')
    set_figure(results, key, who, value)
    return value


def ratio(ours, theirs):
    return ours / theirs if ours is not None and theirs else None


def cell(value, unit):
    if value is None:
        return 'n/a'
    if unit == 'kb':
        return '%.1f KB' % (value / 1024.0)
    return format(value, ',')


def table(results):
    """The figures as markdown lines: one row each, ours, Microdot 2.7, ratio;
    then why each n/a is n/a, then the notes."""
    lines = ['| figure | %s | %s | ours ÷ Microdot |' % WHO,
             '|---|---:|---:|---:|']
    for key, label, unit in ROWS:
        row = results['rows'][key]
        r = ratio(row[OURS], row[MD27])
        lines.append('| %s | %s | %s | %s |' % (
            label, cell(row[OURS], unit), cell(row[MD27], unit),
            'n/a' if r is None else '%.2f×' % r))
    labels = dict((key, label) for key, label, _ in ROWS)
    why = ['- n/a in "%s": %s' % (labels[key], '; '.join(reasons))
           for key, reasons in results['why'].items() if reasons]
    if why or results['notes']:
        lines.append('')
    return lines + why + ['- ' + note for note in results['notes']]


# --- flash ----------------------------------------------------------------------

def parse_size(output):
    """text + data from the output of binutils `size` for one file."""
    fields = output.splitlines()[1].split()
    return int(fields[0]) + int(fields[1])


def text_and_data(binary):
    if not os.path.exists(binary):
        raise NotMeasured('%s not built' % os.path.basename(binary))
    out = subprocess.run(['size', binary], capture_output=True, text=True,
                         check=True)
    return parse_size(out.stdout)


def flash_cost(binary, base):
    return text_and_data(binary) - text_and_data(base)


# --- heap on the unix port --------------------------------------------------------

def import_heap(micropython, tree, names=()):
    """(kept by `import microdot`, kept with `names` imported too), the package
    from the .mpy files in tree or, tree None, frozen in; refuses a figure whose
    microdot came from the wrong place."""
    figures = memory.probe(micropython, tree, 'import', *names)
    check_origin(figures['file'], tree is None)
    return figures['kept'], figures['with_names']


def check_origin(where, frozen):
    # a frozen module's __file__ has no folder
    if frozen == where.startswith('/'):
        raise RuntimeError('microdot came from %s, not %s' % (
            where, 'the frozen package' if frozen else 'the files'))


def serving_modules(micropython):
    """The modules the frozen package loaded to serve two requests."""
    with memory.Probe(micropython, None) as p:
        if not p.up(10):
            raise RuntimeError('the probe server did not start')
        for _ in range(2):
            if get(p.port, '/', timeout=5) != (200, b'Hello, World!'):
                raise RuntimeError('wrong answer to /')
        status, body = get(p.port, '/modules', timeout=5)
        if status != 200:
            raise RuntimeError('/modules answered %d' % status)
        return json.loads(body)


def alloc_per_request(micropython):
    return memory.heap_over_requests(micropython, None, (0, 100))[2]


def smallest_page_heap(micropython, tree, seen):
    """The median of three bisections; each one's figure is added to `seen`."""
    median, found = pageload.smallest_median(micropython, tree, runs=3, step=256)
    seen.extend(found)
    return median


def ours_tree(mpy_cross, dest):
    """The device files compiled to .mpy in dest/microdot."""
    for rel in device_files(ROOT):
        out = os.path.join(dest, rel[:-3] + '.mpy')
        os.makedirs(os.path.dirname(out), exist_ok=True)
        subprocess.run([mpy_cross, '-o', out, os.path.join(ROOT, 'modules', rel)],
                       check=True)
    return dest


def md27_tree(mpy_cross, src, dest):
    """Microdot 2.7's files (src/microdot) compiled to .mpy in dest/microdot."""
    os.makedirs(os.path.join(dest, 'microdot'))
    for name in sorted(os.listdir(os.path.join(src, 'microdot'))):
        if name.endswith('.py'):
            subprocess.run([mpy_cross, '-o', os.path.join(dest, 'microdot',
                                                          name[:-3] + '.mpy'),
                            os.path.join(src, 'microdot', name)], check=True)
    return dest


# --- the 32-bit build under qemu --------------------------------------------------

def probe_script(workdir):
    """mem_probe.py as one file that measures `import microdot` with no
    command line (sys.argv is empty on a board)."""
    path = os.path.join(workdir, 'board_probe.py')
    with open(memory.PROBE) as f:
        text = f.read()
    with open(path, 'w') as f:
        f.write("import sys\nsys.argv.extend(['mem_probe.py', 'import'])\n" + text)
    return path


def parse_probe(output, frozen=True):
    """The heap `import microdot` keeps, from mem_probe.py's output; with
    frozen, only when the package was the frozen one."""
    for line in output.splitlines():
        if line.startswith('MEM '):
            figures = json.loads(line[4:])
            if frozen:
                check_origin(figures['file'], True)
            return figures['kept']
    raise RuntimeError('no figure: ' + output[-300:])


def qemu_import_heap(python, pyboard, elf, workdir, pylib=None):
    if not os.path.exists(elf):
        raise NotMeasured('%s not built' % os.path.basename(elf))
    env = dict(os.environ)
    if pylib:
        env['PYTHONPATH'] = pylib
    out = subprocess.run([python, pyboard, '-d', 'execpty:' + QEMU + elf,
                          probe_script(workdir)],
                         env=env, capture_output=True, text=True, timeout=120)
    return parse_probe(out.stdout + out.stderr)


# --- the RP2040 image under rp2040js -----------------------------------------------

# the same for both packages: their public API is the same
SERVING_SCRIPT = """\
import gc
import asyncio
gc.collect()
before = gc.mem_alloc()
import microdot
from microdot import Microdot
from microdot.test_client import TestClient
app = Microdot()


@app.route('/')
async def index(request):
    return 'Hello, World!'


async def two_requests():
    client = TestClient(app)
    for _ in range(2):
        response = await client.get('/')
        assert response.status_code == 200, response.status_code

asyncio.run(two_requests())
gc.collect()
print('SERVING %d %s' % (gc.mem_alloc() - before, microdot.__file__))
"""


def emulate(emulator, image, script, timeout=120):
    """The output of the file `script` run on `image` in rp2040js (make emulator
    installed it into the folder `emulator`)."""
    if not os.path.exists(image):
        raise NotMeasured('%s not built' % os.path.basename(image))
    bootrom = os.path.join(emulator or '', 'bootrom-b1.bin')
    if not (emulator and os.path.exists(bootrom) and
            os.path.isdir(os.path.join(emulator, 'node_modules', 'rp2040js'))):
        raise NotMeasured('rp2040js not installed (make emulator)')
    node = shutil.which('node')
    if not node:
        raise NotMeasured('node not found (apt-get install nodejs)')
    out = subprocess.run([node, EMULATE_JS, '--modules', emulator, '--bootrom', bootrom,
                          '--image', image, '--script', script, '--timeout', str(timeout)],
                         capture_output=True, text=True, timeout=timeout + 30)
    if out.returncode != 0:
        raise RuntimeError('the emulated board: ' + (out.stdout + out.stderr)[-300:])
    return out.stdout


def emulated_import_heap(emulator, image, workdir):
    return parse_probe(emulate(emulator, image, probe_script(workdir)))


def parse_serving(output):
    """The heap kept after the two requests, from SERVING_SCRIPT's output."""
    for line in output.splitlines():
        if line.startswith('SERVING '):
            _, kept, where = line.split()
            check_origin(where, True)
            return int(kept)
    raise RuntimeError('no figure: ' + output[-300:])


def emulated_serving_heap(emulator, image, workdir):
    script = os.path.join(workdir, 'serving.py')
    with open(script, 'w') as f:
        f.write(SERVING_SCRIPT)
    return parse_serving(emulate(emulator, image, script))


def measure_rp2040(args, results, workdir):
    if not_built(args, results, 'rp2', ('rp2040_import', 'rp2040_serving', 'rp2040_flash')):
        return
    base = os.path.join(args.size_dir, 'rp2-base.elf')
    for who, name in ((OURS, 'ours'), (MD27, 'md27')):
        image = os.path.join(args.size_dir, 'rp2-%s.uf2' % name)
        measure_into(results, 'rp2040_flash', who, flash_cost,
                     os.path.join(args.size_dir, 'rp2-%s.elf' % name), base)
        progress(who, 'frozen import and two requests on the RP2040 image, in rp2040js')
        started = time.monotonic()
        measure_into(results, 'rp2040_import', who, emulated_import_heap, args.emulator,
                     image, workdir)
        measure_into(results, 'rp2040_serving', who, emulated_serving_heap, args.emulator,
                     image, workdir)
        if results['rows']['rp2040_import'][who] is not None:
            results['notes'].append('%s, RP2040 in rp2040js: two boots and runs in %.1f s' % (
                who, time.monotonic() - started))
    results['notes'].append('RP2040: ours is the image `make BOARD=RPI_PICO firmware` makes '
                            '(its board preset, applied by `import microdot`, included); '
                            'Microdot 2.7 is frozen into the same port the same way')


# --- Microdot 2.7's files ----------------------------------------------------------

def md27_from_bench_venv():
    """Microdot 2.7's package folder in bench/.venv, or None."""
    pattern = os.path.join(ROOT, 'bench', '.venv', 'lib', 'python*',
                           'site-packages')
    for site in glob.glob(pattern):
        pkg = os.path.join(site, 'microdot')
        info = os.path.join(site, 'microdot-%s.dist-info' % MD27_VERSION)
        if os.path.isdir(info) and os.path.isfile(os.path.join(pkg, '__init__.py')):
            return pkg
    return None


def fetch_md27(size_dir):
    """Microdot 2.7's .py files, less the CPython-only ones, in
    size_dir/md27/microdot; returns size_dir/md27."""
    dest = os.path.join(size_dir, 'md27')
    out = os.path.join(dest, 'microdot')
    stamp = os.path.join(dest, '.version')
    if os.path.exists(stamp) and open(stamp).read() == MD27_VERSION:
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(out)
    pkg = md27_from_bench_venv()
    if pkg:
        print('Microdot %s from %s' % (MD27_VERSION, pkg))
        for name in os.listdir(pkg):
            if name.endswith('.py') and name not in MD27_CPYTHON_ONLY:
                shutil.copy(os.path.join(pkg, name), out)
    else:
        print('Microdot %s from PyPI (pip download)' % MD27_VERSION)
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, '-m', 'pip', 'download', '-q',
                            '--no-deps', '--only-binary', ':all:', '-d', tmp,
                            'microdot==' + MD27_VERSION], check=True)
            wheel = glob.glob(os.path.join(tmp, '*.whl'))[0]
            with zipfile.ZipFile(wheel) as z:
                for member in z.namelist():
                    folder, name = os.path.split(member)
                    if folder == 'microdot' and name.endswith('.py') and \
                            name not in MD27_CPYTHON_ONLY:
                        with open(os.path.join(out, name), 'wb') as f:
                            f.write(z.read(member))
    with open(stamp, 'w') as f:
        f.write(MD27_VERSION)
    return dest


# --- putting it together -------------------------------------------------------------

def progress(who, what):
    print('size: %s, %s' % (who, what), flush=True)


def page_heap(results, key, who, micropython, tree):
    seen = []
    measure_into(results, key, who, smallest_page_heap, micropython, tree, seen)
    if seen:
        results['notes'].append('%s, smallest heap for the page loads, %s, each of three '
                                'bisections: %s' % (
                                    who, 'frozen' if tree is None else '`.mpy`',
                                    ' / '.join(cell(n, 'kb') for n in seen)))


def frozen_figures(results, who, binary):
    """The rows measured on a build with the package frozen in."""
    if not os.path.exists(binary):
        for key in ('import_frozen', 'serving_frozen', 'pageload_frozen', 'alloc_request'):
            not_measured(results, key, who, '%s not built' % os.path.basename(binary))
        return
    progress(who, 'frozen import, and with the modules that serve')
    measure_into(results, 'import_frozen', who, lambda: import_heap(binary, None)[0])
    try:
        names = serving_modules(binary)
    except (OSError, RuntimeError, ValueError) as exc:
        not_measured(results, 'serving_frozen', who, str(exc))
        names = None
    if names is not None:
        measure_into(results, 'serving_frozen', who,
                     lambda: import_heap(binary, None, names)[1])
        results['notes'].append('%s, modules loaded to serve two requests: %s' % (
            who, ', '.join(sorted(names)) or 'none'))
        try:
            parts = sorted(memory.probe(binary, None, 'modules', *names).items(),
                           key=lambda kv: -kv[1])
            results['notes'].append('%s, heap each module keeps (frozen, its own share): '
                                    '%s' % (who, ', '.join('%s %s' % (k, cell(v, 'kb'))
                                                           for k, v in parts)))
        except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
            results['notes'].append('%s, heap per module: n/a (%s)' % (who, exc))
    progress(who, 'page loads, frozen')
    page_heap(results, 'pageload_frozen', who, binary, None)
    progress(who, 'allocations per request, frozen')
    measure_into(results, 'alloc_request', who, alloc_per_request, binary)


def mpy_figures(results, who, base, tree, source):
    """The `.mpy` rows, on the build without the package; the `.py` import
    (from the folder `source`) as a note."""
    if not os.path.exists(base):
        for key in ('import_mpy', 'pageload_mpy'):
            not_measured(results, key, who, 'base build missing')
        return
    progress(who, '.mpy and .py imports, .mpy page loads, on the base build')
    measure_into(results, 'import_mpy', who, lambda: import_heap(base, tree)[0])
    try:
        results['notes'].append('%s, heap kept by `import microdot` from `.py` source (on the '
                                'base build): %s' % (who, cell(import_heap(base, source)[0],
                                                               'kb')))
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        results['notes'].append('%s, `.py` import: n/a (%s)' % (who, exc))
    page_heap(results, 'pageload_mpy', who, base, tree)


def measure_unix(args, results, workdir):
    size_dir = args.size_dir
    binaries = {OURS: args.micropython,
                MD27: os.path.join(size_dir, 'micropython-md27')}
    cores = {OURS: os.path.join(size_dir, 'micropython-ours-core'),
             MD27: os.path.join(size_dir, 'micropython-md27-core')}
    base = os.path.join(args.base, 'micropython')
    md27_src = os.path.join(size_dir, 'md27')
    trees = {}
    if args.mpy_cross:
        trees[OURS] = ours_tree(args.mpy_cross, os.path.join(workdir, 'ours-mpy'))
        if os.path.isdir(os.path.join(md27_src, 'microdot')):
            trees[MD27] = md27_tree(args.mpy_cross, md27_src,
                                    os.path.join(workdir, 'md27-mpy'))
    sources = {OURS: os.path.join(ROOT, 'modules'), MD27: md27_src}
    for who in WHO:
        measure_into(results, 'flash_all', who, flash_cost, binaries[who], base)
        measure_into(results, 'flash_core', who, flash_cost, cores[who], base)
        frozen_figures(results, who, binaries[who])
        if who in trees:
            mpy_figures(results, who, base, trees[who], sources[who])
        else:
            for key in ('import_mpy', 'pageload_mpy'):
                not_measured(results, key, who, 'no mpy-cross' if not args.mpy_cross
                             else "Microdot 2.7's files not fetched")
    measure_qemu(args, results, workdir)
    measure_rp2040(args, results, workdir)


def not_built(args, results, build, keys):
    """True when make size left BUILD-skipped.txt (the build could not be made): the rows
    `keys` are then n/a, with the reason it holds."""
    skipped = os.path.join(args.size_dir, build + '-skipped.txt')
    if not os.path.exists(skipped):
        return False
    with open(skipped) as f:
        reason = f.read().strip() or 'not built'
    for key in keys:
        for who in WHO:
            not_measured(results, key, who, reason)
    return True


def measure_qemu(args, results, workdir):
    if not_built(args, results, 'qemu', ('qemu_import', 'qemu_flash')):
        return
    pyboard = os.path.join(args.mp_dir or '', 'tools', 'pyboard.py')
    pylib = os.path.join(args.size_dir, 'pylib')
    base = os.path.join(args.size_dir, 'qemu-base.elf')
    for who, name in ((OURS, 'ours'), (MD27, 'md27')):
        elf = os.path.join(args.size_dir, 'qemu-%s.elf' % name)
        measure_into(results, 'qemu_flash', who, flash_cost, elf, base)
        if not os.path.exists(pyboard):
            not_measured(results, 'qemu_import', who,
                         'no tools/pyboard.py (pass --mp-dir)')
            continue
        progress(who, 'frozen import on qemu')
        measure_into(results, 'qemu_import', who, qemu_import_heap, sys.executable,
                     pyboard, elf, workdir,
                     pylib if os.path.isdir(pylib) else None)


def file_notes(args, results):
    ours = device_files(ROOT)
    md27_dir = os.path.join(args.size_dir, 'md27', 'microdot')
    md27 = sorted(os.listdir(md27_dir)) if os.path.isdir(md27_dir) else []
    results['notes'].append(
        'frozen package: ours, the %d device files; Microdot 2.7, its %d PyPI files '
        'less %s' % (len(ours), len([n for n in md27 if n.endswith('.py')]),
                     ', '.join(MD27_CPYTHON_ONLY)))
    if args.ours_core or args.md27_core:
        results['notes'].append('core only: ours %s; Microdot 2.7 %s' % (
            ', '.join(args.ours_core.split()), ', '.join(args.md27_core.split())))


def git_commit():
    try:
        out = subprocess.run(['git', '-C', ROOT, 'rev-parse', '--short', 'HEAD'],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or None
    except OSError:
        return None


def board_heap(mpremote, serial, workdir):
    out = subprocess.run([mpremote, 'connect', serial, 'run', probe_script(workdir)],
                         capture_output=True, text=True, timeout=60)
    return parse_probe(out.stdout + out.stderr, frozen=False)


IMAGES = {'rp2': 'firmware.bin', 'esp32': 'micropython.bin'}


def measure_board(args):
    name = IMAGES[args.port]
    cost = (os.path.getsize(os.path.join(args.build, name)) -
            os.path.getsize(os.path.join(args.base, name)))
    print('flash: frozen microdot costs %d bytes (%d device files)'
          % (cost, len(device_files(ROOT))))
    if args.serial and os.path.exists(args.serial) and args.mpremote:
        with tempfile.TemporaryDirectory() as workdir:
            try:
                heap = board_heap(args.mpremote, args.serial, workdir)
            except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as exc:
                heap = 'n/a (%s)' % exc
        print('heap: import microdot (frozen) keeps %s bytes on the board' % heap)
    elif args.emulator and os.path.exists(os.path.join(args.build, 'firmware.uf2')):
        with tempfile.TemporaryDirectory() as workdir:
            try:
                heap = emulated_import_heap(args.emulator,
                                            os.path.join(args.build, 'firmware.uf2'), workdir)
            except (NotMeasured, OSError, RuntimeError, ValueError,
                    subprocess.SubprocessError) as exc:
                heap = 'n/a (%s)' % exc
        print('heap: import microdot (frozen) keeps %s bytes on the image in the RP2040 '
              'emulator (rp2040js); no board on %s' % (heap, args.serial))
    else:
        print('heap: no board on %s: flash the image and run make size '
              'PORT=... to measure it on the board' % args.serial)


# The optional modules of the package, each loaded only by apps that use it.
EXTENSIONS = ('sse', 'websocket', 'multipart', 'cors', 'csrf', 'session', 'auth', 'login',
              'ota', 'wifi', 'captive_dns', 'presets', 'test_client')

EXTENSION_SCRIPT = """\
import gc
import sys
import asyncio
import microdot
gc.collect()
gc.collect()
before = gc.mem_alloc()
__import__('microdot.' + sys.argv[1])
gc.collect()
gc.collect()
print('HEAP', gc.mem_alloc() - before)
"""


def extension_heap(binary, workdir):
    """{module: heap its import keeps}, frozen, microdot imported first, each in a fresh
    process."""
    script = os.path.join(workdir, 'extension_heap.py')
    with open(script, 'w') as f:
        f.write(EXTENSION_SCRIPT)
    found = {}
    for name in EXTENSIONS:
        out = subprocess.run([binary, script, name], capture_output=True, text=True,
                             timeout=60, env=dict(os.environ, MICROPYPATH='.frozen'))
        for line in out.stdout.splitlines():
            if line.startswith('HEAP '):
                found[name] = int(line.split()[1])
    return found


def extra_tables(binary, workdir):
    """Markdown lines: the heap each optional module and each board preset costs."""
    lines = []
    if not os.path.exists(binary):
        return lines
    heaps = extension_heap(binary, workdir)
    if heaps:
        lines += ['', 'Heap kept by importing each optional module (frozen, after '
                  '`import microdot`, its own process):', '',
                  '| module | heap |', '|---|---:|']
        lines += ['| `microdot.%s` | %s |' % (name, heaps[name]) for name in EXTENSIONS
                  if name in heaps]
    sys.path.insert(0, os.path.join(ROOT, 'tools'))
    import preset_heap
    rows = []
    for row in preset_heap.presets.BOARDS:
        board = row[0]
        try:
            used = preset_heap.measure(binary, board)
        except (OSError, RuntimeError, ValueError) as exc:
            rows.append('| %s | n/a (%s) | | | |' % (board, exc))
            continue
        settings = preset_heap.presets.preset(board)
        heap = preset_heap.BOARD_HEAP.get(board)
        left = heap - used - settings['heap_reserve'] if heap else None
        rows.append('| %s | %d | %d | %s | %s |' % (
            board, settings['max_connections'], used, heap or 'n/a',
            left if left is not None else 'n/a'))
    lines += ['', 'Board presets (frozen, 64-bit: a 32-bit board needs about half): the heap '
              'in use with every connection the preset allows open, and what that leaves '
              'the app (board heap less that and `heap_reserve`) where the board\'s heap is '
              'known:', '', '| preset | connections | heap in use | board heap | left for '
              'the app |', '|---|---:|---:|---:|---:|'] + rows
    return lines


# more clients than the heap holds, on the frozen builds (bench/overload.py)
OVERLOAD_HEAP, OVERLOAD_CLIENTS, OVERLOAD_SECONDS, OVERLOAD_RUNS = 48 * 1024, 12, 20.0, 3


def overload_lines(binaries):
    """Markdown lines: overload.py's scenario on each frozen build, side by side."""
    built = {who: (binary, None) for who, binary in binaries.items() if os.path.exists(binary)}
    if not built:
        return []
    result = overload.side_by_side(built, OVERLOAD_HEAP, OVERLOAD_CLIENTS, OVERLOAD_SECONDS,
                                   OVERLOAD_RUNS)
    return [''] + overload.table(result, list(binaries), (
        'Overload (frozen): %d keep-alive clients fetching static files on a %d KB heap for '
        '%d s, median of %d interleaved runs:' % (
            OVERLOAD_CLIENTS, OVERLOAD_HEAP // 1024, OVERLOAD_SECONDS, OVERLOAD_RUNS)))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--fetch-md27', metavar='SIZE_DIR')
    ap.add_argument('--port', choices=['unix'] + sorted(IMAGES))
    ap.add_argument('--build')
    ap.add_argument('--base')
    ap.add_argument('--micropython')
    ap.add_argument('--mpy-cross')
    ap.add_argument('--size-dir')
    ap.add_argument('--mp-dir')
    ap.add_argument('--ours-core', default='')
    ap.add_argument('--md27-core', default='')
    ap.add_argument('--mpremote')
    ap.add_argument('--serial')
    ap.add_argument('--emulator')
    args = ap.parse_args(argv)

    if args.fetch_md27:
        fetch_md27(os.path.abspath(args.fetch_md27))
        return 0
    if not (args.port and args.build and args.base):
        ap.error('--port, --build and --base are needed')
    if args.port != 'unix':
        measure_board(args)
        return 0
    if not (args.micropython and args.size_dir):
        ap.error('--micropython and --size-dir are needed on the unix port')
    started = time.monotonic()
    results = new_results()
    with tempfile.TemporaryDirectory() as workdir:
        measure_unix(args, results, workdir)
        progress(OURS, 'optional modules and board presets, frozen')
        results['extra'] = extra_tables(args.micropython, workdir)
        progress(OURS, 'overload beside Microdot 2.7, frozen')
        results['extra'] += overload_lines({
            OURS: args.micropython,
            MD27: os.path.join(args.size_dir, 'micropython-md27')})
    file_notes(args, results)
    results['date'] = time.strftime('%Y-%m-%d %H:%M')
    results['commit'] = git_commit()
    results['seconds'] = round(time.monotonic() - started)
    with open(os.path.join(args.size_dir, 'size.json'), 'w') as f:
        json.dump(results, f, indent=1)
    print()
    print('\n'.join(table(results) + results['extra']))
    print()
    print('figures: %s (measured in %d s)' % (
        os.path.join(args.size_dir, 'size.json'), results['seconds']))
    return 0


if __name__ == '__main__':
    sys.exit(main())
