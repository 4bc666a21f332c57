# The built-in asyncio HTTP/1.1 server.
#
# Theory of operation: one task per connection reads requests in order from
# a Connection (a buffered stream that also carries the connection's
# deadline) and writes each response before reading the next, so pipelined
# requests are answered in order. Timeouts cost nothing per request: a single
# watchdog task advances a coarse clock and cancels the task of any connection
# whose deadline has passed. A connection is idle while it waits for the first
# byte of a request; when max_connections is reached the longest-idle one is
# dropped to make room, so idle floods can't lock normal clients out.
import asyncio

from microdot.app import print_exception
from microdot.protocol import reason_phrase, RequestError, response_head
from microdot.request import Request
from microdot.response import Response
from microdot.streams import ConnectionStream

_NO_BODY_STATUS = (204, 304)
_CHUNKED = (('Transfer-Encoding', 'chunked'),)
_CLOSE = (('Connection', 'close'),)
_KEEP_ALIVE = (('Connection', 'keep-alive'),)
# Connection states; a timeout in READING_HEAD or DISPATCHING answers 408.
# UPGRADED: taken over by another protocol (WebSocket), no HTTP deadlines.
IDLE, READING_HEAD, DISPATCHING, WRITING, DISCARDING, UPGRADED = range(6)


# One client connection: its read buffer, state and deadline.
class Connection(ConnectionStream):
    def __init__(self, server, reader, task):
        super().__init__(reader)
        self.server = server
        self.task = task
        self.deadline = None  # server.now value after which it is cancelled
        self.idle_since = None  # server.now when it last became idle
        self.state = IDLE
        self.timed_out = False

    # Hands the connection to another protocol: its reads no longer have a
    # deadline, and the server closes it when the handler returns.
    def upgrade(self):
        self.state = UPGRADED

    async def _more(self):
        if self.state != DISPATCHING and self.state != DISCARDING:
            return await self.reader.read(self.chunk_size)
        server = self.server
        self.deadline = server.now + server.app.body_timeout
        try:
            return await self.reader.read(self.chunk_size)
        finally:
            self.deadline = None


class Server:
    def __init__(self, app):
        self.app = app
        self.connections = []
        self.now = 0.0  # seconds, advanced by the watchdog
        self.listener = None
        self.stopped = None
        self.stopping = False

    async def serve(self, host, port, ssl=None):
        app = self.app
        self.stopped = asyncio.Event()
        self.listener = await asyncio.start_server(
            self._accept, host, port, backlog=app.listen_backlog, ssl=ssl)
        if app.debug:
            print('Starting async server on {}:{}...'.format(host, port))
        watchdog = asyncio.create_task(self._watchdog())
        try:
            await self.stopped.wait()
            # let in-flight responses finish, for a bounded time
            waited = 0
            while self.connections and waited < app.write_timeout:
                await asyncio.sleep(0.05)
                waited += 0.05
            for conn in self.connections:
                conn.task.cancel()
            if self.connections:
                await asyncio.sleep(0)
        finally:
            watchdog.cancel()
            self.listener.close()

    def shutdown(self):
        self.stopping = True
        if self.listener is not None:
            self.listener.close()
        for conn in self.connections:
            if conn.state == IDLE:
                conn.task.cancel()
        if self.stopped is not None:
            self.stopped.set()

    # Advances the clock and cancels connections past their deadline.
    async def _watchdog(self):
        app = self.app
        tick = min(app.keepalive_timeout, app.request_head_timeout,
                   app.body_timeout, app.write_timeout) / 4
        tick = max(0.05, min(0.5, tick))
        while True:
            await asyncio.sleep(tick)
            self.now += tick
            for conn in self.connections:
                if conn.deadline is not None and conn.deadline <= self.now:
                    conn.deadline = None
                    conn.timed_out = True
                    conn.task.cancel()

    async def _accept(self, reader, writer):
        try:
            await self._admit(reader, writer)
        except asyncio.CancelledError:
            pass  # the connection was dropped; the task ends quietly

    async def _admit(self, reader, writer):
        if self.stopping:
            await _close(writer)
            return
        if len(self.connections) >= self.app.max_connections and \
                not self._evict_idle():
            try:
                writer.write(_error_bytes(503, 'Server busy'))
                await writer.drain()
            except Exception:
                pass
            await _close(writer)
            return
        await self.serve_connection(reader, writer)

    # Makes room for a new connection: cancels the one idle the longest, else
    # the one stalled longest on a body read (a trickling upload must not
    # pin a slot); False when every connection is busy otherwise.
    def _evict_idle(self):
        oldest = stalled = None
        for conn in self.connections:
            if conn.state == IDLE:
                if oldest is None or conn.idle_since < oldest.idle_since:
                    oldest = conn
            elif conn.state == DISPATCHING and conn.deadline is not None and (
                    stalled is None or conn.deadline < stalled.deadline):
                stalled = conn
        if oldest is None:
            if stalled is None:
                return False
            oldest = stalled
            oldest.timed_out = True  # it gets a 408
        else:
            oldest.state = DISCARDING  # no longer a candidate
        oldest.deadline = None
        oldest.task.cancel()
        return True

    async def serve_connection(self, reader, writer):
        app = self.app
        conn = Connection(self, reader, asyncio.current_task())
        self.connections.append(conn)
        _set_nodelay(writer)
        try:
            client_addr = writer.get_extra_info('peername')
        except Exception:
            client_addr = None
        scheme = 'https' if app.ssl else 'http'
        timeout = app.request_head_timeout
        try:
            while not self.stopping:
                conn.state = IDLE
                conn.idle_since = self.now
                conn.deadline = self.now + timeout
                if conn.pos >= len(conn.buf) and not await conn._fill():
                    break  # the client closed the connection
                conn.state = READING_HEAD
                conn.deadline = self.now + app.request_head_timeout
                timeout = app.keepalive_timeout
                if not await self._serve_request(conn, writer, client_addr,
                                                 scheme):
                    break
        except asyncio.CancelledError:
            if conn.timed_out and conn.state in (READING_HEAD, DISPATCHING):
                await self._send_error(conn, writer, 408, 'Request timeout')
        except (OSError, EOFError):
            pass  # the client went away
        except Exception as exc:  # e.g. a streamed body failing midway
            print_exception(exc)  # the response can't be a 500 any more
        finally:
            self.connections.remove(conn)
            await _close(writer)

    # Reads, dispatches and answers one request; True to keep the
    # connection open for the next one.
    async def _serve_request(self, conn, writer, client_addr, scheme):
        app = self.app
        try:
            req = await Request.read_head(app, conn, writer, client_addr,
                                          scheme)
            if req is None:
                return False
            if req.http_version == '1.1' and 'host' not in req.headers.keymap:
                raise RequestError(400, 'Missing Host header')
            conn.deadline = None
            conn.state = DISPATCHING  # body reads now have their own deadline
            if req.body_source is not None:
                await req.read_body()
        except RequestError as exc:
            print('{} {}: {}'.format(exc.status_code, exc.reason, client_addr))
            await self._send_error(conn, writer, exc.status_code, exc.reason)
            return False
        res = await app.dispatch_request(req)
        conn.state = WRITING
        if app.debug:
            print('{} {} {}'.format(req.method, req.path, 'upgraded'
                  if res is Response.already_handled else res.status_code))
        if res is Response.already_handled:
            return False
        keep_alive = self._keep_alive(req)
        try:
            keep_alive = await self._write_response(conn, writer, req, res,
                                                    keep_alive)
        except RequestError as exc:  # a header value that would split
            print('{} {}'.format(exc.status_code, exc.reason))
            await self._send_error(conn, writer, exc.status_code, exc.reason)
            return False
        if keep_alive and req.body_source is not None:
            conn.state = DISCARDING
            try:
                keep_alive = await req.body_source.discard(
                    req.max_body_length)
            except RequestError:
                keep_alive = False
        return keep_alive

    def _keep_alive(self, req):
        if self.stopping or self.app.shutdown_requested:
            return False
        name = req.headers.keymap.get('connection')  # parsed by us: a NoCaseDict
        connection = req.headers[name].lower() if name else ''
        if req.http_version == '1.1':
            return 'close' not in connection
        return 'keep-alive' in connection

    # Writes res; returns whether the connection can carry another request.
    async def _write_response(self, conn, writer, req, res, keep_alive):
        status = res.status_code
        no_body = res.is_head or status in _NO_BODY_STATUS or status < 200
        chunked = False
        extra = ()
        if not no_body and not isinstance(res.body, bytes) and \
                'Content-Length' not in res.headers:
            if req.http_version == '1.1':
                chunked = True
                extra = _CHUNKED
            else:
                keep_alive = False  # the body ends when the connection does
        if not keep_alive:
            extra += _CLOSE
        elif req.http_version == '1.0':
            extra += _KEEP_ALIVE
        head = response_head('1.1', status, res.reason or reason_phrase(status),
                             res.headers.items(), extra)
        if isinstance(res.body, bytes):  # the usual case, in one write
            conn.deadline = self.now + self.app.write_timeout
            writer.write(head if no_body else head + res.body)
            await writer.drain()
            conn.deadline = None
            return keep_alive
        it = res.body_iter()
        try:
            if no_body:
                await self._send(conn, writer, head)
            else:
                await self._send(conn, writer, head)
                async for chunk in it:
                    if chunked:
                        chunk = ('%x\r\n' % len(chunk)).encode() + chunk + \
                            b'\r\n'
                    await self._send(conn, writer, chunk)
                if chunked:
                    await self._send(conn, writer, b'0\r\n\r\n')
        finally:
            await it.aclose()
        return keep_alive

    async def _send(self, conn, writer, data):
        conn.deadline = self.now + self.app.write_timeout
        writer.write(data)
        await writer.drain()
        conn.deadline = None

    async def _send_error(self, conn, writer, status, reason):
        try:
            await self._send(conn, writer, _error_bytes(status, reason))
        except Exception:
            pass


def _error_bytes(status, reason):
    body = reason.encode()
    return response_head('1.1', status, reason_phrase(status), (
        ('Content-Type', 'text/plain; charset=UTF-8'),
        ('Content-Length', str(len(body))),
        ('Connection', 'close'))) + body


# Streamed chunks go out at once instead of waiting for the client's delayed
# ACK (Nagle). CPython's asyncio does this itself; MicroPython's stream keeps
# its socket in .s.
def _set_nodelay(writer):
    sock = getattr(writer, 's', None)
    if sock is not None:
        try:
            sock.setsockopt(6, 1, 1)  # IPPROTO_TCP, TCP_NODELAY
        except Exception:
            pass  # not a TCP socket, or a port without the option


async def _close(writer):
    try:
        writer.close()
        await writer.wait_closed()
    except (Exception, asyncio.CancelledError):
        pass  # a late cancel (shutdown, timeout) has nothing left to stop
