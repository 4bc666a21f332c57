"""How much heap each board preset leaves the app, measured on the unix port.

    preset_heap.py MICROPYTHON [MICROPYPATH]

For each preset of microdot/presets.py, a hello app applies it and serves on 127.0.0.1; the
script opens as many keep-alive connections as the preset allows, makes one request on each,
and reads the heap in use (after gc.collect()) with all of them open: what `import microdot`,
the server and its connections take. What a board has left for the app is its heap (the table
below, where it is known) minus that and the preset's heap_reserve. Objects take about half as
many bytes on a 32-bit board as on the 64-bit unix port, so the figures are an upper bound.
"""
import http.client
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'modules', 'microdot'))
import presets  # noqa: E402  (data only)

# The Python heap of a board once it runs, where its port fixes it: an RP2040 build's linker
# symbols (__GcHeapEnd - __GcHeapStart, before the radio's own buffers on a Pico W), and the
# ESP32's initial heap grown once (MICROPY_GC_INITIAL_HEAP_SIZE is 56 KB; the port adds one
# more area of that size on demand, leaving the rest for Wi-Fi and TLS).
BOARD_HEAP = {
    'RPI_PICO': 251688,
    'ESP32_GENERIC': 2 * 56 * 1024,
}

APP = """\
import gc
import sys
from microdot import Microdot, apply_preset
apply_preset(sys.argv[2])
app = Microdot()

@app.route('/')
async def index(request):
    return 'hello'

@app.route('/mem')
async def mem(request):
    gc.collect()
    return str(gc.mem_alloc())

app.run(host='127.0.0.1', port=int(sys.argv[1]))
"""


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def measure(micropython, board, path=None):
    """Heap in use (bytes) with the preset's connections all open and served once."""
    settings = presets.preset(board)
    with tempfile.TemporaryDirectory() as folder:
        script = os.path.join(folder, 'app.py')
        with open(script, 'w') as f:
            f.write(APP)
        port = free_port()
        env = dict(os.environ, MICROPYPATH=(path + ':' if path else '') + '.frozen')
        proc = subprocess.Popen([micropython, '-X', 'heapsize=4M', script, str(port), board],
                                env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        conns = []
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=5)
                    conn.request('GET', '/')
                    conn.getresponse().read()
                    break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError('the preset app did not start')
                    time.sleep(0.05)
            conns.append(conn)
            for _ in range(settings['max_connections'] - 1):
                conn = http.client.HTTPConnection('127.0.0.1', port, timeout=5)
                conn.request('GET', '/')
                conn.getresponse().read()
                conns.append(conn)
            conns[0].request('GET', '/mem')
            return int(conns[0].getresponse().read())
        finally:
            for conn in conns:
                conn.close()
            proc.kill()
            proc.wait()


def main(argv):
    if not argv:
        print(__doc__)
        return 2
    micropython, path = argv[0], argv[1] if len(argv) > 1 else None
    print('| preset | connections | heap in use, all open | heap_reserve | board heap | '
          'left for the app |')
    print('|---|---:|---:|---:|---:|---:|')
    for row in presets.BOARDS:
        board = row[0]
        settings = presets.preset(board)
        used = measure(micropython, board, path)
        heap = BOARD_HEAP.get(board)
        left = heap - used - settings['heap_reserve'] if heap else None
        print('| %s | %d | %d | %d | %s | %s |' % (
            board, settings['max_connections'], used, settings['heap_reserve'],
            heap or 'n/a', left if left is not None else 'n/a'))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
