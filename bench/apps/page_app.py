# A page and its six static files, served with send_file (Microdot 2.x API only, so the same
# file serves ours and Microdot 2.7). Run: micropython page_app.py PORT
import sys

from microdot import Microdot, send_file

app = Microdot()
PAGE = '<!doctype html><html><head><title>page</title>' + ''.join(
    '<script src="/static/asset%d.js"></script>' % i for i in range(6)) + \
    '</head><body><h1>A page</h1></body></html>'


@app.route('/')
async def index(request):
    return PAGE, 200, {'Content-Type': 'text/html; charset=UTF-8'}


@app.route('/static/<name>')
async def static(request, name):
    if '..' in name:
        return 'Not found', 404
    return send_file('static/' + name, max_age=3600)


app.run(host='127.0.0.1', port=int(sys.argv[1]))
