# The application the multipart end-to-end tests run, on CPython and on
# MicroPython alike: uploads are streamed to files in UPLOAD_DIR.
#
# Usage: PORT=8123 UPLOAD_DIR=/some/dir python upload_app.py
import gc
import os

from microdot import Microdot, Request
from microdot.multipart import FileUpload, FormDataIter, with_form_data

Request.max_content_length = 16 * 1024 * 1024
UPLOAD_DIR = os.getenv('UPLOAD_DIR') or '.'

app = Microdot()


def heap_used():
    gc.collect()
    try:
        return gc.mem_alloc()  # MicroPython
    except AttributeError:
        return 0


@app.post('/upload')
@with_form_data
async def upload(request):
    saved = {}
    for name in request.files:
        f = request.files[name]
        path = UPLOAD_DIR + '/' + f.filename
        await f.save(path)
        saved[name] = [f.filename, os.stat(path)[6]]
    form = {k: request.form[k] for k in request.form}
    return {'form': form, 'files': saved, 'heap': heap_used()}


@app.post('/stream')
async def stream(request):
    saved = {}
    form = {}
    async for name, value in FormDataIter(request):
        if isinstance(value, FileUpload):
            path = UPLOAD_DIR + '/streamed-' + value.filename
            await value.save(path)
            saved[name] = [value.filename, os.stat(path)[6]]
        else:
            form[name] = value
    return {'form': form, 'files': saved, 'heap': heap_used()}


app.run(host='127.0.0.1', port=int(os.getenv('PORT') or 5000))
