"""What the ASGI and WSGI adapters share (CPython only).

Both adapters are thin edges around the core: they turn a scope or an environ into a core
``Request`` (the same ``Request`` class, limits and body loading as the built-in server), call
``app.dispatch_request()``, and carry the ``Response`` head and body chunks back out.  This
module holds the small translations both need: the request target, header encoding, the status
reason, and asking the hosting server to stop.
"""

import inspect
import multiprocessing
import os
import signal
import sys
import threading
from urllib.parse import quote, unquote_to_bytes

from microdot.protocol import RequestError, reason_phrase as standard_reason
from microdot.structures import HTTPException
from microdot.messages import Response
from microdot.structures import NoCaseDict

# Connection-level headers a server manages itself; an application must not pass them on
# (PEP 3333 forbids them outright, ASGI servers frame the body themselves).
HOP_BY_HOP = frozenset((
    'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te',
    'trailer', 'trailers', 'transfer-encoding', 'upgrade',
))

NO_CONTENT_SKIP = HOP_BY_HOP | {'content-type'}

# Characters that stay literal when a decoded path is percent-encoded again.
_PATH_SAFE = "/!$&'()*+,;=:@-._~"


def request_target(raw_path, root_path, path, query_string):
    """The request target (``path?query``) as the client sent it, relative to ``root_path``.

    ``raw_path`` is the undecoded path when the server gives it (ASGI ``raw_path``, gunicorn's
    ``RAW_URI``), else None; ``path`` is the decoded path as latin-1 characters of its bytes;
    ``root_path`` (already decoded) is where the application is mounted.
    """
    target = None
    if raw_path:
        i = raw_path.find('?')
        if i >= 0:
            raw_path = raw_path[:i]
        if root_path:
            prefix = quote(root_path.encode('latin-1'), safe=_PATH_SAFE)
            if raw_path.startswith(prefix):
                raw_path = raw_path[len(prefix):]
            elif raw_path.startswith(root_path):
                raw_path = raw_path[len(root_path):]
            else:
                raw_path = None  # the server rewrote the path: trust the decoded one
        if raw_path is not None and raw_path.startswith('/') and \
                _same_path(raw_path, path):
            target = raw_path
    if target is None:
        target = quote(path.encode('latin-1'), safe=_PATH_SAFE) or '/'
    if query_string:
        target += '?' + query_string
    return target


def _same_path(raw, decoded):
    # does the raw path decode to the server's decoded path? (guards against servers that
    # rewrote one but not the other)
    if '%' not in raw:
        return raw == decoded
    return unquote_to_bytes(raw) == decoded.encode('latin-1')


def add_header(headers, name, value):
    """Adds one request header to a ``NoCaseDict``, merging repeats the way the core does."""
    old = headers.get(name)
    headers[name] = value if old is None else merge_header(name, old, value)


def merge_header(name, old, value):
    """The value of a request header that came twice: ``old`` and ``value`` joined (a
    ``RequestError(400)`` for two different Content-Length or Host values)."""
    lower = name.lower()
    if lower == 'content-length' or lower == 'host':
        if old != value:
            raise RequestError(400, 'Conflicting ' + name)
        return old
    if lower == 'cookie':
        return old + '; ' + value
    return old + ', ' + value


def latin1(value):
    """A header value as a latin-1 string whose characters are the bytes to send (UTF-8 for
    characters outside latin-1)."""
    try:
        value.encode('latin-1')
        return value
    except UnicodeEncodeError:
        return value.encode('utf-8').decode('latin-1')


def header_list(response):
    """The response's headers as ``(name, value)`` latin-1 strings, hop-by-hop ones left out.
    Raises ``RequestError(400)`` when a value holds CR or LF."""
    status = response.status_code
    # (a response that has no content has no content type)
    skip = NO_CONTENT_SKIP if status < 200 or status == 204 or status == 304 else HOP_BY_HOP
    headers = [item for item in response.header_items() if item[0].lower() not in skip]
    if not ''.join([value for _, value in headers]).isascii():
        headers = [(name, latin1(value)) for name, value in headers]
    return headers


def header_bytes(response):
    """``header_list()`` as ``(name, value)`` bytes pairs, the way ASGI sends them."""
    status = response.status_code
    skip = NO_CONTENT_SKIP if status < 200 or status == 204 or status == 304 else HOP_BY_HOP
    items = response.header_items()
    try:
        return [(name.encode('latin-1'), value.encode('latin-1')) for name, value in items
                if name.lower() not in skip]
    except UnicodeEncodeError:  # a value beyond latin-1 goes out as UTF-8
        return [(name.encode('latin-1'), latin1(value).encode('latin-1'))
                for name, value in items if name.lower() not in skip]


def reason_phrase(response):
    return response.reason or standard_reason(response.status_code)


class NoUpgrade:
    """``request.sock`` where the connection cannot be taken over (an ASGI ``http`` scope, a
    WSGI server without a raw socket): a WebSocket route answers 400 instead of failing."""

    async def websocket_upgrade(self, request):
        raise HTTPException(400, 'Bad WebSocket handshake')


NO_UPGRADE = NoUpgrade()


class AsyncGeneratorBody:
    """An async generator body whose ``aclose()`` is a coroutine, so the core's body iterator
    awaits it and the generator is closed at once (its ``finally`` runs) when the client
    leaves; a bare async generator's ``aclose()`` returns an awaitable that is no coroutine."""

    def __init__(self, agen):
        self.agen = agen

    def __aiter__(self):
        return self

    def __anext__(self):
        return self.agen.__anext__()

    async def aclose(self):
        await self.agen.aclose()


def body_chunks(response):
    """``response.body_iter()``, with async generator bodies made closable."""
    if inspect.isasyncgen(response.body):
        response.body = AsyncGeneratorBody(response.body)
    return response.body_iter()


def error_response(exc):
    """The response for a request the adapter could not even build (bad header, ambiguous
    framing, short body). The connection should not carry another request after it:
    ``close_connection`` asks servers that let the application say so (ASGI) to close it."""
    response = Response(exc.reason, exc.status_code)
    response.complete()
    response.close_connection = True
    return response


class ShutdownSignal:
    """``app.shutdown()`` under a server: SIGTERM (every server's graceful-stop signal) to the
    hosting server process, sent once the request that asked has been answered (at once when
    no request is in flight)."""

    def __init__(self):
        self.in_flight = 0
        self.lock = threading.Lock()
        self.requested = False
        self.sent = False
        self.pid = None  # None: hosting_server_pid()

    # The flag is set before the count is read, and a request's end lowers the count
    # before it reads the flag: one of the two sees the other, so the signal goes out even
    # where the count is kept without the lock (ASGI: one thread).
    def request(self):
        with self.lock:
            self.requested = True
            idle = self.in_flight == 0
        if idle:
            self.send()

    def begin(self):
        with self.lock:
            self.in_flight += 1

    def end(self):
        with self.lock:
            self.in_flight -= 1
            due = self.requested
        if due:
            self.send()

    # Sends SIGTERM, once.
    def send(self):
        with self.lock:
            if self.sent:
                return
            self.sent = True
        os.kill(self.pid or hosting_server_pid(), signal.SIGTERM)


def hosting_server_pid():
    """The process that stops the server: gunicorn's arbiter for its workers, the main
    process for servers whose workers are multiprocessing children (hypercorn, uvicorn
    --workers), else this process."""
    if 'gunicorn.workers.base' in sys.modules:
        return os.getppid()
    parent = multiprocessing.parent_process()
    if parent is not None and parent.pid:
        return parent.pid
    return os.getpid()


def new_headers(fields, keymap):
    """A ``NoCaseDict`` of ``fields`` (name as received -> value), ``keymap`` mapping each
    lower-case name to the name as received."""
    return NoCaseDict(fields, keymap)
