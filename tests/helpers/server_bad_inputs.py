"""Bad requests the server must refuse: name -> (raw bytes, statuses).

A status of None means closing without an answer is acceptable too.
"""

BAD_INPUTS = {
    'no version': (b'GET /\r\nHost: x\r\n\r\n', {400}),
    'two spaces': (b'GET  / HTTP/1.1\r\nHost: x\r\n\r\n', {400}),
    'trailing part': (b'GET / HTTP/1.1 x\r\nHost: x\r\n\r\n', {400}),
    'tab separator': (b'GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n', {400}),
    'lowercase method': (b'get / HTTP/1.1\r\nHost: x\r\n\r\n', {400}),
    'method with digit': (b'G3T / HTTP/1.1\r\nHost: x\r\n\r\n', {400}),
    'empty request line': (b'\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n',
                           {400, None}),
    'http/2.0': (b'GET / HTTP/2.0\r\nHost: x\r\n\r\n', {505}),
    'http/1.2': (b'GET / HTTP/1.2\r\nHost: x\r\n\r\n', {505}),
    'lowercase version': (b'GET / http/1.1\r\nHost: x\r\n\r\n', {400}),
    'bad version': (b'GET / HTTX/1.1\r\nHost: x\r\n\r\n', {400}),
    'relative target': (b'GET index.html HTTP/1.1\r\nHost: x\r\n\r\n',
                        {400}),
    'non-ascii target': (b'GET /\xff HTTP/1.1\r\nHost: x\r\n\r\n', {400}),
    'bad percent-encoding': (b'GET /%zz%ff HTTP/1.1\r\nHost: x\r\n\r\n',
                             {400, 404}),
    'nul in target': (b'GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n', {400}),
    'nul in header value': (b'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n'
                            b'\r\n', {400}),
    'nul in header name': (b'GET / HTTP/1.1\r\nHost: x\r\nX\x00A: b\r\n\r\n',
                           {400}),
    'obs-fold space': (b'GET / HTTP/1.1\r\nHost: x\r\nX-A: b\r\n c\r\n\r\n',
                       {400}),
    'obs-fold tab': (b'GET / HTTP/1.1\r\nHost: x\r\nX-A: b\r\n\tc\r\n\r\n',
                     {400}),
    'header without colon': (b'GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n',
                             {400}),
    'space before colon': (b'GET / HTTP/1.1\r\nHost : x\r\n\r\n', {400}),
    'empty header name': (b'GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n', {400}),
    'missing host on 1.1': (b'GET / HTTP/1.1\r\nX-A: b\r\n\r\n', {400}),
    'conflicting hosts': (b'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
                          {400}),
    'conflicting content-lengths': (
        b'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n'
        b'Content-Length: 6\r\n\r\nhello!', {400}),
    'te and cl': (
        b'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n'
        b'Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n', {400}),
    'te on http/1.0': (
        b'POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n'
        b'0\r\n\r\n', {400}),
    'unknown transfer coding': (
        b'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n',
        {501}),
    'chunked not last': (
        b'POST /echo HTTP/1.1\r\nHost: x\r\n'
        b'Transfer-Encoding: chunked, gzip\r\n\r\n', {400, 501}),
    'bad chunk hex': (
        b'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n'
        b'\r\nzz\r\nhello\r\n0\r\n\r\n', {400}),
    'negative chunk size': (
        b'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n'
        b'\r\n-5\r\nhello\r\n0\r\n\r\n', {400}),
    '0x chunk size': (
        b'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n'
        b'\r\n0x5\r\nhello\r\n0\r\n\r\n', {400}),
    'huge chunk size': (
        b'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n'
        b'\r\n' + b'f' * 40 + b'\r\nhello\r\n0\r\n\r\n', {400, 413}),
    'chunk without crlf': (
        b'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n'
        b'\r\n5\r\nhelloXX3\r\nabc\r\n0\r\n\r\n', {400}),
    'binary garbage': (b'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' +
                       bytes(range(256)) + b'\r\n\r\n', {400, None}),
}

for _value in ('-1', '+5', '1e3', '0x10', ' ', '5 5', '5, 5', 'abc', '5.0',
               '99999999999999999999', '\u0661', '\u00b2', '\uff15'):
    BAD_INPUTS['content-length ' + ascii(_value)] = (
        b'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ' +
        _value.encode() + b'\r\n\r\nhello', {400})

# a well-framed request with a bad target: the connection may stay usable
MAY_STAY_OPEN = {'bad percent-encoding'}
