# The heap microdot.ota costs on MicroPython: what `from microdot import ota`
# keeps once microdot is imported, and the heap in use while an upload
# streams through the built-in server (sampled after a collection at every
# read of the body). GET /heap reports the bytes.
#
# Usage: PORT=8123 APP_DIR=/some/dir micropython ota_heap_app.py
import gc
import os

import microdot

gc.collect()
before = gc.mem_alloc()
from microdot import ota  # noqa: E402
gc.collect()
IMPORT = gc.mem_alloc() - before

app = microdot.Microdot()
ota.OTA(app, auth=lambda request: request.headers.get('X-Key') == 'k',
        app_dir=os.getenv('APP_DIR'), max_size=1024 * 1024,
        restart=lambda: None)
heap = {'import': IMPORT, 'start': 0, 'peak': 0}
_read = ota._read


async def sampling_read(body, n):
    data = await _read(body, n)
    gc.collect()
    heap['peak'] = max(heap['peak'], gc.mem_alloc())
    return data


ota._read = sampling_read


# The heap in use when an upload starts: the request head parsed, the body
# not read yet.
@app.before_request
def start(request):
    if request.path == '/ota/upload':
        gc.collect()
        heap['start'] = heap['peak'] = gc.mem_alloc()


@app.get('/heap')
async def report(request):
    return heap


gc.collect()
heap['idle'] = gc.mem_alloc()
app.run(host='127.0.0.1', port=int(os.getenv('PORT') or 5000))
