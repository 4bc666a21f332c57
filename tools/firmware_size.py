"""What the frozen microdot costs: flash bytes and heap.

    firmware_size.py --port unix --build DIR --base DIR \
        --micropython BIN [--mpy-cross BIN]
    firmware_size.py --port rp2|esp32 --build DIR --base DIR \
        [--mpremote BIN --serial /dev/ttyACM0]

Flash: the image built with microdot frozen against the same port built
without it (text + data of the unix binary; bytes of the flashed .bin on a
board). Heap: bytes that `import microdot` keeps after gc.collect(), with
asyncio imported first; on the unix port also from .mpy and .py files, and
the smallest `-X heapsize` that imports microdot and serves two requests.
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tools'))
from gen_package_json import device_files  # noqa: E402

HEAP_SCRIPT = """\
import gc
import asyncio
gc.collect()
gc.collect()
before = gc.mem_free()
import microdot
gc.collect()
gc.collect()
print('HEAP', before - gc.mem_free())
print('FROM', microdot.__file__)
"""

SERVE_SCRIPT = """\
from microdot import Microdot
app = Microdot()


@app.route('/')
async def index(request):
    return 'hello'


app.run(host='127.0.0.1', port=%d)
"""

IMAGES = {'unix': 'micropython', 'rp2': 'firmware.bin', 'esp32': 'micropython.bin'}


def unix_flash_bytes(binary):
    out = subprocess.run(['size', binary], capture_output=True, text=True,
                         check=True).stdout.splitlines()[1].split()
    return int(out[0]) + int(out[1])


def flash_cost(port, build, base):
    name = IMAGES[port]
    ours, theirs = os.path.join(build, name), os.path.join(base, name)
    if port == 'unix':
        return unix_flash_bytes(ours) - unix_flash_bytes(theirs)
    return os.path.getsize(ours) - os.path.getsize(theirs)


def source_tree(mode, mpy_cross, workdir):
    """A folder holding the device files as .py or .mpy (None: frozen)."""
    if mode == 'frozen':
        return None
    dest = os.path.join(workdir, mode)
    for rel in device_files(ROOT):
        src = os.path.join(ROOT, 'modules', rel)
        out = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        if mode == 'py':
            shutil.copy(src, out)
        else:
            subprocess.run([mpy_cross, '-o', out[:-3] + '.mpy', src],
                           check=True)
    return dest


def unix_env(tree):
    env = dict(os.environ)
    # files on disk first, so that they shadow the frozen package (asyncio
    # stays frozen)
    env['MICROPYPATH'] = tree + ':.frozen' if tree else '.frozen'
    return env


def unix_heap(micropython, tree, workdir):
    script = os.path.join(workdir, 'heap.py')
    with open(script, 'w') as f:
        f.write(HEAP_SCRIPT)
    out = subprocess.run([micropython, script], env=unix_env(tree),
                         capture_output=True, text=True, timeout=30)
    lines = dict(line.split(' ', 1) for line in out.stdout.splitlines()
                 if ' ' in line)
    if 'HEAP' in lines and (tree is None) == (not lines['FROM'].startswith('/')):
        return int(lines['HEAP'])
    raise RuntimeError('heap script failed: ' + out.stdout + out.stderr)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def get(port):
    with socket.create_connection(('127.0.0.1', port), timeout=3) as s:
        s.sendall(b'GET / HTTP/1.1\r\nHost: localhost\r\n'
                  b'Connection: close\r\n\r\n')
        data = b''
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return data


def serves_two_requests(micropython, tree, workdir, heapsize):
    port = free_port()
    script = os.path.join(workdir, 'serve.py')
    with open(script, 'w') as f:
        f.write(SERVE_SCRIPT % port)
    proc = subprocess.Popen([micropython, '-X', 'heapsize=%d' % heapsize,
                             script], env=unix_env(tree),
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 5
        while True:
            if proc.poll() is not None:
                return False
            try:
                socket.create_connection(('127.0.0.1', port), 0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.02)
        # the probe connection above is a third client the server must
        # survive; then two real requests
        for _ in range(2):
            if not get(port).startswith(b'HTTP/1.1 200'):
                return False
        return proc.poll() is None
    except OSError:
        return False
    finally:
        proc.kill()
        proc.wait()


def smallest_heap(micropython, tree, workdir, low=2048, high=1 << 20,
                  step=256):
    if not serves_two_requests(micropython, tree, workdir, high):
        return None
    while high - low > step:
        mid = (low + high) // 2 // step * step
        if serves_two_requests(micropython, tree, workdir, mid):
            high = mid
        else:
            low = mid
    return high


def board_heap(mpremote, serial, workdir):
    script = os.path.join(workdir, 'heap.py')
    with open(script, 'w') as f:
        f.write(HEAP_SCRIPT)
    out = subprocess.run([mpremote, 'connect', serial, 'run', script],
                         capture_output=True, text=True, timeout=60)
    for line in out.stdout.splitlines():
        if line.startswith('HEAP '):
            return int(line.split()[1])
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port', required=True, choices=sorted(IMAGES))
    ap.add_argument('--build', required=True)
    ap.add_argument('--base', required=True)
    ap.add_argument('--micropython')
    ap.add_argument('--mpy-cross')
    ap.add_argument('--mpremote')
    ap.add_argument('--serial')
    ap.add_argument('--no-serve', action='store_true')
    args = ap.parse_args()

    print('flash: frozen microdot costs %d bytes (%d device files)'
          % (flash_cost(args.port, args.build, args.base),
             len(device_files(ROOT))))
    with tempfile.TemporaryDirectory() as workdir:
        if args.port == 'unix':
            modes = ['frozen', 'mpy', 'py'] if args.mpy_cross else ['frozen']
            for mode in modes:
                tree = source_tree(mode, args.mpy_cross, workdir)
                line = 'heap: import microdot (%s) keeps %d bytes' % (
                    mode, unix_heap(args.micropython, tree, workdir))
                if not args.no_serve:
                    n = smallest_heap(args.micropython, tree, workdir)
                    line += '; smallest -X heapsize serving two requests: %s' % (
                        n if n else 'none up to 1 MiB')
                print(line)
        elif args.serial and os.path.exists(args.serial) and args.mpremote:
            heap = board_heap(args.mpremote, args.serial, workdir)
            print('heap: import microdot (frozen) keeps %s bytes on the board'
                  % heap)
        else:
            print('heap: no board on %s: flash the image and run make size '
                  'PORT=... to measure it on the board' % args.serial)
    return 0


if __name__ == '__main__':
    sys.exit(main())
