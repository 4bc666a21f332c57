"""Fuzz targets (hypothesis) for the request parser's framing and the
multipart parser, fed in random pieces so every buffer boundary is hit.

- Requests: a random run of well-formed requests (Content-Length, chunked or
  no body) is split at random points and parsed back identically, one by
  one; the same bytes mutated are either parsed or refused with a
  RequestError, never another exception.
- Multipart: random fields and files under a random boundary come back
  exactly; mutated bodies end in a 400/413, never another exception.

The quick run (make test) is small and derandomised; `make fuzz` sets
HOSTILE_FUZZ_EXAMPLES (and the core's PARSER_FUZZ_EXAMPLES) for a long run.
"""
import asyncio
import os

import pytest

hypothesis = pytest.importorskip('hypothesis')
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from microdot import Microdot, Request  # noqa: E402
from microdot.multipart import FileUpload, FormDataIter  # noqa: E402
from microdot import HTTPException  # noqa: E402
from microdot.protocol import RequestError  # noqa: E402
from microdot.streams import BufferedStream  # noqa: E402

EXAMPLES = int(os.environ.get('HOSTILE_FUZZ_EXAMPLES', '0') or 0)
FUZZ = settings(max_examples=EXAMPLES or 150, derandomize=not EXAMPLES,
                deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
APP = Microdot()


class Pieces(BufferedStream):
    """Bytes handed out in the given piece sizes (the last one repeated)."""

    def __init__(self, data, sizes):
        super().__init__()
        self.data = data
        self.sizes = list(sizes) or [len(data) or 1]
        self.i = 0

    async def _more(self):
        size = self.sizes[min(self.i, len(self.sizes) - 1)]
        self.i += 1
        chunk, self.data = self.data[:max(1, size)], self.data[max(1, size):]
        return chunk


class Sink:
    def write(self, data):
        pass

    async def drain(self):
        pass


def run(coro):
    return asyncio.run(coro)


#### requests

TOKEN = st.text('abcdefghijklmnopqrstuvwxyz0123456789-', min_size=1,
                max_size=12)
BODY = st.binary(max_size=300)


@st.composite
def requests(draw):
    method = draw(st.sampled_from(['GET', 'POST', 'PUT', 'DELETE']))
    path = '/' + '/'.join(draw(st.lists(TOKEN, max_size=4)))
    headers = [('Host', 'x')] + [('X-' + name, value) for name, value in draw(
        st.lists(st.tuples(TOKEN, TOKEN), max_size=4))]
    framing = draw(st.sampled_from(['none', 'length', 'chunked']))
    body = b'' if framing == 'none' else draw(BODY)
    if framing == 'length':
        headers.append(('Content-Length', str(len(body))))
        wire = body
    elif framing == 'chunked':
        headers.append(('Transfer-Encoding', 'chunked'))
        cuts = sorted(draw(st.lists(st.integers(0, len(body)), max_size=4)))
        wire, start = b'', 0
        for cut in cuts + [len(body)]:
            if cut > start:
                wire += b'%x\r\n' % (cut - start) + body[start:cut] + b'\r\n'
                start = cut
        wire += b'0\r\n\r\n'
    else:
        wire = b''
    head = '{} {} HTTP/1.1\r\n'.format(method, path) + ''.join(
        '{}: {}\r\n'.format(n, v) for n, v in headers) + '\r\n'
    return (method, path, body), head.encode() + wire


async def parse_all(data, sizes, limit=20):
    stream = Pieces(data, sizes)
    out = []
    for _ in range(limit):
        req = await Request.create(APP, stream, Sink(), ('127.0.0.1', 1))
        if req is None:
            break
        body = await req.stream.read()
        if req.body_source is not None:
            assert await req.body_source.discard(1 << 20)
        out.append((req.method, req.path, body))
    return out


PIECES = st.lists(st.integers(1, 700), max_size=8)


@FUZZ
@given(st.lists(requests(), min_size=1, max_size=5), PIECES)
def test_pipelined_requests_parse_back_exactly(reqs, sizes):
    data = b''.join(raw for _, raw in reqs)
    assert run(parse_all(data, sizes)) == [parsed for parsed, _ in reqs]


@FUZZ
@given(st.lists(requests(), min_size=1, max_size=3), PIECES,
       st.lists(st.tuples(st.integers(0, 10 ** 6), st.binary(max_size=4)),
                min_size=1, max_size=4))
def test_mutated_requests_parse_or_refuse(reqs, sizes, edits):
    data = bytearray(b''.join(raw for _, raw in reqs))
    for pos, new in edits:
        pos %= len(data) + 1
        data[pos:pos + len(new) // 2] = new
    try:
        run(parse_all(bytes(data), sizes))
    except RequestError as exc:
        assert 400 <= exc.status_code < 600
    except EOFError:
        pass  # a body that ends early: the server drops the connection


#### multipart

FIELD_NAME = st.text('abcdefghij_-0123456789', min_size=1, max_size=10)
VALUE = st.text(st.characters(blacklist_categories=('Cs',)), max_size=80)


class FakeRequest:
    def __init__(self, content_type, body, sizes):
        self.content_type = content_type
        self.stream = Pieces(body, sizes)


def encode_form(boundary, parts):
    out = b'preamble\r\n' if boundary.endswith('p') else b''
    for name, value, filename in parts:
        disposition = 'form-data; name="{}"'.format(name)
        if filename is not None:
            disposition += '; filename="{}"'.format(filename)
        out += b'--' + boundary.encode() + b'\r\nContent-Disposition: ' + \
            disposition.encode() + b'\r\n'
        if filename is not None:
            out += b'Content-Type: application/octet-stream\r\n'
        out += b'\r\n' + (value if isinstance(value, bytes)
                          else value.encode()) + b'\r\n'
    return out + b'--' + boundary.encode() + b'--\r\n'


async def parse_form(content_type, body, sizes):
    out = []
    async for name, value in FormDataIter(FakeRequest(content_type, body,
                                                      sizes)):
        if isinstance(value, FileUpload):
            out.append((name, await value.read(), value.filename))
        else:
            out.append((name, value, None))
    return out


@st.composite
def forms(draw):
    boundary = draw(st.text('abcdefghijklmnopqrstuvwxyz0123456789-',
                            min_size=1, max_size=40))
    parts = []
    for _ in range(draw(st.integers(0, 6))):
        name = draw(FIELD_NAME)
        if draw(st.booleans()):
            # file data may hold anything, delimiter look-alikes included
            data = draw(st.one_of(st.binary(max_size=600), st.sampled_from(
                [b'\r\n--', b'--' + boundary.encode(), b'\r\n-',
                 b'\r\n--' + boundary.encode()[:-1]])))
            parts.append((name, data, draw(FIELD_NAME)))
        else:
            parts.append((name, draw(VALUE), None))
    return boundary, parts


def excluded(boundary, parts):
    # a value holding the delimiter itself cannot be sent in this boundary
    delimiter = b'\r\n--' + boundary.encode()
    return any(delimiter in (value if isinstance(value, bytes)
                             else value.encode()) + b'\r\n'
               for _, value, _ in parts)


@FUZZ
@given(forms(), PIECES)
def test_multipart_round_trip(form, sizes):
    boundary, parts = form
    hypothesis.assume(not excluded(boundary, parts))
    body = encode_form(boundary, parts)
    ctype = 'multipart/form-data; boundary="{}"'.format(boundary)
    got = run(parse_form(ctype, body, sizes))
    assert got == [(n, v, f) for n, v, f in parts]


@FUZZ
@given(forms(), PIECES, st.lists(st.tuples(st.integers(0, 10 ** 6),
                                           st.binary(max_size=6)),
                                 min_size=1, max_size=4))
def test_multipart_mutated_parse_or_refuse(form, sizes, edits):
    boundary, parts = form
    body = bytearray(encode_form(boundary, parts))
    for pos, new in edits:
        pos %= len(body) + 1
        body[pos:pos + len(new) // 2] = new
    ctype = 'multipart/form-data; boundary=' + boundary
    try:
        run(parse_form(ctype, bytes(body), sizes))
    except HTTPException as exc:
        assert exc.status_code in (400, 413), exc.status_code
