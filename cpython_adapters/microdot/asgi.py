"""ASGI 3 adapter: run a Microdot application under uvicorn, hypercorn, granian, ...

Theory of operation
-------------------
``Microdot`` here is the core application class plus ``__call__(scope, receive, send)``.

* ``http``: the scope becomes a core ``Request`` through the builder both adapters share
  (``_adapters.build_request()``: headers decoded as latin-1, routes matched on the scope's
  ``path`` as the server gives it, or relative to ``root_path`` with ``mount_relative``); the
  body is loaded through the core's ``Request.load_body()`` from a ``BufferedStream`` that
  pulls ``http.request`` messages, so the core's limits apply (413 before reading, small
  bodies in ``request.body``, large ones left in ``request.stream``), with or without
  Content-Length.  ``dispatch_request()`` gives a complete ``Response``; its head goes out
  with lower-case header names, its body chunk by chunk while a watcher task waits for
  ``http.disconnect`` and cancels the streaming (closing the user's generator) if it comes.
* ``websocket``: ``request.sock`` is an object whose ``websocket_upgrade(request)`` accepts
  the connection the ASGI way, so ``microdot.websocket.with_websocket`` handlers run
  unchanged; messages travel as ``websocket.receive`` / ``websocket.send`` events.
* ``lifespan``: the ``lifespan_startup`` / ``lifespan_shutdown`` coroutines get the scope;
  an exception is reported as ``lifespan.startup.failed`` (or ``shutdown.failed``).
"""

import asyncio
import os  # noqa: F401 (microdot.asgi.os.kill: where the stop signal goes out, as in 2.x)

from microdot import *  # noqa: F401,F403 (this module re-exports the core names)
from microdot import AsyncBytesIO  # noqa: F401 (the core loads it on first use: * misses it)
from microdot import Microdot as BaseMicrodot
from microdot import Response, invoke_handler
from microdot.protocol import RequestError

from microdot._adapters import NO_UPGRADE, AdapterBody, ShutdownSignal, body_chunks, \
    build_request, error_response, header_bytes, load_body, reason_phrase, refusal

try:
    from microdot.websocket import WebSocket, WebSocketError, websocket_upgrade, \
        with_websocket  # noqa: F401 (re-exported: they work behind this adapter)
except ImportError:  # a build without the WebSocket extension
    WebSocket = WebSocketError = None


class _ClientGone(Exception):
    pass


class ASGIBodyStream(AdapterBody):
    """The request body, from ``http.request`` messages (``b''`` once ``more_body`` is false)."""

    def __init__(self, receive):
        super().__init__()
        self.receive = receive
        self.more_body = True
        self.disconnected = False

    async def read_chunk(self):
        while self.more_body:
            message = await self.receive()
            kind = message['type']
            if kind == 'http.request':
                self.more_body = message.get('more_body', False)
                body = message.get('body', b'')
                if body:
                    return body
            elif kind == 'http.disconnect':
                self.more_body = False
                self.disconnected = True
                raise RequestError(400, 'Incomplete body')
        return b''


class ASGIWebSocket:
    """A WebSocket carried by ASGI ``websocket.*`` events, with ``microdot.websocket``'s API."""

    def __init__(self, request, receive, send):
        self.request = request
        self._receive = receive
        self._send = send
        limit = WebSocket.max_message_length if WebSocket is not None else -1
        self.max_message_length = request.max_body_length if limit < 0 else limit
        self.closed = False
        self.close_code = None
        self.close_reason = ''

    async def receive(self):
        if self.closed:
            raise WebSocketError('WebSocket is closed', self.close_code)
        message = await self._receive()
        if message['type'] == 'websocket.receive':
            data = message.get('text')
            if data is None:
                data = message.get('bytes') or b''
            if self.max_message_length and len(data) > self.max_message_length:
                await self.close(1009)
                raise WebSocketError('Message too big', 1009)
            return data
        self.closed = True
        if self.close_code is None:
            self.close_code = message.get('code', 1005)
            self.close_reason = message.get('reason') or ''
        raise WebSocketError('WebSocket closed by peer', self.close_code)

    async def send(self, data, opcode=None):
        if self.closed:
            raise WebSocketError('WebSocket is closed', self.close_code)
        if opcode is not None and opcode >= 8:
            return  # control frames (ping, pong) are the server's business under ASGI
        if opcode == 2 and isinstance(data, str):
            data = data.encode()
        elif opcode == 1 and isinstance(data, (bytes, bytearray)):
            data = bytes(data).decode()
        key = 'text' if isinstance(data, str) else 'bytes'
        try:
            await self._send({'type': 'websocket.send', key: data})
        except OSError:
            self.closed = True
            self.close_code = 1006
            raise WebSocketError('Connection lost', 1006)

    async def close(self, code=1000, reason=''):
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        try:
            await self._send({'type': 'websocket.close', 'code': code, 'reason': reason})
        except OSError:
            pass


class ASGIWebSocketSock:
    """``request.sock`` in a websocket scope: the upgrade hook ``microdot.websocket`` calls."""

    def __init__(self, receive, send):
        self.receive = receive
        self.send = send
        self.websocket = None

    async def websocket_upgrade(self, request):
        await self.send({'type': 'websocket.accept'})
        self.websocket = ASGIWebSocket(request, self.receive, self.send)
        return self.websocket


class Microdot(BaseMicrodot):
    """A Microdot application that is also an ASGI 3 application."""

    # Routes match the scope's path as the server gives it (with uvicorn's --root-path that
    # includes root_path). True: they are relative to root_path, removed from the path
    # before routing.
    mount_relative = False

    def __init__(self, lifespan_startup=None, lifespan_shutdown=None, mount_relative=None):
        super().__init__()
        self.lifespan_startup = lifespan_startup
        self.lifespan_shutdown = lifespan_shutdown
        if mount_relative is not None:
            self.mount_relative = mount_relative
        self.shutdown_signal = ShutdownSignal()

    async def __call__(self, scope, receive, send):
        kind = scope['type']
        if kind == 'http' or kind == 'websocket':
            signal = self.shutdown_signal
            # only the loop's thread counts requests: no lock needed (shutdown() from
            # another thread sets the flag before it reads the count; see ShutdownSignal)
            signal.in_flight += 1
            try:
                if kind == 'http':
                    await self.asgi_http(scope, receive, send)
                else:
                    await self.asgi_websocket(scope, receive, send)
            finally:
                signal.in_flight -= 1
                if signal.requested:
                    signal.send()
        elif kind == 'lifespan':
            await self.asgi_lifespan(scope, receive, send)
        else:
            raise ValueError('unsupported ASGI scope type: %r' % (kind,))

    # Asks the hosting server to stop (SIGTERM, its graceful shutdown signal) once the
    # current request has been answered.
    def shutdown(self):
        self.shutdown_requested = True
        self.shutdown_signal.request()

    #### lifespan

    async def asgi_lifespan(self, scope, receive, send):
        while True:
            message = await receive()
            kind = message['type']
            if kind == 'lifespan.startup':
                step, hook = 'startup', self.lifespan_startup
            elif kind == 'lifespan.shutdown':
                step, hook = 'shutdown', self.lifespan_shutdown
            else:
                continue
            try:
                if hook is not None:
                    await invoke_handler(hook, scope)
            except Exception as exc:
                # (after a failed startup the server may still send shutdown)
                await send({'type': 'lifespan.%s.failed' % step,
                            'message': repr(exc)})
            else:
                await send({'type': 'lifespan.%s.complete' % step})
            if step == 'shutdown':
                return

    #### requests

    def asgi_request(self, scope, sock):
        """``(request, body_pending)``: the core ``Request`` for an ``http`` or ``websocket``
        scope, and whether its body is still to be loaded.  It is not when the scope cannot
        carry one (a websocket scope, HTTP/1.x without Content-Length or Transfer-Encoding):
        ``request.body`` is then ``b''`` and ``receive()`` is left alone."""
        path = scope['path']
        if not path.isascii():  # the decoded path as latin-1 characters of its UTF-8 bytes
            path = path.encode('utf-8', 'surrogateescape').decode('latin-1')
        mount = scope.get('root_path') or ''
        if not mount.isascii():
            mount = mount.encode('utf-8', 'surrogateescape').decode('latin-1')
        raw_path = scope.get('raw_path')
        query = scope.get('query_string')
        scheme = scope.get('scheme') or 'http'
        if scheme == 'ws':
            scheme = 'http'
        elif scheme == 'wss':
            scheme = 'https'
        client = scope.get('client')
        # optional whitespace around a value is not part of it (some servers keep it)
        headers = [(name.decode('latin-1'), value.decode('latin-1').strip(' \t'))
                   for name, value in scope.get('headers') or ()]
        request, body_pending = build_request(
            self, scope.get('method', 'GET'), path,
            raw_path.decode('latin-1') if raw_path else None,
            query.decode('latin-1') if query else '', mount,
            'HTTP/' + scope.get('http_version', '1.1'), headers,
            tuple(client) if client else None, scheme, sock,
            mount_relative=self.mount_relative, websocket=scope['type'] == 'websocket')
        request.asgi_scope = scope
        return request, body_pending

    async def asgi_http(self, scope, receive, send):
        body = request = None
        try:
            request, body_pending = self.asgi_request(scope, NO_UPGRADE)
            if body_pending:  # a body to take from http.request messages
                body = ASGIBodyStream(receive)
                await load_body(request, body)
        except (RequestError, EOFError) as exc:
            if body is not None and body.disconnected:
                return
            if isinstance(exc, EOFError):  # the body ended before Content-Length bytes
                exc = RequestError(400, 'Incomplete body')
            response = await refusal(self, request, exc)
        else:
            response = await self.dispatch_request(request)
        if response is Response.already_handled:
            return
        try:
            headers = header_bytes(response)
        except RequestError as exc:
            await response.body_iter().aclose()
            response = error_response(exc)
            headers = header_bytes(response)
        if getattr(response, 'close_connection', False):
            headers.append((b'connection', b'close'))
        await send({'type': 'http.response.start', 'status': response.status_code,
                    'headers': headers})
        data = response.body
        if isinstance(data, bytes) or response.is_head:
            # nothing to stream: the body (if any) goes out in one message
            if response.is_head:
                if not isinstance(data, bytes):
                    await response.body_iter().aclose()
                data = b''
            await send({'type': 'http.response.body', 'body': data, 'more_body': False})
            return
        await self.asgi_stream_body(response, body or ASGIBodyStream(receive), receive, send)

    async def asgi_stream_body(self, response, body, receive, send):
        chunks = body_chunks(response)
        streamer = asyncio.ensure_future(self._asgi_stream(chunks, send))
        watcher = None
        if not body.disconnected:
            watcher = asyncio.ensure_future(self._asgi_watch_disconnect(body, receive))
            await asyncio.wait((streamer, watcher), return_when=asyncio.FIRST_COMPLETED)
            if not streamer.done():  # the client went away: stop streaming
                streamer.cancel()
            else:
                watcher.cancel()
        try:
            await streamer
        except (asyncio.CancelledError, _ClientGone):
            pass
        finally:
            if watcher is not None and not watcher.done():
                watcher.cancel()

    @staticmethod
    async def _asgi_stream(chunks, send):
        try:
            async for chunk in chunks:
                try:
                    await send({'type': 'http.response.body', 'body': chunk,
                                'more_body': True})
                except OSError:  # servers may raise once the client is gone
                    raise _ClientGone()
            await send({'type': 'http.response.body', 'body': b'', 'more_body': False})
        finally:
            await chunks.aclose()

    @staticmethod
    async def _asgi_watch_disconnect(body, receive):
        # after the handler: wait for http.disconnect, skipping any unread body
        while True:
            message = await receive()
            if message['type'] == 'http.disconnect':
                body.disconnected = True
                return

    async def asgi_websocket(self, scope, receive, send):
        message = await receive()
        if message['type'] != 'websocket.connect':
            return
        sock = ASGIWebSocketSock(receive, send)
        try:
            request = self.asgi_request(scope, sock)[0]  # (no body in a websocket scope)
            response = await self.dispatch_request(request)
        except RequestError as exc:
            response = error_response(exc)
        if sock.websocket is not None:  # accepted: make sure it ends closed
            if not sock.websocket.closed:
                await sock.websocket.close()
            return
        if response is Response.already_handled:
            await send({'type': 'websocket.close', 'code': 1000})
            return
        # the handler answered with a plain response: the upgrade is refused
        if 'websocket.http.response' in (scope.get('extensions') or {}):
            await send({
                'type': 'websocket.http.response.start',
                'status': response.status_code,
                'headers': header_bytes(response),
            })
            chunks = response.body_iter()
            try:
                async for chunk in chunks:
                    await send({'type': 'websocket.http.response.body', 'body': chunk,
                                'more_body': True})
            finally:
                await chunks.aclose()
            await send({'type': 'websocket.http.response.body', 'body': b''})
        else:
            await response.body_iter().aclose()
            await send({'type': 'websocket.close', 'code': 1008,
                        'reason': reason_phrase(response)})

