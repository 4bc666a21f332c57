"""Hostile request shapes: request line, header and framing abuse.

Each case is (raw bytes, outcomes allowed on the built-in server). An
outcome is a status code, 'closed' (the server closed without answering)
or 'timeout'. EXTERNAL_OUTCOMES lists, per external server, the cases where
that server decides differently from the built-in one, with the reason: the
adapters only see what uvicorn or gunicorn let through, so those outcomes are
the server's, not the framework's.
"""
H = b'Host: x\r\n'
SMUGGLED = b'GET /files/public.txt HTTP/1.1\r\nHost: x\r\n\r\n'
MARK = b'public file content'  # the smuggled request's answer
# answers that refuse a request as unreadable: the connection must end there
REFUSALS = ('closed', 400, 408, 411, 413, 414, 431, 501, 505)


def post(headers, body=b'', path=b'/echo', version=b'HTTP/1.1'):
    return b'POST ' + path + b' ' + version + b'\r\n' + H + headers + \
        b'\r\n' + body


def te(body, extra=b''):
    return post(b'Transfer-Encoding: chunked\r\n' + extra, body)


REQUEST_LINE = {
    'missing target': (b'GET HTTP/1.1\r\n' + H + b'\r\n', {400}),
    'method only': (b'GET\r\n' + H + b'\r\n', {400}),
    'trailing space': (b'GET / HTTP/1.1 \r\n' + H + b'\r\n', {400}),
    'leading space': (b' GET / HTTP/1.1\r\n' + H + b'\r\n', {400}),
    'unknown method': (b'BREW / HTTP/1.1\r\n' + H + b'\r\n', {405}),
    'mixed-case method': (b'Get / HTTP/1.1\r\n' + H + b'\r\n', {400}),
    'overlong method': (b'A' * 40 + b' / HTTP/1.1\r\n' + H + b'\r\n', {400}),
    'nul in method': (b'G\x00T / HTTP/1.1\r\n' + H + b'\r\n', {400}),
    'http/1': (b'GET / HTTP/1\r\n' + H + b'\r\n', {400}),
    'http/1.10': (b'GET / HTTP/1.10\r\n' + H + b'\r\n', {400}),
    'http/3': (b'GET / HTTP/3\r\n' + H + b'\r\n', {400}),
    'http/0.9 style': (b'GET /\r\n\r\n', {400}),
    'asterisk form': (b'OPTIONS * HTTP/1.1\r\n' + H + b'\r\n', {400}),
    'authority form': (b'CONNECT x:443 HTTP/1.1\r\n' + H + b'\r\n', {400}),
    'absolute form': (b'GET http://x/ HTTP/1.1\r\n' + H + b'\r\n', {200}),
    'absolute form no path': (b'GET https://x HTTP/1.1\r\n' + H + b'\r\n',
                              {200}),
    'absolute form other scheme': (b'GET ftp://x/ HTTP/1.1\r\n' + H +
                                   b'\r\n', {400}),
    'non-utf-8 query': (b'GET /?a=\xff\xfe HTTP/1.1\r\n' + H + b'\r\n',
                        {400}),
    'del in target': (b'GET /\x7f HTTP/1.1\r\n' + H + b'\r\n', {400}),
    'cr in target': (b'GET /\r HTTP/1.1\r\n' + H + b'\r\n', {400}),
    'oversize request line': (b'GET /' + b'a' * 70000 + b' HTTP/1.1\r\n' +
                              H + b'\r\n', {414}),
    'bare lf line ends': (b'GET / HTTP/1.1\nHost: x\n\n', {200, 400}),
}

HEADERS = {
    'oversize header line': (b'GET / HTTP/1.1\r\n' + H + b'X-Big: ' +
                             b'v' * 70000 + b'\r\n\r\n', {431}),
    'oversize header total': (b'GET / HTTP/1.1\r\n' + H + b''.join(
        b'X-%d: %s\r\n' % (i, b'v' * 2000) for i in range(40)) + b'\r\n',
        {431}),
    'too many headers': (b'GET / HTTP/1.1\r\n' + H + b''.join(
        b'X-%d: v\r\n' % i for i in range(500)) + b'\r\n', {431}),
    'obs-fold first header': (b'GET / HTTP/1.1\r\n Host: x\r\n\r\n', {400}),
    'obs-fold host': (b'GET / HTTP/1.1\r\nHost:\r\n x\r\n\r\n', {400}),
    'identical duplicate host': (b'GET / HTTP/1.1\r\n' + H + H + b'\r\n',
                                 {200}),
    'empty host': (b'GET / HTTP/1.1\r\nHost:\r\n\r\n', {200}),
    'non-ascii header name': (b'GET / HTTP/1.1\r\n' + H +
                              b'X-\xe9: a\r\n\r\n', {400}),
    'latin-1 header value': (b'GET / HTTP/1.1\r\n' + H +
                             b'X-A: caf\xe9\r\n\r\n', {400}),
    'cr in header value': (b'GET / HTTP/1.1\r\n' + H + b'X-A: a\rb\r\n\r\n',
                           {400}),
    'lf in header value': (b'GET / HTTP/1.1\r\nX-A: a\nHost: x\r\n\r\n',
                           {400}),
    'control char in value': (b'GET / HTTP/1.1\r\n' + H +
                              b'X-A: a\x01\x1bb\r\n\r\n', {200, 400}),
}

FRAMING = {
    'cl underscore': (post(b'Content-Length: 1_0\r\n', b'0123456789'),
                      {400}),
    'cl list': (post(b'Content-Length: 5,5\r\n', b'hello'), {400}),
    'cl leading zeros': (post(b'Content-Length: 005\r\n', b'hello'), {200}),
    'cl tab padded': (post(b'Content-Length:\t5\t\r\n', b'hello'), {200}),
    'cl negative zero': (post(b'Content-Length: -0\r\n', b''), {400}),
    'cl duplicate conflicting lines': (
        post(b'Content-Length: 0\r\nContent-Length: 43\r\n', SMUGGLED),
        {400}),
    'cl shorter than body': (post(b'Content-Length: 3\r\n', b'hello'),
                             {200}),
    'te chunked uppercase': (post(b'Transfer-Encoding: CHUNKED\r\n',
                                  b'5\r\nhello\r\n0\r\n\r\n'), {200}),
    'te chunked twice': (post(b'Transfer-Encoding: chunked\r\n'
                              b'Transfer-Encoding: chunked\r\n',
                              b'5\r\nhello\r\n0\r\n\r\n'), {400, 501}),
    'te xchunked': (post(b'Transfer-Encoding: xchunked\r\n',
                         b'5\r\nhello\r\n0\r\n\r\n'), {400, 501}),
    'te identity': (post(b'Transfer-Encoding: identity\r\n', b''),
                    {400, 501}),
    'te vertical tab': (post(b'Transfer-Encoding:\x0bchunked\r\n',
                             b'0\r\n\r\n'), {400, 501}),
    'te obs-fold': (post(b'Transfer-Encoding:\r\n chunked\r\n',
                         b'0\r\n\r\n'), {400}),
    'te and cl zero': (post(b'Content-Length: 0\r\n'
                            b'Transfer-Encoding: chunked\r\n',
                            b'0\r\n\r\n'), {400}),
    'chunk size leading space': (te(b' 5\r\nhello\r\n0\r\n\r\n'), {400}),
    'chunk size underscore': (te(b'1_0\r\n' + b'x' * 16 + b'\r\n0\r\n\r\n'),
                              {400}),
    'chunk size plus': (te(b'+5\r\nhello\r\n0\r\n\r\n'), {400}),
    'chunk huge extension': (te(b'5;' + b'e' * 5000 + b'\r\nhello\r\n'
                                b'0\r\n\r\n'), {400}),
    'chunk data longer than size': (te(b'3\r\nhello\r\n0\r\n\r\n'), {400}),
    'chunk missing last chunk': (te(b'5\r\nhello\r\n\r\n'), {400}),
    'chunk size 2^64': (te(b'10000000000000000\r\nhello\r\n0\r\n\r\n'),
                        {400, 413}),
    'many tiny chunks': (te(b'1\r\nx\r\n' * 2000 + b'0\r\n\r\n'), {200}),
    'trailer flood': (te(b'0\r\n' + b''.join(
        b'X-T%d: %s\r\n' % (i, b'v' * 200) for i in range(400)) + b'\r\n'),
        {400, 413, 431}),
    'oversize trailer line': (te(b'0\r\nX-T: ' + b'v' * 70000 + b'\r\n\r\n'),
                              {400, 431}),
}

# Requests that would let a second, hidden request through if the framing
# were read two ways. The hidden request must never be answered.
SMUGGLING = {
    'cl.te': post(b'Content-Length: 6\r\nTransfer-Encoding: chunked\r\n',
                  b'0\r\n\r\n' + SMUGGLED),
    'te.cl': post(b'Transfer-Encoding: chunked\r\nContent-Length: 4\r\n',
                  b'%x\r\n' % len(SMUGGLED) + SMUGGLED + b'\r\n0\r\n\r\n'),
    'te space colon': post(b'Transfer-Encoding : chunked\r\n'
                           b'Content-Length: 5\r\n', b'0\r\n\r\n' + SMUGGLED),
    'te tab value': post(b'Transfer-Encoding:\tchunked\r\n'
                         b'Content-Length: 5\r\n', b'0\r\n\r\n' + SMUGGLED),
    'te cased name': post(b'transfer-ENCODING: chunked\r\n'
                          b'Content-Length: 5\r\n', b'0\r\n\r\n' + SMUGGLED),
    'te xchunked with cl': post(b'Transfer-Encoding: xchunked\r\n'
                                b'Content-Length: 5\r\n',
                                b'0\r\n\r\n' + SMUGGLED),
    'cl twice': post(b'Content-Length: 0\r\nContent-Length: 43\r\n',
                     SMUGGLED),
    'cl with lf only': post(b'Content-Length: 0\nContent-Length: 43\r\n',
                            SMUGGLED),
    'te on http/1.0': post(b'Transfer-Encoding: chunked\r\n',
                           b'0\r\n\r\n' + SMUGGLED, version=b'HTTP/1.0'),
    'bad chunk then request': te(b'zz\r\n' + SMUGGLED),
    'oversize line then request': b'GET /' + b'a' * 9000 + \
        b' HTTP/1.1\r\n' + H + b'\r\n' + SMUGGLED,
    'bad version then request': b'GET / HTTP/2.0\r\n' + H + b'\r\n' +
    SMUGGLED,
}

# What an external server decides itself, per case: (outcomes, why). The
# request never reaches the adapter in the form the built-in server sees.
_H11 = 'h11 parses it differently from the built-in server'
_HTTPTOOLS = 'httptools (llhttp) parses it differently'
_GUNICORN = "gunicorn's parser decides"
_NO_LIMIT = "the server's own header limits are larger (not the adapter's)"
_TARGET = 'the server passes the target on; the app answers for that path'
_WAITS = 'the server waits for the declared chunk (it has no body timeout)'
_LATIN1 = 'the server passes obs-text on as latin-1 (allowed by RFC 9110)'
_EXT = 'the server skips chunk extensions of any length'
_TRAILERS = 'the server reads and drops trailers of any size'
_DUP_HOST = 'the server refuses a repeated Host header'
EXTERNAL_OUTCOMES = {
    'uvicorn-h11': {
        'mixed-case method': ({405}, _H11),
        'overlong method': ({405}, _H11),
        'asterisk form': ({404}, _TARGET),
        'authority form': ({404}, _TARGET),
        'absolute form': ({404}, 'h11 leaves an absolute target whole in '
                          'the scope path'),
        'absolute form no path': ({404}, _TARGET),
        'absolute form other scheme': ({404}, _TARGET),
        'oversize request line': ({404}, _NO_LIMIT),
        'oversize header line': ({200}, _NO_LIMIT),
        'oversize header total': ({200}, _NO_LIMIT),
        'too many headers': ({200}, _NO_LIMIT),
        'obs-fold host': ({200}, 'h11 unfolds obs-fold lines'),
        'te obs-fold': ({200}, 'h11 unfolds obs-fold lines'),
        'identical duplicate host': ({400}, _DUP_HOST),
        'latin-1 header value': ({200}, _LATIN1),
        'lf in header value': ({200}, 'h11 takes a bare LF as a line end'),
        'cl list': ({200}, 'h11 merges a list of equal Content-Lengths'),
        'chunk huge extension': ({200}, _EXT),
        'chunk size 2^64': ({'timeout'}, _WAITS),
        'trailer flood': ({200}, _TRAILERS),
        'oversize trailer line': ({200}, _TRAILERS),
    },
    'uvicorn-httptools-uvloop': {
        'unknown method': ({400}, 'llhttp knows a fixed list of methods'),
        'http/0.9 style': ({200}, 'llhttp accepts HTTP/0.9 requests'),
        'asterisk form': ({404}, _TARGET),
        'absolute form no path': ({400}, _HTTPTOOLS),
        'absolute form other scheme': ({200}, _TARGET),
        'oversize request line': ({400}, _HTTPTOOLS),
        'oversize header line': ({200}, _NO_LIMIT),
        'oversize header total': ({200}, _NO_LIMIT),
        'too many headers': ({200}, _NO_LIMIT),
        'latin-1 header value': ({200}, _LATIN1),
        'cl shorter than body': ({200, 400}, 'uvicorn answers 400 for the '
                                 'bytes after the body, possibly first'),
        'chunk huge extension': ({200}, _EXT),
        'trailer flood': ({200}, _TRAILERS),
        'oversize trailer line': ({200}, _TRAILERS),
    },
}
EXTERNAL_OUTCOMES['gunicorn-sync'] = {
    'asterisk form': ({404}, _TARGET),
    'authority form': ({404}, _TARGET),
    'absolute form other scheme': ({200}, _TARGET),
    'oversize header total': ({200}, "gunicorn limits fields to 100 of "
                              "8190 bytes each, not their total"),
    'identical duplicate host': ({400}, _DUP_HOST),
    'latin-1 header value': ({200}, _LATIN1),
    'chunk huge extension': ({200}, _EXT),
    'chunk size 2^64': ({'timeout'}, _WAITS),
    'huge chunk size': ({'timeout'}, _WAITS),
}
EXTERNAL_OUTCOMES['gunicorn-gthread'] = EXTERNAL_OUTCOMES['gunicorn-sync']


def allowed_outcomes(target_name, case, builtin_allowed):
    """The outcomes a case may have on a target."""
    noted = EXTERNAL_OUTCOMES.get(target_name, {}).get(case)
    return noted[0] if noted else builtin_allowed
