# Sans-IO HTTP/1.x: pure functions over bytes, shared by the built-in server,
# the test client and the CPython adapters.
#
# Theory of operation: a frontend feeds the request line and the header lines
# it has read (each already bounded in length) to parse_request_line() and
# parse_headers(); body_framing() then says how the body is delimited. Every
# refusal is a RequestError carrying the status to answer with, so the caller
# can send a short error and close. On the way out, response_head() turns a
# status and header pairs into the bytes of a response head.
from microdot.structures import NoCaseDict


# A request the server refuses; status_code says which answer to give.
class RequestError(ValueError):
    def __init__(self, status_code=400, reason=None):
        super().__init__(reason or 'Bad request')
        self.status_code = status_code
        self.reason = reason or 'Bad request'


# Raised by abort(): answered with status_code and reason as the body.
class HTTPException(Exception):
    def __init__(self, status_code, reason=None):
        self.status_code = status_code
        self.reason = reason or str(status_code) + ' error'


# Reason phrases, one string rather than a dict: it costs far less RAM.
_REASONS = '|200 OK|201 Created|202 Accepted|204 No Content|206 Partial ' \
    'Content|301 Moved Permanently|302 Found|303 See Other|304 Not Modified' \
    '|307 Temporary Redirect|308 Permanent Redirect|400 Bad Request|401 ' \
    'Unauthorized|403 Forbidden|404 Not Found|405 Method Not Allowed|408 ' \
    'Request Timeout|409 Conflict|413 Content Too Large|414 URI Too Long|' \
    '415 Unsupported Media Type|431 Request Header Fields Too Large|500 ' \
    'Internal Server Error|501 Not Implemented|503 Service Unavailable|505 ' \
    'HTTP Version Not Supported|'


# The standard reason phrase of a status code ('N/A' when unknown).
def reason_phrase(status_code):
    if status_code == 200:
        return 'OK'
    i = _REASONS.find('|%d ' % status_code)
    if i < 0:
        return 'N/A'
    return _REASONS[i + 5:_REASONS.find('|', i + 1)]


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
            value = line[j + 1:].strip(' \t')
            lower = name.lower()
            old_name = names.get(lower)
            if old_name is None:
                names[lower] = name
                fields[name] = value
                continue
            old = fields[old_name]
            if lower == 'content-length' or lower == 'host':
                if old != value:
                    raise RequestError(400, 'Conflicting ' + name)
            else:
                fields[old_name] = old + (
                    '; ' if lower == 'cookie' else ', ') + value
    return NoCaseDict(fields, names)


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


# Parses a chunk-size line (hex digits, optional ;extensions) to an int.
def parse_chunk_size(line, limit):
    line = line.rstrip(b'\r\n')
    i = line.find(b';')
    if i >= 0:
        line = line[:i]
    line = line.rstrip(b' \t')
    if not line or len(line) > 8:
        raise RequestError(400, 'Bad chunk size')
    for c in line:
        if c not in b'0123456789abcdefABCDEF':
            raise RequestError(400, 'Bad chunk size')
    size = int(line, 16)
    if size > limit:
        raise RequestError(413, 'Payload too large')
    return size


# True when a header value could split the response (CR, LF or NUL).
def unsafe_header_value(value):
    return '\r' in value or '\n' in value or '\0' in value


# Serialises a response head: status line, header_items and extra (name,
# value) pairs (a list value gives one field each), the blank line.
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
    # each line end holds the only CR and LF allowed: a value holding one
    # would split the response
    if head.count('\n') != lines or head.count('\r') != lines or \
            '\0' in head:
        raise RequestError(400, 'Invalid header value')
    return head.encode()