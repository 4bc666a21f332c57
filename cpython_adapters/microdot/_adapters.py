"""What the ASGI and WSGI adapters share (CPython only).

Theory of operation
-------------------
Both adapters are thin edges around the core.  Each reads its server's description of a
request (an ASGI scope, a WSGI environ) into plain values: method, decoded path, raw path,
query, mount point, protocol, header pairs, client, scheme.  ``build_request()`` turns those
into a core ``Request`` the same way for both: the target the routes see, the headers (repeats
merged as the built-in server merges them), the body framing rules, and whether a body is
still to be read.  Bodies are then loaded by the core's ``Request.load_body()`` from an
``AdapterBody`` (the core's limits apply; a body of unknown length may not grow past
``max_content_length``).  ``dispatch_request()`` gives a complete ``Response``, and this module
also turns its head into what each protocol sends.

Routes match the whole path the server gives (ASGI ``path``, WSGI ``SCRIPT_NAME + PATH_INFO``)
unless the application routes relative to its mount point (``mount_relative``).
"""

import inspect
import multiprocessing
import os
import signal
import sys
import threading
from urllib.parse import quote, unquote_to_bytes

from microdot.bodies import header_items, load_body as load_body_into
from microdot.messages import Request, Response
from microdot.protocol import RequestError, add_field, body_framing, \
    reason_phrase as standard_reason
from microdot.streams import BufferedStream
from microdot.structures import HTTPException, NoCaseDict

# Connection-level headers a server manages itself; an application must not pass them on
# (PEP 3333 forbids them outright, ASGI servers frame the body themselves).
HOP_BY_HOP = frozenset((
    'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te',
    'trailer', 'trailers', 'transfer-encoding', 'upgrade',
))


# Characters that stay literal when a decoded path is percent-encoded again.
_PATH_SAFE = "/!$&'()*+,;=:@-._~"


#### the request

def build_request(app, method, path, raw_path, query, mount, protocol, header_pairs,
                  client_addr, scheme, sock, mount_relative=False, websocket=False):
    """``(request, body_pending)``: the core ``Request`` for one request as a server
    described it, and whether its body is still to be loaded.

    ``path`` is the decoded path (latin-1 characters of its bytes) and ``raw_path`` the path
    as the client sent it when the server gives it (else None); ``mount`` is where the
    application is mounted (ASGI ``root_path``, WSGI ``SCRIPT_NAME``); ``protocol`` is like
    ``'HTTP/1.1'``; ``header_pairs`` yields ``(name, value)`` strings.  The body is not
    pending when the request cannot carry one (a WebSocket handshake, HTTP/1.x without
    Content-Length or Transfer-Encoding): ``request.body`` is then ``b''``.
    """
    fields = {}
    keymap = {}  # lower-case name -> the name as received
    for name, value in header_pairs:
        add_field(fields, keymap, name, value)
    headers = NoCaseDict(fields, keymap)
    version = protocol[5:] if protocol[:5] == 'HTTP/' else '1.1'
    body = None
    if 'content-length' in keymap or 'transfer-encoding' in keymap:
        # the built-in server's framing rules (e.g. Content-Length beside Transfer-Encoding
        # is refused), whatever the server tolerated
        body_framing(headers, version)
    elif websocket or version[:1] == '1':
        body = b''  # (HTTP/2 and later frame a body without either header)
    request = Request(app, client_addr, method,
                      request_target(path, raw_path, query, mount, mount_relative),
                      protocol, headers, body=body, scheme=scheme, sock=sock)
    return request, body is None


def request_target(path, raw_path, query, mount='', mount_relative=False):
    """The request target (``path?query``) the routes see.

    The path is ``path`` (decoded, as latin-1 characters of its bytes), relative to
    ``mount`` when ``mount_relative`` is set, spelled as the client sent it when ``raw_path``
    (which may include the query, and may lack ``mount``: uvicorn gives it as received from a
    proxy that stripped the prefix) decodes to it, else percent-encoded again."""
    if raw_path:
        i = raw_path.find('?')
        if i >= 0:
            raw_path = raw_path[:i]
    if raw_path == path and '%' not in path and not (mount and mount_relative):
        target = path  # the usual case: nothing was decoded or mounted
    else:
        if mount and mount_relative and path.startswith(mount) and \
                path[len(mount):len(mount) + 1] in ('', '/'):
            path = path[len(mount):] or '/'
        target = None
        if raw_path:
            for candidate in _raw_candidates(raw_path, mount, mount_relative):
                if candidate[:1] == '/' and _same_path(candidate, path):
                    target = candidate
                    break
        if target is None:  # the server rewrote the path: trust the decoded one
            target = quote(path.encode('latin-1'), safe=_PATH_SAFE) or '/'
    if query:
        target += '?' + query
    return target


def _raw_candidates(raw_path, mount, mount_relative):
    # the spellings of the raw path that may decode to the routed path
    yield raw_path
    if mount:
        encoded = quote(mount.encode('latin-1'), safe=_PATH_SAFE)
        if not mount_relative:
            yield encoded + raw_path  # the server gave the path without its mount point
        else:
            for prefix in (encoded, mount):
                if raw_path.startswith(prefix):
                    yield raw_path[len(prefix):]


def _same_path(raw, decoded):
    # does the raw path decode to the server's decoded path?
    if '%' not in raw:
        return raw == decoded
    return unquote_to_bytes(raw) == decoded.encode('latin-1')


class AdapterBody(BufferedStream):
    """A request body as a ``BufferedStream`` for ``Request.load_body()``: subclasses give
    ``read_chunk()`` (the next bytes, ``b''`` at the end).  ``limit`` is the most bytes a
    body without Content-Length may have (0: no limit): past it, a 413."""

    chunk_size = 64 * 1024

    def __init__(self):
        super().__init__()
        self.limit = 0
        self.total = 0

    async def read_chunk(self):
        return b''

    async def _more(self):
        data = await self.read_chunk()
        if data and self.limit:
            self.total += len(data)
            if self.total > self.limit:
                raise RequestError(413, 'Payload too large')
        return data


async def load_body(request, body):
    """Loads the request body from ``body`` (an ``AdapterBody``) as the built-in server
    does: small bodies into ``request.body``, larger allowed ones left in
    ``request.stream``, a declared length over ``max_content_length`` answered 413 at
    dispatch, and an undeclared one cut off with a 413 once it grows past it."""
    if 'Content-Length' not in request.headers:
        body.limit = request.max_content_length
    await load_body_into(request, body)


#### the response

def header_list(response):
    """The response's headers as ``(name, value)`` latin-1 strings, hop-by-hop ones left out.
    Raises ``RequestError(400)`` when a value holds CR or LF."""
    headers = [item for item in header_items(response)
               if item[0].lower() not in HOP_BY_HOP]
    if not ''.join([value for _, value in headers]).isascii():
        headers = [(name, latin1(value)) for name, value in headers]
    return headers


_lower_names = {}  # header name -> (lower-case str, its bytes), for the names seen so far


def header_bytes(response):
    """``header_list()`` as ``(name, value)`` bytes pairs, names in lower case as the ASGI
    spec requires."""
    names = _lower_names
    pairs = []
    for name, value in header_items(response):
        lower = names.get(name)
        if lower is None:
            lower = name.lower()
            lower = (lower, lower.encode('latin-1'))
            if len(names) < 256:
                names[name] = lower
        if lower[0] in HOP_BY_HOP:
            continue
        try:
            value = value.encode('latin-1')
        except UnicodeEncodeError:  # a value beyond latin-1 goes out as UTF-8
            value = value.encode('utf-8')
        pairs.append((lower[1], value))
    return pairs


def latin1(value):
    """A header value as a latin-1 string whose characters are the bytes to send (UTF-8 for
    characters outside latin-1)."""
    try:
        value.encode('latin-1')
        return value
    except UnicodeEncodeError:
        return value.encode('utf-8').decode('latin-1')


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
    """The response for a ``RequestError`` answered without the app (a limit, a response
    header that would split). The connection should not carry another request after it:
    ``close_connection`` asks servers that let the application say so (ASGI) to close it."""
    response = Response(exc.reason, exc.status_code)
    response.complete()
    response.close_connection = True
    return response


async def refusal(app, request, exc):
    """The response to a request refused while the adapter read it (bad header, ambiguous
    framing, short body): a 400 goes through the app's ``errorhandler(400)`` and after-error
    hooks (``request`` is ``None`` when none could be formed), as on the built-in server;
    limits are answered without the app."""
    if exc.status_code != 400:
        return error_response(exc)
    response = await app.dispatch_request(request, exc)
    response.close_connection = True
    return response


#### stopping the server

class ShutdownSignal:
    """``app.shutdown()`` under a server: asks the hosting server to stop the way it stops
    gracefully (see ``stop_hosting_server()``), once the request that asked has been
    answered (at once when no request is in flight)."""

    def __init__(self):
        self.in_flight = 0
        self.lock = threading.Lock()
        self.requested = False
        self.sent = False

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

    # Stops the server, once.
    def send(self):
        with self.lock:
            if self.sent:
                return
            self.sent = True
        stop_hosting_server()


def stop_hosting_server():
    """Asks the server this process serves for to stop: uWSGI through its own API (a SIGTERM
    would make its master reload), every other server with SIGTERM, its graceful stop, sent
    to the process that runs it (see ``hosting_server_pid()``)."""
    uwsgi = sys.modules.get('uwsgi')
    if uwsgi is not None and hasattr(uwsgi, 'stop'):
        uwsgi.stop()
        return
    os.kill(hosting_server_pid(), signal.SIGTERM)


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
