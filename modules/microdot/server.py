# The built-in asyncio HTTP/1.1 server.
#
# Theory of operation: one task per connection reads requests in order from
# a Connection (a buffered stream that also carries the connection's
# deadline) and writes each response before reading the next, so pipelined
# requests are answered in order. Timeouts cost nothing per request: a single
# watchdog task advances a coarse clock (an int count of ticks) and cancels
# the task of any connection whose deadline has passed. A connection is idle
# while it waits for the first byte of a request; when max_connections is
# reached the longest-idle one is dropped to make room, so idle floods can't
# lock normal clients out.
#
# A full heap is load, not death: on MicroPython the server accepts
# connections in a task of its own that survives a MemoryError (the accept
# task of asyncio.start_server() ends for good on the first one). A
# MemoryError before a response's first byte is answered with a 503 built
# at import; files are sent through a pooled buffer straight to the socket,
# allocating nothing, so a response under way is never cut off by the heap.
import asyncio
import gc

from microdot.app import print_exception
from microdot.protocol import reason_phrase, RequestError, response_head
from microdot.request import Request
from microdot.response import Response
from microdot.streams import ConnectionStream

try:  # MicroPython: sockets are waited on through the scheduler's poller
    from asyncio import core  # pyright: ignore[reportAttributeAccessIssue]
    core._io_queue
except (ImportError, AttributeError):  # CPython: asyncio streams as usual
    core = None

_NO_BODY_STATUS = (204, 304)
_CHUNKED = (('Transfer-Encoding', 'chunked'),)
_CLOSE = (('Connection', 'close'),)
_KEEP_ALIVE = (('Connection', 'keep-alive'),)
# Sent when the heap can't start a response; a constant allocates nothing.
_BUSY = b'HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n' \
    b'Content-Type: text/plain; charset=UTF-8\r\nContent-Length: 11\r\n' \
    b'Connection: close\r\n\r\nServer busy'
_SPARE_BUFFERS = 2  # file buffers kept for reuse, so the heap doesn't fragment
# Connection states; a timeout in READING_HEAD or DISPATCHING answers 408.
# WRITING: the response's first byte may be out, so no 503 can follow.
# UPGRADED: taken over by another protocol (WebSocket), no HTTP deadlines.
IDLE, READING_HEAD, DISPATCHING, DISCARDING, WRITING, UPGRADED = range(6)
_STOP = StopIteration()  # ends each wait of Connection.__next__


# One client connection: its read buffer, state and deadline.
class Connection(ConnectionStream):
    def __init__(self, server, reader, writer, task):
        super().__init__(reader)
        self.server = server
        self.writer = writer
        # MicroPython: the socket, written directly without allocating
        self.sock = getattr(writer, 's', None) if core else None
        self.task = task
        self.deadline = None  # server.now value after which it is cancelled
        self.idle_since = 0  # server.now when it last became idle
        self.state = IDLE
        self.timed_out = False
        self.waiting = False
        self.writing = False

    # Hands the connection to another protocol: its reads no longer have a
    # deadline, and the server closes it when the handler returns.
    def upgrade(self):
        self.state = UPGRADED

    async def _more(self):
        if self.state != DISPATCHING and self.state != DISCARDING:
            return await self._read()
        server = self.server
        self.deadline = server.now + server.body_ticks
        try:
            return await self._read()
        finally:
            self.deadline = None

    async def _read(self):
        sock = self.sock
        if sock is None:
            return await self.reader.read(self.chunk_size)
        while True:  # MicroPython: read what is there, else wait for it
            data = sock.read(self.chunk_size)
            if data is not None:
                return data
            self.writing = False
            await self

    # `await conn` (MicroPython) parks the task until the socket can take
    # more bytes (conn.writing) or has some to read; the connection is its
    # own awaitable, so nothing is allocated per wait.
    def __iter__(self):
        return self

    def __next__(self):
        if self.waiting:
            self.waiting = False
            _STOP.__traceback__ = None
            raise _STOP
        if self.writing:
            core._io_queue.queue_write(self.sock)
        else:
            core._io_queue.queue_read(self.sock)
        self.waiting = True


class Server:
    def __init__(self, app):
        self.app = app
        self.connections = []
        self.now = 0  # watchdog ticks since the start
        self.listener = None
        self.stopped = None
        self.stopping = False
        self.buffers = []  # spare file buffers
        self.tick = max(0.05, min(0.5, min(
            app.keepalive_timeout, app.request_head_timeout,
            app.body_timeout, app.write_timeout) / 4))  # seconds per tick
        self.keepalive_ticks = self._ticks(app.keepalive_timeout)
        self.head_ticks = self._ticks(app.request_head_timeout)
        self.body_ticks = self._ticks(app.body_timeout)
        self.write_ticks = self._ticks(app.write_timeout)

    def _ticks(self, seconds):
        return int(seconds / self.tick + 0.999)

    async def serve(self, host, port, ssl=None):
        app = self.app
        self.stopped = asyncio.Event()
        if core is None:
            self.listener = await asyncio.start_server(
                self._accept, host, port, backlog=app.listen_backlog,
                ssl=ssl)
        else:
            self.listener = _Listener(self, host, port, ssl)
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
        while True:
            try:
                await asyncio.sleep(self.tick)
            except MemoryError:  # the clock must go on: retry soon
                gc.collect()
                await asyncio.sleep(0)
                continue
            self.now += 1
            for conn in self.connections:
                if conn.deadline is not None and conn.deadline <= self.now:
                    conn.deadline = None
                    conn.timed_out = True
                    conn.task.cancel()

    # A new connection: served if there is room; never raises, so no task
    # ends with an exception nobody retrieves.
    async def _accept(self, reader, writer):
        try:
            if self.stopping:
                return _close(writer)
            if len(self.connections) >= self.app.max_connections and \
                    not self._evict_idle():
                _write_now(writer, _BUSY)
                return _close(writer)
            await self.serve_connection(reader, writer)
        except (Exception, asyncio.CancelledError):  # no heap to start
            gc.collect()
            _close(writer)

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
        conn = Connection(self, reader, writer, asyncio.current_task())
        self.connections.append(conn)
        try:
            _set_nodelay(conn.sock)
            try:
                client_addr = writer.get_extra_info('peername')
            except Exception:
                client_addr = None
            scheme = 'https' if self.app.ssl else 'http'
            timeout = self.head_ticks
            while not self.stopping:
                conn.state = IDLE
                conn.idle_since = self.now
                conn.deadline = self.now + timeout
                if conn.pos >= len(conn.buf) and not await self._wait_request(
                        conn):
                    break  # the client closed the connection
                conn.state = READING_HEAD
                conn.deadline = self.now + self.head_ticks
                timeout = self.keepalive_ticks
                if not await self._serve_request(conn, client_addr, scheme):
                    break
        except asyncio.CancelledError:
            if conn.timed_out and conn.state in (READING_HEAD, DISPATCHING):
                await self._send_error(conn, 408, 'Request timeout')
        except MemoryError:
            gc.collect()
            if conn.state < WRITING:  # nothing of a response is out yet
                _write_now(writer, _BUSY)
            self._log_memory_error()
        except (OSError, EOFError):
            pass  # the client went away
        except Exception as exc:  # e.g. a streamed body failing midway
            print_exception(exc)  # the response can't be a 500 any more
        finally:
            self.connections.remove(conn)
            _close(writer)

    # Waits for the first bytes of the next request; False at the end of
    # the connection. On MicroPython a request starts only with heap_reserve
    # bytes free (after a collection): else it gets a 503 and its connection
    # closes, which gives its heap back to the requests under way.
    async def _wait_request(self, conn):
        if conn.sock is not None:
            conn.writing = False
            await conn
            reserve = self.app.heap_reserve
            if gc.mem_free() < reserve:
                gc.collect()
                if gc.mem_free() < reserve:
                    raise MemoryError
        return await conn._fill()

    def _log_memory_error(self):
        if self.app.debug:
            try:
                print('503 out of memory')
            except MemoryError:
                pass

    # Reads, dispatches and answers one request; True to keep the
    # connection open for the next one.
    async def _serve_request(self, conn, client_addr, scheme):
        app = self.app
        try:
            req = await Request.read_head(app, conn, conn.writer, client_addr,
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
            if app.debug:
                print('{} {}: {}'.format(exc.status_code, exc.reason,
                                         client_addr))
            await self._send_error(conn, exc.status_code, exc.reason)
            return False
        res = await app.dispatch_request(req)
        if app.debug:
            print('{} {} {}'.format(req.method, req.path, 'upgraded'
                  if res is Response.already_handled else res.status_code))
        if res is Response.already_handled:
            return False
        keep_alive = self._keep_alive(req)
        try:
            keep_alive = await self._write_response(conn, req, res,
                                                    keep_alive)
        except RequestError as exc:  # a header value that would split
            if app.debug:
                print('{} {}'.format(exc.status_code, exc.reason))
            await self._send_error(conn, exc.status_code, exc.reason)
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
    async def _write_response(self, conn, req, res, keep_alive):
        status = res.status_code
        body = res.body
        no_body = res.is_head or status in _NO_BODY_STATUS or status < 200
        chunked = False
        extra = ()
        if not no_body and not isinstance(body, bytes) and \
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
        if isinstance(body, bytes):  # the usual case
            if no_body or not body:
                data = head
            elif conn.sock is None or len(body) < 1024:
                data = head + body  # one write
            else:
                data = None  # no copy of a large body
            await self._send(conn, head if data is None else data)
            if data is None:
                await self._send(conn, body)
            return keep_alive
        if conn.sock is not None and not chunked and \
                hasattr(body, 'readinto'):
            await self._send_file(conn, head, body, no_body)
            return keep_alive
        it = res.body_iter()
        try:
            await self._send(conn, head)
            if not no_body:
                async for chunk in it:
                    if chunked:
                        chunk = ('%x\r\n' % len(chunk)).encode() + chunk + \
                            b'\r\n'
                    await self._send(conn, chunk)
                if chunked:
                    await self._send(conn, b'0\r\n\r\n')
        finally:
            await it.aclose()
        return keep_alive

    # MicroPython: sends head, then the file f through a pooled buffer
    # straight to the socket, so no chunk allocates anything.
    async def _send_file(self, conn, head, f, no_body):
        try:
            buffers = self.buffers
            buf = buffers.pop() if buffers else \
                bytearray(Response.send_file_buffer_size)
            await self._send(conn, head)
            sock = conn.sock
            while not no_body:
                n = f.readinto(buf)
                if not n:
                    break
                conn.deadline = self.now + self.write_ticks
                sent = 0
                while sent < n:
                    done = sock.write(buf, sent, n - sent)
                    if done:
                        sent += done
                    else:
                        conn.writing = True
                        await conn
                conn.deadline = None
            if len(buffers) < _SPARE_BUFFERS:
                buffers.append(buf)
        finally:
            f.close()

    async def _send(self, conn, data):
        conn.state = WRITING
        conn.deadline = self.now + self.write_ticks
        sock = conn.sock
        if sock is None:
            conn.writer.write(data)
            await conn.writer.drain()
        else:
            sent = 0
            n = len(data)
            while sent < n:
                done = sock.write(data, sent, n - sent)
                if done:
                    sent += done
                else:
                    conn.writing = True
                    await conn
        conn.deadline = None

    async def _send_error(self, conn, status, reason):
        try:
            await self._send(conn, _error_bytes(status, reason))
        except Exception:
            pass


def _error_bytes(status, reason):
    body = reason.encode()
    return response_head('1.1', status, reason_phrase(status), (
        ('Content-Type', 'text/plain; charset=UTF-8'),
        ('Content-Length', str(len(body))),
        ('Connection', 'close'))) + body


# MicroPython: accepts connections in a task of its own; a MemoryError or a
# failed accept drops that one connection and the listener goes on.
class _Listener:
    def __init__(self, server, host, port, ssl):
        import socket
        info = socket.getaddrinfo(host, port)[0]
        sock = socket.socket(info[0])
        sock.setblocking(False)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(info[-1])
        sock.listen(server.app.listen_backlog)
        self.sock = sock
        self.task = asyncio.create_task(self._run(server, sock, ssl))

    def close(self):
        self.task.cancel()
        self.sock.close()  # also when the task never got to run

    # A generator, so that it can wait on the socket like asyncio's streams.
    def _run(self, server, sock, ssl):
        stream = asyncio.StreamWriter
        try:
            while True:
                client = None
                try:
                    yield core._io_queue.queue_read(sock)
                    client, addr = sock.accept()
                    if ssl:
                        client = ssl.wrap_socket(
                            client, server_side=True,
                            do_handshake_on_connect=False)
                    client.setblocking(False)
                    s = stream(client, {'peername': addr})
                    asyncio.create_task(server._accept(s, s))
                except Exception as exc:  # MemoryError included
                    if client is not None:
                        _write_now(client, _BUSY)
                        client.close()
                    elif isinstance(exc, MemoryError):
                        _unqueue(sock)
                    gc.collect()
                    yield from asyncio.sleep_ms(10)
        finally:
            sock.close()


# Drops what a failed poller registration may have left for sock.
def _unqueue(sock):
    queue = core._io_queue
    if queue.map.pop(id(sock), None) is not None:
        try:
            queue.poller.unregister(sock)
        except Exception:
            pass


# Writes a short constant without waiting (it fits in the socket's buffer).
def _write_now(writer, data):
    try:
        writer.write(data)
    except Exception:
        pass


# Streamed chunks go out at once instead of waiting for the client's delayed
# ACK (Nagle). CPython's asyncio does this itself.
def _set_nodelay(sock):
    if sock is not None:
        try:
            sock.setsockopt(6, 1, 1)  # IPPROTO_TCP, TCP_NODELAY
        except Exception:
            pass  # not a TCP socket, or a port without the option


# Closes a connection at once (MicroPython's stream closes its socket only
# in wait_closed()).
def _close(writer):
    try:
        writer.close()
        sock = getattr(writer, 's', None)
        if sock is not None:
            sock.close()
    except Exception:
        pass
