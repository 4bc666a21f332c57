# Run: cd examples/static_site && PYTHONPATH=../../modules python site.py   (or MICROPYPATH=../../modules:.frozen micropython site.py), then open http://127.0.0.1:5000/
# Files from static/, gzip-compressed copies (.gz) for clients that accept
# them, Cache-Control, and conditional GET (ETag / If-None-Match -> 304).
# After editing a file, remake its compressed copy: gzip -9nkf static/app.js
import os

from microdot import Microdot, send_file

STATIC = 'static'
MAX_AGE = 24 * 3600  # seconds browsers may use a file without asking again

app = Microdot()


def is_file(path):
    try:
        return os.stat(path)[0] & 0o170000 == 0o100000
    except OSError:
        return False


# The page itself: max_age=0, so the browser asks every time, and gets a
# 304 with no body while the file has not changed.
@app.route('/')
async def index(request):
    return send_file(STATIC + '/index.html', max_age=0)


# Any file under static/; root= keeps the path inside that folder ('..'
# and absolute paths give 404).
@app.route('/static/<path:path>')
async def static(request, path):
    accepts_gzip = 'gzip' in request.headers.get('Accept-Encoding', '')
    if accepts_gzip and is_file(STATIC + '/' + path + '.gz'):
        # Content-Type from the name without .gz, Content-Encoding: gzip
        res = send_file(path, root=STATIC, compressed=True,
                        file_extension='.gz', max_age=MAX_AGE)
    else:
        res = send_file(path, root=STATIC, max_age=MAX_AGE)
    res.headers['Vary'] = 'Accept-Encoding'  # caches keep both variants
    return res


app.run(host='127.0.0.1', port=5000, debug=True)
