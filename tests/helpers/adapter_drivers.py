"""Driving the ASGI and WSGI adapters in this process with hand-made scopes and environs, as
a server would: the core from modules/ with the adapters' directory added to the package, as
an editable install does."""
import asyncio
import io
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from helpers.adapter_servers import ADAPTERS_DIR

ADAPTERS_PACKAGE = os.path.join(ADAPTERS_DIR, 'microdot')


@pytest.fixture(scope='module')
def adapters():
    """(asgi, wsgi, _adapters) modules: the core from modules/ with the adapters directory
    added to the package, as an editable install does."""
    import microdot
    if ADAPTERS_PACKAGE not in microdot.__path__:
        microdot.__path__.append(ADAPTERS_PACKAGE)
    from microdot import _adapters, asgi, wsgi
    return asgi, wsgi, _adapters


@pytest.fixture(scope='module')
def server_thread(adapters):
    """Runs a function in one thread of its own, as a WSGI server's worker thread (so that
    the event loop the adapter keeps for it is not this thread's)."""
    pool = ThreadPoolExecutor(max_workers=1)
    yield lambda fn, *args: pool.submit(fn, *args).result(10)
    wsgi = adapters[1]
    pool.submit(lambda: wsgi.thread_loop().close()).result(10)
    pool.shutdown()


def run_asgi(app, path='/', root_path='', raw_path=None, http_version='1.1', headers=(),
             method='GET', body=b'', kind='http', extensions=None, query=b''):
    """The messages the app sends for one request."""
    scope = {'type': kind, 'asgi': {'version': '3.0'}, 'http_version': http_version,
             'method': method, 'scheme': 'http', 'path': path, 'query_string': query,
             'root_path': root_path, 'headers': list(headers), 'client': ('127.0.0.1', 5),
             'server': ('127.0.0.1', 80)}
    if raw_path is not None:
        scope['raw_path'] = raw_path
    if http_version is None:
        del scope['http_version']
    if extensions is not None:
        scope['extensions'] = extensions
    incoming = [{'type': 'websocket.connect'}] if kind == 'websocket' else \
        [{'type': 'http.request', 'body': body, 'more_body': False}]
    sent = []

    async def receive():
        if incoming:
            return incoming.pop(0)
        await asyncio.sleep(3600)

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent



def run_wsgi(server_thread, app, path_info='/', script_name='', raw_uri=None, query='',
             protocol='HTTP/1.1', method='GET', body=b'', headers=None, raw_key='RAW_URI'):
    """(status, headers, body) of one request, called from the server thread."""
    environ = {'REQUEST_METHOD': method, 'SCRIPT_NAME': script_name, 'PATH_INFO': path_info,
               'QUERY_STRING': query, 'SERVER_PROTOCOL': protocol, 'SERVER_NAME': 'x',
               'SERVER_PORT': '80', 'REMOTE_ADDR': '127.0.0.1', 'REMOTE_PORT': '5',
               'wsgi.input': io.BytesIO(body), 'wsgi.url_scheme': 'http',
               'wsgi.version': (1, 0), 'wsgi.errors': sys.stderr}
    if raw_uri is not None:
        environ[raw_key] = raw_uri
    if body:
        environ['CONTENT_LENGTH'] = str(len(body))
    environ.update(headers or {})
    started = []

    def call():
        result = app(environ, lambda status, headers: started.append((status, headers)))
        try:
            data = b''.join(result)
        finally:
            if hasattr(result, 'close'):
                result.close()
        return started[0][0], started[0][1], data
    return server_thread(call)
