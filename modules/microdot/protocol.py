# Sans-IO HTTP/1.x: plain functions over bytes and plain values. The one
# request cycle that the built-in server, the test client and the CPython
# adapters share, so an app's tests see what a client of the server sees.
#
# Theory of operation: a frontend hands the request line and header block
# it has read (see streams.read_request_head) to parse_request_head(), which
# applies the limits and the body framing rules (a server adds check_host());
# every
# refusal is a RequestError carrying the status to answer with. On the way
# out, response_framing() decides how a response's body is delimited and
# whether the connection may carry another request, and response_head()
# turns a status and header pairs into bytes, checked in one place. Loaded
# with the first request, not by `import microdot`.
from microdot.structures import NoCaseDict


# Bad input refused (a request, a header value); status_code says which
# answer to give, and dispatch answers it like an HTTPException.
class RequestError(ValueError):
    def __init__(self, status_code=400, reason=None):
        super().__init__(reason or 'Bad request')
        self.status_code = status_code
        self.reason = reason or 'Bad request'


# Reason phrases, one string rather than a dict: it costs far less RAM.
_REASONS = '|200 OK|201 Created|202 Accepted|204 No Content|206 Partial ' \
    'Content|301 Moved Permanently|302 Found|303 See Other|304 Not Modified' \
    '|307 Temporary Redirect|308 Permanent Redirect|400 Bad Request|401 ' \
    'Unauthorized|403 Forbidden|404 Not Found|405 Method Not Allowed|408 ' \
    'Request Timeout|409 Conflict|413 Content Too Large|414 URI Too Long|' \
    '415 Unsupported Media Type|426 Upgrade Required|431 Request Header ' \
    'Fields Too Large|500 Internal Server Error|501 Not Implemented|503 ' \
    'Service Unavailable|505 HTTP Version Not Supported|'


# The standard reason phrase of a status code ('N/A' when unknown).
def reason_phrase(status_code):
    if status_code == 200:
        return 'OK'
    i = _REASONS.find('|%d ' % status_code)
    if i < 0:
        return 'N/A'
    return _REASONS[i + 5:_REASONS.find('|', i + 1)]


# Parses a request head: request_line and block (the header lines joined by
# CRLF, without the blank line), both bytes already bounded in length by
# the reader. limits: an object with max_readline, max_header_count and
# max_header_bytes (the Request class). Returns (method, target, version,
# headers, content_length, chunked).
def parse_request_head(request_line, block, limits):
    max_readline = limits.max_readline
    if len(request_line) > max_readline:
        raise RequestError(414, 'Request line too long')
    method, target, version = parse_request_line(request_line)
    if len(block) > limits.max_header_bytes or \
            block.count(b'\r\n') >= limits.max_header_count:
        raise RequestError(431, 'Request header fields too large')
    headers = parse_headers(block, max_readline)
    keymap = headers.keymap
    if 'content-length' not in keymap and 'transfer-encoding' not in keymap:
        length, chunked = 0, False  # no body: nothing to check
    else:
        length, chunked = body_framing(headers, version)
    return method, target, version, headers, length, chunked


# An HTTP/1.1 request must name its host (RFC 9112); a server refuses one
# that doesn't.
def check_host(http_version, headers):
    if http_version == '1.1' and 'Host' not in headers:
        raise RequestError(400, 'Missing Host header')


# Splits b'METHOD SP target SP HTTP/1.x' into (method, target, version) strs.
def parse_request_line(line):
    try:
        line = line.decode()
    except UnicodeError:
        raise RequestError(400, 'Bad request target')
    if line.endswith('\n'):
        line = line[:-2] if line.endswith('\r\n') else line[:-1]
    parts = line.split(' ')
    if len(parts) != 3:
        raise RequestError(400, 'Malformed request line')
    method, target, version = parts
    if not method or len(method) > 16 or min(method) < 'A' or \
            max(method) > 'Z':  # A-Z only
        raise RequestError(400, 'Bad method')
    if version == 'HTTP/1.1':
        version = '1.1'
    elif version == 'HTTP/1.0':
        version = '1.0'
    elif len(version) == 8 and version.startswith('HTTP/') and \
            version[6] == '.' and '0' <= version[5] <= '9' and \
            '0' <= version[7] <= '9':
        raise RequestError(505, 'HTTP version not supported')
    else:
        raise RequestError(400, 'Bad HTTP version')
    # no control characters, spaces or DEL; non-ASCII (UTF-8) is let through
    if not target or min(target) < '!' or '\x7f' in target:
        raise RequestError(400, 'Bad request target')
    if target[0] != '/':
        target = _origin_form(target)
    return method, target, version


# Reduces an absolute-form target (http://host/path) to its path part.
def _origin_form(target):
    for scheme in ('http://', 'https://'):
        if target.startswith(scheme):
            i = target.find('/', len(scheme))
            return '/' if i < 0 else target[i:]
    raise RequestError(400, 'Bad request target')


# Parses the header section (bytes: lines joined by CRLF, without the blank
# line) into a NoCaseDict; repeated fields are merged, conflicting
# Content-Length or Host values refused, lines over max_line get 431.
def parse_headers(block, max_line=0):
    fields = {}  # name as sent -> value
    names = {}  # lower-case name -> name as sent
    if block:
        try:
            text = block.decode()
        except UnicodeError:
            raise RequestError(400, 'Malformed header')
        lines = text.split('\r\n')
        # the separators hold the only CRs and LFs allowed: a bare one, or a
        # NUL, is a smuggling attempt
        n = len(lines) - 1
        if text.count('\n') != n or text.count('\r') != n or '\0' in text:
            raise RequestError(400, 'Malformed header')
        for line in lines:
            if max_line and len(line) > max_line:
                raise RequestError(431, 'Header line too long')
            j = line.find(':')
            name = line[:j]
            # no space, control or non-ASCII char in a name: blocks
            # smuggling tricks and obsolete line folding alike
            if j <= 0 or min(name) < '!' or max(name) > '~':
                raise RequestError(400, 'Malformed header')
            add_field(fields, names, name, line[j + 1:].strip(' \t'))
    return NoCaseDict(fields, names)


# Adds one header field to fields (name as sent -> value) and names
# (lower-case name -> name as sent), merging a repeated one.
def add_field(fields, names, name, value):
    lower = name.lower()
    old_name = names.get(lower)
    if old_name is None:
        names[lower] = name
        fields[name] = value
    else:
        fields[old_name] = merge_header(lower, fields[old_name], value)


# The value of a header field sent twice (lower: its lower-case name).
def merge_header(lower, old, value):
    if lower == 'content-length' or lower == 'host':
        if old != value:
            raise RequestError(400, 'Conflicting ' + lower)
        return old
    return old + ('; ' if lower == 'cookie' else ', ') + value


# Says how a request body is delimited: (content_length, chunked).
def body_framing(headers, http_version):
    te = headers.get('Transfer-Encoding')
    cl = headers.get('Content-Length')
    if te is not None:
        if cl is not None or http_version == '1.0':
            raise RequestError(400, 'Ambiguous body framing')
        if te.lower() != 'chunked':
            raise RequestError(501, 'Transfer coding not implemented')
        return 0, True
    if cl is None:
        return 0, False
    if not cl or len(cl) > 15 or min(cl) < '0' or max(cl) > '9':
        raise RequestError(400, 'Bad Content-Length')
    return int(cl), False


# Whether a request lets its connection carry another one (connection: the
# value of its Connection header, or None).
def keep_alive(http_version, connection):
    connection = connection.lower() if connection else ''
    if http_version == '1.1':
        return 'close' not in connection
    return 'keep-alive' in connection


_CHUNKED = (('Transfer-Encoding', 'chunked'),)
_CLOSE = (('Connection', 'close'),)
_KEEP_ALIVE = (('Connection', 'keep-alive'),)
_CHUNKED_CLOSE = _CHUNKED + _CLOSE


# How a response goes out on a connection: (send_body, chunked, extra
# header pairs, keep_alive). sized: the body's length is known (bytes, or a
# Content-Length header).
def response_framing(http_version, status_code, is_head, sized, keep_alive):
    send_body = not is_head and status_code >= 200 and \
        status_code != 204 and status_code != 304
    chunked = send_body and not sized
    if chunked and http_version != '1.1':
        chunked = keep_alive = False  # the body ends when the connection does
    if not keep_alive:
        return send_body, chunked, _CHUNKED_CLOSE if chunked else _CLOSE, \
            False
    if http_version == '1.0':
        return send_body, False, _KEEP_ALIVE, True
    return send_body, chunked, _CHUNKED if chunked else (), True


# One chunk of a chunked body.
def chunk(data):
    return b'%x\r\n' % len(data) + data + b'\r\n'


LAST_CHUNK = b'0\r\n\r\n'


# Serialises a response head: status line, header_items and extra (name,
# value) pairs (a list value gives one field each), the blank line. A value
# holding CR, LF or NUL (it would split the response) raises RequestError.
def response_head(version, status_code, reason, header_items, extra=()):
    parts = ['HTTP/', version, ' ', str(status_code), ' ', reason, '\r\n']
    lines = 2  # the status line and the blank line
    for items in (header_items, extra):
        for name, value in items:
            if isinstance(value, list):  # one field per value (Set-Cookie)
                if not value:
                    continue
                lines += len(value) - 1
                value = ('\r\n' + name + ': ').join([str(v) for v in value])
            elif not isinstance(value, str):
                value = str(value)
            parts.append(name)
            parts.append(': ')
            parts.append(value)
            parts.append('\r\n')
            lines += 1
    parts.append('\r\n')
    head = ''.join(parts)
    # each line end holds the only CR and LF allowed
    if head.count('\n') != lines or head.count('\r') != lines or \
            '\0' in head:
        raise RequestError(400, 'Invalid header value')
    return head.encode()


# The bytes of a short error answer that closes the connection.
def error_bytes(status_code, reason):
    body = reason.encode()
    return response_head('1.1', status_code, reason_phrase(status_code), (
        ('Content-Type', 'text/plain; charset=UTF-8'),
        ('Content-Length', str(len(body))),
        ('Connection', 'close'))) + body
