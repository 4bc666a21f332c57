# The chunked-body decoder, without I/O: bytes in, (what, data, end) out.
import unittest

from microdot.chunked import ChunkedDecoder
from microdot.protocol import RequestError

NEED, DATA, END = ChunkedDecoder.NEED_MORE, ChunkedDecoder.DATA, \
    ChunkedDecoder.END


def decode(raw, pieces=1, limit=1 << 20, **limits):
    """Feeds raw to a decoder in `pieces` slices, as a socket would deliver
    it: (body, bytes after the body's end)."""
    dec = ChunkedDecoder(limit, **limits)
    step = max(1, len(raw) // pieces)
    buf, pos, body = b'', 0, b''
    given = 0
    while True:
        what, data, pos = dec.feed(buf, pos)
        if what == DATA:
            body += data
        elif what == END:
            return body, buf[pos:] + raw[given:]
        elif given >= len(raw):
            raise EOFError('incomplete')
        else:
            buf += raw[given:given + step]
            given += step


class TestChunkedDecoder(unittest.TestCase):
    def test_chunks_extensions_and_trailer(self):
        raw = b'4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\nT: 1\r\n\r\nGET /next'
        for pieces in (1, 3, len(raw)):
            self.assertEqual(decode(raw, pieces), (b'Wikipedia', b'GET /next'))

    def test_bare_lf_line_ends(self):
        self.assertEqual(decode(b'3\nabc\n0\n\n'), (b'abc', b''))

    def test_need_more_until_a_line_is_whole(self):
        dec = ChunkedDecoder(100)
        self.assertEqual(dec.feed(b'1', 0), (NEED, None, 0))
        self.assertEqual(dec.feed(b'1\r\nab', 0), (DATA, b'a', 4))
        self.assertEqual(dec.feed(b'1\r\nab', 4), (NEED, None, 4))

    def test_data_never_runs_past_its_chunk(self):
        dec = ChunkedDecoder(100)
        self.assertEqual(dec.feed(b'2\r\nabcd', 0), (DATA, b'ab', 5))
        self.assertEqual(dec.remaining, 0)

    def test_refusals(self):
        cases = [
            (b'zz\r\n', 400),  # not hex
            (b'3\r\nabcX\r\n', 400),  # no CRLF after the data
            (b'1' * 70, 400),  # a size line without end
            (b'10\r\n', 413),  # over the body limit
            (b'0\r\n' + b'T: x\r\n' * 40 + b'\r\n', 431),  # trailer count
            (b'0\r\nT: ' + b'x' * 2000 + b'\r\n\r\n', 431),  # trailer line
        ]
        for raw, status in cases:
            try:
                decode(raw, limit=8, max_trailer_count=32)
            except RequestError as exc:
                self.assertEqual(exc.status_code, status, raw[:20])
            else:
                self.fail('accepted: %r' % raw[:20])

    def test_incomplete_body_needs_more(self):
        with self.assertRaises(EOFError):
            decode(b'5\r\nab')

    def test_end_is_kept(self):
        dec = ChunkedDecoder(100)
        self.assertEqual(dec.feed(b'0\r\n\r\nX', 0), (END, None, 5))
        self.assertEqual(dec.feed(b'0\r\n\r\nX', 5), (END, None, 5))
