# Heap probe for the MicroPython interpreter (whichever `microdot` MICROPYPATH finds).
#   mem_probe.py import      -> prints `MEM {"kept": bytes, "files": [...]}`: the heap that
#                               `import microdot` keeps, asyncio being imported first
#   mem_probe.py modules     -> prints `MEM {"module": bytes, ...}`: the heap each module of
#                               the package keeps (its own share, not what it imports)
#   mem_probe.py serve PORT  -> serves the hello app plus /mem (the heap in use after a
#                               collection, as text), /alloc/start and /alloc/stop (bytes
#                               allocated in between, the collector held off) and /files
#                               (the microdot modules loaded so far) on 127.0.0.1:PORT
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


def kept_per_module():
    import builtins
    real_import = builtins.__import__
    stack = []
    own = {}

    def measuring_import(name, *args):
        if name in sys.modules:
            return real_import(name, *args)
        gc.collect()
        before = gc.mem_alloc()
        stack.append(0)
        mod = real_import(name, *args)
        gc.collect()
        kept = gc.mem_alloc() - before
        own[name] = own.get(name, 0) + kept - stack.pop()
        if stack:
            stack[-1] += kept
        return mod

    gc.collect()
    before = gc.mem_alloc()
    builtins.__import__ = measuring_import
    import microdot
    gc.collect()
    total = gc.mem_alloc() - before
    for name in ('microdot.server',):
        try:
            __import__(name)
        except ImportError:
            pass
    builtins.__import__ = real_import
    parts = {}
    for name in own:
        if name.startswith('microdot.'):
            parts[name[9:]] = own[name]
    parts['__init__ (rest)'] = total - sum(v for k, v in parts.items() if k != 'server')
    print('MEM {%s}' % ', '.join('"%s": %d' % kv for kv in parts.items()))


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

    alloc = [0]

    @app.route('/alloc/start')
    async def alloc_start(request):
        gc.collect()
        gc.disable()
        alloc[0] = gc.mem_alloc()
        return 'ok'

    @app.route('/alloc/stop')
    async def alloc_stop(request):
        used = gc.mem_alloc() - alloc[0]
        gc.enable()
        return str(used)

    @app.route('/files')
    async def files(request):
        return [getattr(m, '__file__', '') for m in sys.modules.values()
                if getattr(m, '__name__', '').startswith('microdot')]

    app.run(host='127.0.0.1', port=port)


if sys.argv[1] == 'import':
    kept_by_import()
elif sys.argv[1] == 'modules':
    kept_per_module()
else:
    serve(int(sys.argv[2]))
