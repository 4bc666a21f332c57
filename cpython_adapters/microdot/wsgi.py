"""WSGI adapter: run a Microdot application under gunicorn, uWSGI, wsgiref, ...

Theory of operation
-------------------
``Microdot`` here is the core application class plus ``__call__(environ, start_response)``.
The core is asynchronous, so each server thread gets its own asyncio event loop, created on
its first request and reused after that (never shared between threads, so threaded workers
such as gunicorn's ``gthread`` are safe).  Each call into the core becomes a task on that
loop, and the loop makes one pass (``loop.stop()``, then ``run_forever()``), in which the
task takes its first step: most requests never wait for anything, so that pass finishes
them, with no system call (see ``OnePassSelector``).  Only a task that waits (for a socket, a
timer, another task) keeps the loop running until it is done.  Public asyncio only.  The
loop's default executor runs sync handlers inline: the server thread is already the place
where blocking work belongs.

The environ becomes a core ``Request`` through the builder both adapters share
(``_adapters.build_request()``; routes match ``SCRIPT_NAME + PATH_INFO``, or ``PATH_INFO``
alone with ``mount_relative``), and its body is loaded through ``Request.load_body()`` from a
``BufferedStream`` over ``wsgi.input``: at most ``CONTENT_LENGTH`` bytes, fewer is a 400;
with no Content-Length the input is read to its end only when the server says that is safe
(``wsgi.input_terminated``, e.g. chunked uploads under gunicorn); under uWSGI a chunked
body is read with uWSGI's chunked input API.  The response body is
returned as an iterable that advances the core's async body iterator one chunk at a time on
the thread's loop, so async handlers, async generators and SSE all work; the server's
``close()`` of that iterable closes the user's generator.

WebSocket needs the raw connection: under gunicorn (``gunicorn.socket``) ``request.sock`` is
a stream/writer pair over that socket and ``microdot.websocket`` runs on it unchanged.
"""

import asyncio
import os  # noqa: F401 (microdot.wsgi.os.kill: where the stop signal goes out, as in 2.x)
import selectors
import socket
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from microdot import *  # noqa: F401,F403 (this module re-exports the core names)
from microdot import AsyncBytesIO  # noqa: F401 (the core loads it on first use: * misses it)
from microdot import Microdot as BaseMicrodot
from microdot import Response
from microdot.protocol import RequestError
from microdot.streams import BufferedStream

from microdot._adapters import NO_UPGRADE, AdapterBody, ShutdownSignal, body_chunks, \
    build_request, error_response, header_list, load_body, reason_phrase, refusal

try:
    from microdot.websocket import WebSocket, WebSocketError, websocket_upgrade, \
        with_websocket  # noqa: F401 (re-exported: they work behind gunicorn)
except ImportError:  # a build without the WebSocket extension
    pass


#### one event loop per thread

class InlineExecutor(ThreadPoolExecutor):
    """The thread loop's default executor: it runs each call at once, in the calling thread
    (the server's worker thread, the place for blocking work under WSGI; it starts no
    thread of its own).

    Called from ``run_in_executor()`` on the running loop, as the core does for sync
    handlers, it gives back an asyncio future of that loop that is already done, which
    ``run_in_executor()`` returns as it is (asyncio futures pass through ``wrap_future()``):
    the handler's caller goes on at once.  A ``concurrent.futures.Future`` would come back
    through a thread-safe callback, a few passes of the loop later."""

    def __init__(self):
        super().__init__(max_workers=1)

    def submit(self, fn, /, *args, **kwargs):
        try:
            future = asyncio.get_running_loop().create_future()
        except RuntimeError:  # not called from the loop: a plain concurrent future
            future = Future()
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:
            future.set_exception(exc)
        else:
            future.set_result(result)
        return future


class OnePassSelector(selectors.DefaultSelector):
    """The thread loop's selector.  A poll that may not wait (timeout 0) with nothing
    registered but the loop's own wake-up socket is answered without a system call: that
    socket only wakes a loop that waits (a thread-safe callback is queued already).  The
    system call would let go of the GIL in every pass, which under a threaded server
    (gunicorn ``gthread``, uWSGI ``--threads``) hands the interpreter to another thread in
    the middle of each request.  A poll that may wait, or that watches other sockets (a
    WebSocket's), is made as usual."""

    def __init__(self):
        super().__init__()
        self.registered = self.get_map()  # (a live view of what is registered)

    def select(self, timeout=None):
        if timeout is not None and timeout <= 0 and len(self.registered) <= 1:
            return []
        return super().select(timeout)


_local = threading.local()


def thread_loop():
    """This thread's event loop (created on first use)."""
    loop = getattr(_local, 'loop', None)
    if loop is None or loop.is_closed():
        loop = asyncio.SelectorEventLoop(OnePassSelector())
        loop.set_default_executor(InlineExecutor())
        asyncio.set_event_loop(loop)
        _local.loop = loop
    return loop


def run_on_thread_loop(coro):
    """Runs a coroutine to its end on this thread's loop and returns its result."""
    loop = thread_loop()
    task = loop.create_task(coro)
    # stop() before run_forever(): the loop makes one pass, running the callbacks already
    # queued, the task's first step among them
    loop.stop()
    loop.run_forever()
    if not task.done():  # it waits for something: run the loop until the task is done
        return loop.run_until_complete(task)
    return task.result()


#### request body and raw socket

class WSGIBodyStream(AdapterBody):
    """The request body from ``wsgi.input``: ``length`` bytes (fewer is a 400), or up to the
    end of the input when ``length`` is None (only where the server terminates the input)."""

    def __init__(self, wsgi_input, length):
        super().__init__()
        self.input = wsgi_input
        self.remaining = length

    async def read_chunk(self):
        if self.input is None:
            return b''
        try:
            if self.remaining is None:
                return self.input.read(self.chunk_size)
            if self.remaining <= 0:
                return b''
            data = self.input.read(min(self.remaining, self.chunk_size))
        except OSError:  # (uWSGI's input raises it when the client ends the body early)
            data = b''
        if not data:
            self.remaining = 0
            raise RequestError(400, 'Incomplete body')
        self.remaining -= len(data)
        return data


class UWSGIChunkedBody(AdapterBody):
    """A chunked request body under uWSGI, which does not terminate ``wsgi.input``: read
    with its chunked input API (``uwsgi.chunked_read()``, ``b''`` after the last chunk)."""

    def __init__(self, chunked_read):
        super().__init__()
        self.chunked_read = chunked_read

    async def read_chunk(self):
        try:
            return self.chunked_read()
        except OSError:  # uWSGI's error for a malformed chunk or a client that stalled
            raise RequestError(400, 'Incomplete body')


def _body_source(request, environ):
    # where the body of a request with a body to load comes from
    if 'Content-Length' in request.headers:
        return WSGIBodyStream(environ.get('wsgi.input'), request.content_length)
    if environ.get('wsgi.input_terminated'):  # e.g. a chunked upload under gunicorn
        return WSGIBodyStream(environ.get('wsgi.input'), None)
    uwsgi = sys.modules.get('uwsgi')
    if uwsgi is not None and hasattr(uwsgi, 'chunked_read') and \
            request.headers.get('Transfer-Encoding', '').lower() == 'chunked':
        return UWSGIChunkedBody(uwsgi.chunked_read)
    return WSGIBodyStream(environ.get('wsgi.input'), 0)  # not to be read past its end


class SocketStream(BufferedStream):
    """The bytes of the raw client socket, read on the thread's loop."""

    def __init__(self, sock):
        super().__init__()
        self.sock = sock

    async def _more(self):
        try:
            return await asyncio.get_running_loop().sock_recv(self.sock, 4096)
        except OSError:
            return b''


class SocketWriter:
    """An asyncio-writer-like object (``write``, ``drain``, ``close``) over the raw socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = []
        self.closed = False

    def write(self, data):
        self.buffer.append(bytes(data))

    async def drain(self):
        data, self.buffer = b''.join(self.buffer), []
        if data:
            await asyncio.get_running_loop().sock_sendall(self.sock, data)

    def close(self):
        self.closed = True

    def is_closing(self):
        return self.closed

    async def wait_closed(self):
        pass

    def get_extra_info(self, name, default=None):
        if name == 'peername':
            try:
                return self.sock.getpeername()
            except OSError:
                return default
        return default


#### the response body as a WSGI iterable

class WSGIBody:
    """The WSGI response iterable: advances the async body iterator on the thread's loop
    (or hands out ``ready`` chunks); ``on_close`` runs when the server closes it."""

    def __init__(self, chunks, ready=(), on_close=None):
        self.chunks = chunks
        self.ready = list(ready)
        self.on_close = on_close

    def __iter__(self):
        return self

    def __next__(self):
        if self.ready:
            return self.ready.pop(0)
        if self.chunks is None:
            raise StopIteration
        chunk = run_on_thread_loop(_next_chunk(self.chunks))
        if chunk is None:  # the end: the iterator is closed already
            self.chunks = None
            self.close()
            raise StopIteration
        return chunk

    def close(self):
        chunks, self.chunks = self.chunks, None
        try:
            if chunks is not None:
                run_on_thread_loop(chunks.aclose())
        finally:
            on_close, self.on_close = self.on_close, None
            if on_close is not None:
                on_close()


async def _next_chunk(chunks):
    # the next chunk, or None once the body has ended and its iterator is closed (one pass
    # of the loop for both)
    try:
        return await chunks.__anext__()
    except StopAsyncIteration:
        await chunks.aclose()
        return None


_header_names = {}  # environ key -> header name, for the names seen so far


def _header_name(key):
    # HTTP_X_FORWARDED_FOR -> X-Forwarded-For
    name = _header_names.get(key)
    if name is None:
        name = '-'.join(part.capitalize() for part in key[5:].split('_'))
        if len(_header_names) < 256:
            _header_names[key] = name
    return name


def _header_pairs(environ):
    # the request headers in an environ, as (name, value) pairs
    pairs = [(_header_name(key), environ[key]) for key in environ
             if key[:1] == 'H' and key[:5] == 'HTTP_']  # (a 1-char slice allocates nothing)
    ctype = environ.get('CONTENT_TYPE')
    if ctype:
        pairs.append(('Content-Type', ctype))
    length = environ.get('CONTENT_LENGTH')
    if length:
        pairs.append(('Content-Length', length))
    return pairs


class Microdot(BaseMicrodot):
    """A Microdot application that is also a WSGI application."""

    # Routes match SCRIPT_NAME + PATH_INFO, the whole path. True: they match PATH_INFO, the
    # path relative to where the server mounted the application.
    mount_relative = False

    def __init__(self, mount_relative=None):
        super().__init__()
        if mount_relative is not None:
            self.mount_relative = mount_relative
        self.shutdown_signal = ShutdownSignal()

    # Asks the hosting server to stop once the current response has been sent (see
    # _adapters.stop_hosting_server()).
    def shutdown(self):
        self.shutdown_requested = True
        self.shutdown_signal.request()

    def wsgi_request(self, environ):
        """``(request, body_pending)``: the core ``Request`` for a WSGI environ, and
        whether its body is still to be loaded (it is not for an HTTP/1.x request without
        Content-Length or Transfer-Encoding: ``request.body`` is then ``b''``)."""
        script = environ.get('SCRIPT_NAME', '')
        path = script + environ.get('PATH_INFO', '') or '/'
        protocol = environ.get('SERVER_PROTOCOL') or 'HTTP/1.1'
        addr = environ.get('REMOTE_ADDR')
        client_addr = None
        if addr:
            port = environ.get('REMOTE_PORT')
            client_addr = (addr, int(port)) if port and port.isdigit() else (addr, 0)
        sock = NO_UPGRADE
        raw_socket = environ.get('gunicorn.socket')
        if raw_socket is not None and 'HTTP_UPGRADE' in environ and protocol == 'HTTP/1.1':
            sock = (SocketStream(raw_socket), SocketWriter(raw_socket))
        request, body_pending = build_request(
            self, environ.get('REQUEST_METHOD', 'GET'), path,
            environ.get('RAW_URI') or environ.get('REQUEST_URI'),
            environ.get('QUERY_STRING', ''), script, protocol, _header_pairs(environ),
            client_addr, environ.get('wsgi.url_scheme', 'http'), sock,
            mount_relative=self.mount_relative)
        request.environ = environ
        return request, body_pending

    async def wsgi_dispatch(self, environ):
        request = None
        try:
            request, body_pending = self.wsgi_request(environ)
            if body_pending:
                await load_body(request, _body_source(request, environ))
        except RequestError as exc:
            return await refusal(self, request, exc)
        except EOFError:
            return await refusal(self, request, RequestError(400, 'Incomplete body'))
        if request.sock is NO_UPGRADE:
            return await self.dispatch_request(request)
        raw_socket = environ['gunicorn.socket']
        blocking = raw_socket.getblocking()
        raw_socket.setblocking(False)
        try:
            return await self.dispatch_request(request)
        finally:
            raw_socket.setblocking(blocking)

    def __call__(self, environ, start_response):
        signal = self.shutdown_signal
        signal.begin()
        try:
            body = self._respond(environ, start_response)
        except BaseException:
            signal.end()
            raise
        if isinstance(body, WSGIBody):
            body.on_close = signal.end
        elif signal.requested:  # stop only once the server has sent this body
            body = WSGIBody(None, body, signal.end)
        else:
            signal.end()
        return body

    def _respond(self, environ, start_response):
        response = run_on_thread_loop(self.wsgi_dispatch(environ))
        if response is Response.already_handled:
            return self._connection_taken_over(environ, start_response)
        try:
            headers = header_list(response)
        except RequestError as exc:
            run_on_thread_loop(response.body_iter().aclose())
            response = error_response(exc)
            headers = header_list(response)
        status = response.status_code
        if status == 200 and response.reason is None:
            status = '200 OK'
        else:
            status = '%d %s' % (status, reason_phrase(response))
        start_response(status, headers)
        body = response.body
        if isinstance(body, bytes):
            return [body] if body and not response.is_head else []
        if response.is_head:
            run_on_thread_loop(response.body_iter().aclose())
            return []
        return WSGIBody(body_chunks(response))

    @staticmethod
    def _connection_taken_over(environ, start_response):
        # The handler spoke on the raw socket (WebSocket) and has finished with it: shut it
        # down so that the server's own attempt to answer finds a closed connection.
        raw_socket = environ.get('gunicorn.socket')
        if raw_socket is not None:
            try:
                raw_socket.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        start_response('200 OK', [('Content-Length', '0')])
        return []
