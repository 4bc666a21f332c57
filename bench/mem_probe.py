# Heap probe for the MicroPython interpreter (whichever `microdot` MICROPYPATH finds, or the
# frozen one); asyncio is imported first. Used by `make bench` and `make size`.
#   mem_probe.py import [NAME...]  -> prints `MEM {"kept": bytes, "with_names": bytes,
#                                     "file": microdot.__file__, "files": [...]}`: the heap
#                                     `import microdot` keeps, then the heap kept once the
#                                     modules NAME... are imported too
#   mem_probe.py modules [NAME...] -> prints `MEM {"module": bytes, ...}`: the heap each
#                                     module keeps, its own share (what it imports counts where
#                                     that is loaded), importing microdot and then NAME...
#   mem_probe.py serve PORT        -> serves the hello app plus /mem (the heap in use after a
#                                     collection, as text), /alloc/start and /alloc/stop (bytes
#                                     allocated in between, the collector held off), /files
#                                     (the microdot modules loaded so far) and /modules (every
#                                     module loaded since before `import microdot`) on
#                                     127.0.0.1:PORT
import sys
import gc
import asyncio  # noqa: F401 (loaded first: its heap is not microdot's)


def kept_by_import(names):
    loaded = list(sys.modules)
    gc.collect()
    before = gc.mem_alloc()
    import microdot
    gc.collect()
    kept = gc.mem_alloc() - before
    for name in names:
        __import__(name)
    gc.collect()
    with_names = gc.mem_alloc() - before
    files = []
    for name in sys.modules:
        if name not in loaded:
            files.append(getattr(sys.modules[name], '__file__', ''))
    print('MEM {"kept": %d, "with_names": %d, "file": "%s", "files": [%s]}' % (
        kept, with_names, microdot.__file__, ', '.join('"%s"' % f for f in files)))


def kept_per_module(names):
    import builtins
    real_import = builtins.__import__
    own = {}
    stack = []  # per import under way: [heap its nested imports kept, modules they loaded]

    def measuring_import(name, *args):
        known = list(sys.modules)
        stack.append([0, []])
        gc.collect()
        before = gc.mem_alloc()
        try:
            return real_import(name, *args)
        finally:
            gc.collect()
            kept = gc.mem_alloc() - before
            nested, claimed = stack.pop()
            new = [n for n in sys.modules if n not in known and n not in claimed]
            if new:
                key = ' '.join(new)
                own[key] = own.get(key, 0) + kept - nested
            if stack:
                stack[-1][0] += kept
                stack[-1][1].extend(new + claimed)

    builtins.__import__ = measuring_import
    import microdot  # noqa: F401
    for name in names:
        __import__(name)
    builtins.__import__ = real_import
    print('MEM {%s}' % ', '.join('"%s": %d' % kv for kv in own.items()))


def serve(port):
    loaded = list(sys.modules)
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

    @app.route('/modules')
    async def modules(request):
        return [name for name in sys.modules if name not in loaded]

    app.run(host='127.0.0.1', port=port)


if sys.argv[1] == 'import':
    kept_by_import(sys.argv[2:])
elif sys.argv[1] == 'modules':
    kept_per_module(sys.argv[2:])
else:
    serve(int(sys.argv[2]))
