# The built-in asyncio HTTP/1.1 server.
#
# Theory of operation: one task per connection reads requests in order from
# a Connection (a buffered stream that also carries the connection's
# deadline) and writes each response before reading the next, so pipelined
# requests are answered in order. Timeouts cost nothing per request: the
# serving loop itself advances a coarse clock (an int count of ticks) and
# cancels the task of any connection whose deadline has passed. A connection
# is idle while it waits for the first byte of a request; when
# max_connections is reached the longest-idle one is dropped to make room, so
# idle floods can't lock normal clients out.
#
# A full heap is load, not death. On MicroPython the server admits
# connections, not requests: its own accept loop (which survives a
# MemoryError, unlike asyncio.start_server()'s) accepts a client only while
# the server holds fewer connections than its capacity. The capacity learns
# what the heap holds: a MemoryError lowers it to the connections that
# fitted, and while clients wait it grows again by one a tick, each step
# only with heap_reserve bytes free. When full, an idle keep-alive
# connection is closed to make room, else the next response ends its
# connection, so waiting clients take turns; a client gets 503 only when no
# room was made for it in a second. Requests on held connections run to
# completion: a MemoryError before a response's first byte gets a 503 built
# at import. Reads, files and small responses go through one scratch buffer
# the connections share (it is never held across a wait), so a fragmented
# heap needs no large block per request and no response is cut off.
import asyncio
import gc

from microdot.messages import Request, Response
from microdot.protocol import LAST_CHUNK, RequestError, check_host, chunk, \
    error_bytes, keep_alive, reason_phrase, response_framing, response_head
from microdot.streams import ConnectionStream, read_request
from microdot.structures import print_exception

try:  # MicroPython: sockets are waited on through the scheduler's poller
    from asyncio import core  # pyright: ignore[reportAttributeAccessIssue]
    core._io_queue
except (ImportError, AttributeError):  # CPython: asyncio streams as usual
    core = None

# Sent when the heap can't start a response; a constant allocates nothing.
_BUSY = b'HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n' \
    b'Content-Type: text/plain; charset=UTF-8\r\nContent-Length: 11\r\n' \
    b'Connection: close\r\n\r\nServer busy'
_EPISODE = 20  # ticks without a MemoryError that end an overload episode
_MAX_WAIT = 2  # ticks a client may wait for room before it gets a 503
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
        self.since = 0  # server.now when its current wait began
        self.state = IDLE
        self.timed_out = False
        self.waiting = False
        self.writing = False

    # Hands the connection to another protocol: its reads no longer have a
    # deadline, and the server closes it when the handler returns.
    def upgrade(self):
        self.state = UPGRADED

    async def _more(self):
        body = self.state == DISPATCHING or self.state == DISCARDING
        if body:  # a body read has a deadline of its own
            self.since = self.server.now
            self.deadline = self.since + self.server.body_ticks
        try:
            sock = self.sock
            if sock is None:
                return await self.reader.read(self.chunk_size)
            # MicroPython: read what is there into the server's scratch
            # buffer and keep just those bytes (no chunk-sized allocation
            # per read, which a fragmented heap may not have), else wait
            scratch = self.server.scratch
            while True:
                n = sock.readinto(scratch, self.chunk_size)
                if n is not None:
                    return bytes(scratch[:n]) if n else b''
                self.writing = False
                await self
        finally:
            if body:
                self.deadline = None

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
        self.now = 0  # clock ticks since the start
        self.listener = None
        self.stopping = False
        # MicroPython: one buffer that every connection reads and sends
        # files through, allocated while the heap is whole; it is never
        # held across a wait, so connections can share it (a memoryview:
        # its slices copy nothing)
        self.scratch = memoryview(bytearray(max(
            Response.send_file_buffer_size, ConnectionStream.chunk_size))) \
            if core else None
        self.episode_until = 0  # clock tick at which the overload ends
        self.capacity = app.max_connections  # connections the heap holds
        self.room_wanted = False  # a client waits: the next response closes
        self.crowded = False  # a client waited for room during this tick
        self.wait_since = None  # clock tick since which a client waits
        self.tick = max(0.05, min(0.5, min(
            app.keepalive_timeout, app.request_head_timeout,
            app.body_timeout, app.write_timeout) / 4))  # seconds per tick
        self.keepalive_ticks = self._ticks(app.keepalive_timeout)
        self.head_ticks = self._ticks(app.request_head_timeout)
        self.body_ticks = self._ticks(app.body_timeout)
        self.write_ticks = self._ticks(app.write_timeout)

    def _ticks(self, seconds):
        return int(seconds / self.tick + 0.999)

    # Makes the listening socket; with start_serving=False (CPython only) it
    # takes no connection until serve_forever().
    async def open(self, host, port, ssl=None, start_serving=True):
        app = self.app
        if core is None:
            self.listener = await asyncio.start_server(
                self._accept, host, port, backlog=app.listen_backlog,
                ssl=ssl, start_serving=start_serving)
        elif not start_serving:
            raise ValueError('start_serving=False needs CPython\'s asyncio')
        else:
            self.listener = _Listener(self, host, port, ssl)
        if app.debug:
            print('Starting async server on {}:{}...'.format(host, port))

    # What start_server(start_serving=False) returns is this server: this
    # starts it, and returns once it has stopped.
    async def serve_forever(self):
        await self.listener.start_serving()
        try:
            await self.run()
        finally:
            self.app.server = None

    # Serves until shutdown(), then lets in-flight responses finish, for a
    # bounded time.
    async def run(self):
        app = self.app
        try:
            await self._watch()
            waited = 0
            while self.connections and waited < app.write_timeout:
                await asyncio.sleep(0.05)
                waited += 0.05
            for conn in self.connections:
                conn.task.cancel()
            if self.connections:
                await asyncio.sleep(0)
        finally:
            self.listener.close()

    def shutdown(self):
        self.stopping = True
        if self.listener is not None:
            self.listener.close()
        for conn in self.connections:
            if conn.state == IDLE:
                conn.task.cancel()

    # Until shutdown(): the clock, a tick at a time (one loop, no task or
    # event of its own: each would cost heap).
    async def _watch(self):
        while not self.stopping:
            try:
                await asyncio.sleep(self.tick)
            except MemoryError:  # the clock must go on: retry soon
                gc.collect()
                await asyncio.sleep(0)
                continue
            self._tick()

    # One tick: the capacity grows by one if a client waited for room (the
    # heap is checked when it is used), and the connections past their
    # deadline are cancelled.
    def _tick(self):
        self.now += 1
        if self.crowded and self.capacity < self.app.max_connections:
            self.capacity += 1
        self.crowded = False
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
        except MemoryError:  # no heap to start serving it
            _write_now(writer, _BUSY)
            self._shed(0)
            _close(writer)
        except (Exception, asyncio.CancelledError):
            _close(writer)

    # MicroPython: what the listener does with a waiting client. 1: serve
    # it; 0: leave it in the backlog a while (room is being made); -1:
    # accept it to answer 503 (no room came for it in _MAX_WAIT ticks).
    # Over a capacity lowered by a MemoryError, a connection is admitted
    # only with heap_reserve bytes free; else the capacity is what is held.
    def admission(self, tls):
        n = len(self.connections)
        limit = self.capacity
        if tls and limit > self.app.max_tls_connections:
            limit = self.app.max_tls_connections
        if n < limit:
            if n == 0 or self.capacity >= self.app.max_connections or \
                    _heap_free(self.app.heap_reserve):
                self.room_wanted = False
                self.wait_since = None
                return 1
            self.capacity = n
        self.crowded = True
        if self._evict_idle(True):
            self.wait_since = self.now  # room is being made: no 503 yet
            return 0
        self.room_wanted = True
        if self.wait_since is None:
            self.wait_since = self.now
        elif not tls and self.now - self.wait_since > _MAX_WAIT:
            self.wait_since = self.now
            return -1
        return 0

    # After a MemoryError: the heap holds the connections open but `gone`
    # (the ones failing), so that is the capacity now (at least one: a
    # lone request always gets its turn). Says so once per episode.
    def _shed(self, gone):
        gc.collect()
        held = len(self.connections) - gone
        if held < 1:
            held = 1
        if held < self.capacity:
            self.capacity = held
        if self.app.debug and self.now >= self.episode_until:
            try:
                print('Heap full: serving {} connections at a time'.format(
                    self.capacity))
            except MemoryError:
                pass
        self.episode_until = self.now + _EPISODE

    # Makes room for a new connection: cancels the one idle the longest,
    # else the slow client that has been at it longest, still sending its
    # request head (slowloris) or stalled on a body read (a trickling
    # upload), which gets a 408; False when every connection is busy with
    # work of the server's own. When patient (the listener, which can end a
    # busy connection's keep-alive instead), a connection must have waited
    # a whole tick, unless it never sent a byte: a shorter wait may be a
    # request on its way, and closing it then would reset the client.
    def _evict_idle(self, patient=False):
        idle = slow = None
        old = self.now - 1
        for conn in self.connections:
            if patient and conn.since >= old and \
                    (conn.buf or conn.state != IDLE):
                continue
            if conn.state == IDLE:
                if idle is None or conn.since < idle.since:
                    idle = conn
            elif (conn.state == READING_HEAD or conn.state == DISPATCHING) \
                    and conn.deadline is not None and (
                        slow is None or conn.since < slow.since):
                slow = conn
        if idle is None:
            if slow is None:
                return False
            idle = slow
            idle.timed_out = True  # it gets a 408
        else:
            idle.state = DISCARDING  # no longer a candidate
        idle.deadline = None
        idle.task.cancel()
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
            conn.since = self.now
            while not self.stopping:
                conn.state = IDLE
                conn.deadline = self.now + timeout
                if conn.pos >= len(conn.buf):
                    if conn.sock is not None and conn.buf:
                        conn.writing = False
                        await conn  # the next request's first bytes
                    # (a new connection reads at once: its request is
                    # usually there, and then it is no idle one to drop)
                    conn.buf = await conn._more()
                    conn.pos = 0
                    if not conn.buf:
                        break  # the client closed the connection
                conn.state = READING_HEAD
                conn.since = self.now
                conn.deadline = self.now + self.head_ticks
                timeout = self.keepalive_ticks
                if not await self._serve_request(conn, client_addr, scheme):
                    break
                conn.since = self.now
        except asyncio.CancelledError:
            if conn.timed_out and conn.state in (READING_HEAD, DISPATCHING):
                await self._send_error(conn, 408, 'Request timeout')
        except MemoryError:
            if conn.state < WRITING:  # nothing of a response is out yet
                _write_now(writer, _BUSY)
            self._shed(1)
        except (OSError, EOFError):
            pass  # the client went away
        except Exception as exc:  # e.g. a streamed body failing midway
            print_exception(exc)  # the response can't be a 500 any more
        finally:
            self.connections.remove(conn)
            _close(writer)
            if core is not None and self.listener is not None:
                self.listener.wake()  # a waiting client may take its room

    # Reads, dispatches and answers one request; True to keep the
    # connection open for the next one.
    async def _serve_request(self, conn, client_addr, scheme):
        app = self.app
        req = None
        try:
            req = await read_request(Request, app, conn, conn.writer,
                                     client_addr, scheme)
            if req is None:
                return False
            check_host(req.http_version, req.headers)
            conn.deadline = None
            conn.state = DISPATCHING  # body reads now have their own deadline
            if req.body_framing is not None:
                await req.read_body()
        except RequestError as exc:
            if app.debug:
                print('{} {}: {}'.format(exc.status_code, exc.reason,
                                         client_addr))
            if exc.status_code != 400:  # limits and timeouts: as they are
                await self._send_error(conn, exc.status_code, exc.reason)
                return False
            # a malformed request still reaches the app's error handlers
            res = await app.dispatch_request(req, exc)
            await self._write_response(conn, req, res, False)
            return False
        res = await app.dispatch_request(req)
        if app.debug:
            print('{} {} {}'.format(req.method, req.path, 'upgraded'
                  if res is Response.already_handled else res.status_code))
        if res is Response.already_handled:
            return False
        try:
            keep = await self._write_response(conn, req, res, True)
        except RequestError as exc:  # a header value that would split
            if app.debug:
                print('{} {}'.format(exc.status_code, exc.reason))
            await self._send_error(conn, exc.status_code, exc.reason)
            return False
        if keep and req.body_source is not None:
            conn.state = DISCARDING
            try:
                keep = await req.body_source.discard(req.max_body_length)
            except RequestError:
                keep = False
        return keep

    # Writes res; returns whether the connection can carry another request.
    async def _write_response(self, conn, req, res, keep):
        version = '1.1'
        if req is not None:
            version = req.http_version
            keep = keep and not self.stopping and \
                not self.app.shutdown_requested and keep_alive(
                    version, req.headers.get('Connection'))
            if keep and self.room_wanted:  # a client waits: take turns
                self.room_wanted = keep = False
        body = res.body
        status = res.status_code
        send_body, chunked, extra, keep = response_framing(
            version, status, res.is_head, isinstance(body, bytes) or
            'Content-Length' in res.headers, keep)
        head = response_head('1.1', status,
                             res.reason or reason_phrase(status),
                             res.headers.items(), extra)
        if isinstance(body, bytes):  # the usual case
            if not send_body:
                body = b''
            sock = conn.sock
            n = len(head)
            end = n + len(body)
            if sock is not None and end <= len(self.scratch):
                # one write from the scratch buffer: joining head and body
                # would allocate, and a fragmented heap may lack the room
                scratch = self.scratch
                scratch[:n] = head
                scratch[n:end] = body
                conn.state = WRITING
                sent = sock.write(scratch, 0, end) or 0
                if sent < end:  # the rest waits: the buffer is shared
                    await self._send(conn, head + body, sent)
            elif sock is None and len(body) < 1024:
                await self._send(conn, head + body)  # one write
            else:  # no copy of a large body
                await self._send(conn, head)
                await self._send(conn, body)
            return keep
        if conn.sock is not None and not chunked and \
                hasattr(body, 'readinto') and hasattr(body, 'seek'):
            await self._send_file(conn, head, body, send_body)
            return keep
        it = res.body_iter()
        try:
            await self._send(conn, head)
            if send_body:
                async for data in it:
                    await self._send(conn, chunk(data) if chunked else data)
                if chunked:
                    await self._send(conn, LAST_CHUNK)
        finally:
            await it.aclose()
        return keep

    # MicroPython: sends head, then the file f through the scratch buffer
    # straight to the socket, so no chunk allocates anything. What the
    # socket doesn't take is read again after the wait (the buffer is
    # shared): the file is sought back by that much.
    async def _send_file(self, conn, head, f, send_body):
        try:
            await self._send(conn, head)
            buf = self.scratch
            sock = conn.sock
            size = Response.send_file_buffer_size
            while send_body:
                n = f.readinto(buf, size)
                if not n:
                    break
                sent = sock.write(buf, 0, n) or 0
                if sent < n:
                    f.seek(sent - n, 1)
                    conn.deadline = self.now + self.write_ticks
                    conn.writing = True
                    await conn
                    conn.deadline = None
        finally:
            f.close()

    # Writes data; MicroPython writes the socket itself, and what it takes
    # at once (the usual case) costs no waiting.
    async def _send(self, conn, data, sent=0):
        conn.state = WRITING
        conn.deadline = self.now + self.write_ticks
        sock = conn.sock
        if sock is None:
            conn.writer.write(data)
            await conn.writer.drain()
        else:
            n = len(data)
            while True:
                done = sock.write(data, sent, n - sent)
                if done:
                    sent += done
                if sent >= n:
                    break
                conn.writing = True
                await conn
        conn.deadline = None

    async def _send_error(self, conn, status, reason):
        try:
            await self._send(conn, error_bytes(status, reason))
        except Exception:
            pass


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

        self.waiting = False  # sleeping until a connection ends

    def close(self):
        self.waiting = False
        self.task.cancel()
        self.sock.close()  # also when the task never got to run

    # Ends the listener's wait for room now: a connection has ended.
    # (asyncio has no public way to do this without allocating an Event.)
    def wake(self):
        if self.waiting:
            self.waiting = False
            queue = core._task_queue
            queue.remove(self.task)
            queue.push(self.task)

    # A generator, so that it can wait on the socket like asyncio's streams.
    def _run(self, server, sock, ssl):
        stream = asyncio.StreamWriter
        try:
            while True:
                client = None
                try:
                    yield core._io_queue.queue_read(sock)
                    admit = server.admission(ssl)
                    if not admit:  # the client waits in the backlog
                        self.waiting = True
                        yield from asyncio.sleep_ms(50)
                        self.waiting = False
                        continue
                    client, addr = sock.accept()
                    if admit < 0:  # the excess: no room came for it
                        _write_now(client, _BUSY)
                        client.close()
                        continue
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
                    if isinstance(exc, MemoryError):
                        server._shed(0)
                    gc.collect()
                    yield from asyncio.sleep_ms(10)
        finally:
            sock.close()


# Whether reserve bytes of heap are free, after a collection if need be
# (gc.mem_free() walks the heap: this is for admissions, not requests).
def _heap_free(reserve):
    if gc.mem_free() >= reserve:
        return True
    gc.collect()
    return gc.mem_free() >= reserve


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
