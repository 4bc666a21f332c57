# Heap probe for the MicroPython interpreter (whichever `microdot` MICROPYPATH finds).
#   mem_probe.py import      -> prints `MEM {"kept": bytes, "files": [...]}`: the heap that
#                               `import microdot` keeps, asyncio being imported first
#   mem_probe.py serve PORT  -> serves the hello app plus /mem (the heap in use after a
#                               collection, as text) and /files (the microdot modules
#                               loaded so far) on 127.0.0.1:PORT
import sys
import gc
import asyncio


def kept_by_import():
    loaded = list(sys.modules)
    gc.collect()
    before = gc.mem_alloc()
    import microdot
    gc.collect()
    after = gc.mem_alloc()
    files = []
    for name in sys.modules:
        if name not in loaded:
            files.append(getattr(sys.modules[name], '__file__', ''))
    print('MEM {"kept": %d, "files": [%s]}' % (
        after - before, ', '.join('"%s"' % f for f in files)))


def serve(port):
    from microdot import Microdot
    app = Microdot()

    @app.route('/')
    async def index(request):
        return 'Hello, World!'

    @app.route('/json')
    async def json_hello(request):
        return {'message': 'Hello, World!'}

    @app.route('/mem')
    async def mem(request):
        gc.collect()
        return str(gc.mem_alloc())

    @app.route('/files')
    async def files(request):
        return [getattr(m, '__file__', '') for m in sys.modules.values()
                if getattr(m, '__name__', '').startswith('microdot')]

    app.run(host='127.0.0.1', port=port)


if sys.argv[1] == 'import':
    kept_by_import()
else:
    serve(int(sys.argv[2]))
