import unittest

from microdot import NoCaseDict
from microdot.chunked import parse_chunk_size
from microdot.protocol import RequestError, body_framing, \
    parse_headers, parse_request_line, response_head


class TestRequestLine(unittest.TestCase):
    def test_valid(self):
        self.assertEqual(parse_request_line(b'GET /a?b=c HTTP/1.1\r\n'),
                         ('GET', '/a?b=c', '1.1'))
        self.assertEqual(parse_request_line(b'POST / HTTP/1.0\n'),
                         ('POST', '/', '1.0'))

    def test_absolute_form_reduced_to_path(self):
        self.assertEqual(
            parse_request_line(b'GET http://h:1/x?y HTTP/1.1\r\n')[1], '/x?y')

    def status(self, line):
        try:
            parse_request_line(line)
        except RequestError as exc:
            return exc.status_code
        return None

    def test_refused(self):
        for line in (b'GET / HTTP/1.1 extra\r\n', b'GET /\r\n',
                     b'GET  / HTTP/1.1\r\n', b'get / HTTP/1.1\r\n',
                     b'GET / HTTP/1.x\r\n', b'GET / http/1.1\r\n',
                     b'GET /\x00 HTTP/1.1\r\n', b'GET * HTTP/1.1\r\n',
                     b'GET a HTTP/1.1\r\n', b'G\xc3T / HTTP/1.1\r\n',
                     b'GET /\xff HTTP/1.1\r\n', b'\r\n'):
            self.assertEqual(self.status(line), 400, line)

    def test_unsupported_version(self):
        self.assertEqual(self.status(b'GET / HTTP/2.0\r\n'), 505)
        self.assertEqual(self.status(b'GET / HTTP/0.9\r\n'), 505)

    def test_request_error_is_value_error(self):
        self.assertTrue(issubclass(RequestError, ValueError))


class TestHeaders(unittest.TestCase):
    def test_parse_and_merge(self):
        h = parse_headers(b'Accept: a\r\naccept:  b \r\nCookie: x=1\r\n'
                          b'Cookie: y=2\r\nX-Empty:')
        self.assertEqual(h['Accept'], 'a, b')
        self.assertEqual(h['cookie'], 'x=1; y=2')
        self.assertEqual(h['x-empty'], '')
        self.assertEqual(sorted(h.keys()), ['Accept', 'Cookie', 'X-Empty'])

    def test_refused(self):
        for line in (b'NoColon', b': empty', b'Bad Name: x', b'Name : x',
                     b' folded: x', b'X: a\rb', b'X: a\x00', b'X: a\nb',
                     b'X: a\r\n folded', b'X: a\r\n\r\nY: b',
                     b'X\xff: y', b'X: \xff\xfe'):
            with self.assertRaises(RequestError):
                parse_headers(line)

    def test_duplicate_content_length(self):
        h = parse_headers(b'Content-Length: 5\r\ncontent-length: 5')
        self.assertEqual(h['Content-Length'], '5')
        with self.assertRaises(RequestError):
            parse_headers(b'Content-Length: 5\r\nContent-Length: 6')
        with self.assertRaises(RequestError):
            parse_headers(b'Host: a\r\nHost: b')


class TestFraming(unittest.TestCase):
    def framing(self, headers, version='1.1'):
        return body_framing(NoCaseDict(headers), version)

    def test_cases(self):
        self.assertEqual(self.framing({}), (0, False))
        self.assertEqual(self.framing({'Content-Length': '12'}), (12, False))
        self.assertEqual(self.framing({'Transfer-Encoding': 'chunked'}),
                         (0, True))

    def test_bad_content_length(self):
        for value in ('-1', '+1', '1_0', '0x10', '1, 1', ' ', '1e3',
                      '9' * 20):
            with self.assertRaises(RequestError):
                self.framing({'Content-Length': value})

    def test_te_with_cl_and_unknown_coding(self):
        try:
            self.framing({'Transfer-Encoding': 'chunked',
                          'Content-Length': '3'})
        except RequestError as exc:
            self.assertEqual(exc.status_code, 400)
        else:
            self.fail('TE + CL accepted')
        try:
            self.framing({'Transfer-Encoding': 'gzip, chunked'})
        except RequestError as exc:
            self.assertEqual(exc.status_code, 501)
        else:
            self.fail('unknown coding accepted')

    def test_chunk_size(self):
        self.assertEqual(parse_chunk_size(b'1aF\r\n', 10000), 0x1af)
        self.assertEqual(parse_chunk_size(b'5;ext=1\r\n', 10), 5)
        for line in (b'\r\n', b'-1\r\n', b'0x5\r\n', b'g\r\n', b'1 2\r\n',
                     b'fffffffff\r\n'):
            with self.assertRaises(RequestError):
                parse_chunk_size(line, 1 << 40)
        with self.assertRaises(RequestError):
            parse_chunk_size(b'100\r\n', 10)


class TestResponseHead(unittest.TestCase):
    def test_serialise(self):
        self.assertEqual(
            response_head('1.1', 200, 'OK', [('A', '1'), ('B', '2')]),
            b'HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n')
