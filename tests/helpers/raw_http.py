"""Raw HTTP/1.x over sockets to a server on 127.0.0.1: a connection with a read buffer
that parses responses (chunked, by length or to the close), request bytes made by hand, and
the requests every kind of test server answers. Every read takes a timeout."""
import socket
import time


class Closed(Exception):
    """The server closed the connection before a whole response arrived."""


class HTTPResponse:
    def __init__(self, version, status, reason, headers, body, chunked):
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers  # [(name, value)] in order
        self.body = body
        self.chunked = chunked  # the body came with chunked framing

    def header(self, name, default=None):
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return default

    def __repr__(self):
        return '<HTTPResponse {} {} {!r} {!r}>'.format(
            self.version, self.status, self.headers, self.body[:200])


class Client:
    """One raw TCP connection to the server with a read buffer."""

    def __init__(self, port, timeout=5.0, rcvbuf=None):
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect(('127.0.0.1', port))
        self.buf = b''
        self.eof = False

    def send(self, data):
        self.sock.sendall(data)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # Reads more bytes into buf before deadline; False at end of stream.
    def _recv(self, deadline):
        if self.eof:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError('no data in time; buffered: {!r}'.format(
                self.buf[:300]))
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError('no data in time; buffered: {!r}'.format(
                self.buf[:300]))
        except (ConnectionResetError, BrokenPipeError):
            data = b''
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _read_until(self, sep, deadline):
        while True:
            i = self.buf.find(sep)
            if i >= 0:
                data, self.buf = self.buf[:i + len(sep)], self.buf[i + len(sep):]
                return data
            if not self._recv(deadline):
                raise Closed('closed; buffered: {!r}'.format(self.buf[:300]))

    def _read_exactly(self, n, deadline):
        while len(self.buf) < n:
            if not self._recv(deadline):
                raise Closed('closed after {} of {} bytes'.format(
                    len(self.buf), n))
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def _read_to_close(self, deadline):
        while self._recv(deadline):
            pass
        data, self.buf = self.buf, b''
        return data

    def read_response(self, timeout=5.0, head=False):
        """Reads one response; head=True for the answer to a HEAD."""
        deadline = time.monotonic() + timeout
        raw = self._read_until(b'\r\n\r\n', deadline)
        lines = raw[:-4].decode('latin-1').split('\r\n')
        version, _, rest = lines[0].partition(' ')
        status, _, reason = rest.partition(' ')
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(':')
            headers.append((name, value.strip()))
        res = HTTPResponse(version, int(status), reason, headers, b'', False)
        status = res.status
        te = (res.header('Transfer-Encoding') or '').lower()
        length = res.header('Content-Length')
        if head or status < 200 or status in (204, 304):
            return res
        if te:
            assert te == 'chunked', res
            res.chunked = True
            chunks = []
            while True:
                size = int(self._read_until(b'\r\n', deadline)
                           .split(b';')[0], 16)
                if size == 0:
                    while self._read_until(b'\r\n', deadline) != b'\r\n':
                        pass
                    break
                chunks.append(self._read_exactly(size, deadline))
                assert self._read_exactly(2, deadline) == b'\r\n'
            res.body = b''.join(chunks)
        elif length is not None:
            res.body = self._read_exactly(int(length), deadline)
        else:
            res.body = self._read_to_close(deadline)
        return res

    def wait_closed(self, timeout=3.0):
        """Waits for the server to close; returns the bytes that came first.
        Raises TimeoutError when the connection is still open at timeout."""
        deadline = time.monotonic() + timeout
        return self._read_to_close(deadline)

    def is_open_for(self, seconds):
        """True when the connection stays open (and silent) that long."""
        try:
            self.wait_closed(seconds)
        except TimeoutError:
            return True
        return False


def request_bytes(method='GET', path='/', headers=None, body=b'',
                  version='HTTP/1.1', host=True):
    lines = ['{} {} {}'.format(method, path, version)]
    if host:
        lines.append('Host: 127.0.0.1')
    for name, value in (headers or ()):
        lines.append('{}: {}'.format(name, value))
    if body and not any(n.lower() in ('content-length', 'transfer-encoding')
                        for n, _ in (headers or ())):
        lines.append('Content-Length: {}'.format(len(body)))
    return ('\r\n'.join(lines) + '\r\n\r\n').encode() + body


def chunked(*parts):
    """A chunked body made of the given byte strings."""
    out = b''
    for part in parts:
        out += b'%x\r\n' % len(part) + part + b'\r\n'
    return out + b'0\r\n\r\n'


def raw_request(port, data, shut_write=False, timeout=10):
    """Sends raw bytes on a new connection and returns what comes back until the server
    closes it (or, unless shut_write, until a response with a Content-Length is whole)."""
    with socket.create_connection(('127.0.0.1', port), timeout=timeout) as s:
        s.sendall(data)
        if shut_write:
            s.shutdown(socket.SHUT_WR)
        chunks = []
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                if not shut_write and b'\r\n\r\n' in b''.join(chunks) and \
                        _complete(b''.join(chunks)):
                    break
        except (socket.timeout, ConnectionResetError):
            pass
        return b''.join(chunks)


def _complete(data):
    head, _, body = data.partition(b'\r\n\r\n')
    for line in head.split(b'\r\n')[1:]:
        name, _, value = line.partition(b':')
        if name.strip().lower() == b'content-length':
            return len(body) >= int(value)
    return False


def status_of(data):
    line = data.split(b'\r\n', 1)[0]
    parts = line.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


class RawHTTP:
    """connect(), request(), get() and assert_serves() for a server object with a port."""
    port = None

    def connect(self, timeout=5.0, rcvbuf=None):
        return Client(self.port, timeout, rcvbuf)

    def request(self, raw, timeout=5.0, head=False):
        """Sends raw bytes on a new connection and reads one response."""
        with self.connect(timeout) as client:
            client.send(raw)
            return client.read_response(timeout, head=head)

    def get(self, path='/', timeout=5.0):
        return self.request(request_bytes('GET', path), timeout)

    def assert_serves(self, timeout=5.0):
        """A normal GET / on a new connection answers 200 'ok'."""
        res = self.get('/', timeout)
        assert (res.status, res.body) == (200, b'ok'), self.describe(res)
        return res

    def describe(self, res):
        return res
