"""Property test of request parsing: random and mutated request bytes, fed
through Request.create() and dispatch, and random requests through the
TestClient. The only exception allowed is RequestError (a clean 4xx/5xx
decision); a response is never a 500.

The example count is small by default so this runs in seconds; set
PARSER_FUZZ_EXAMPLES (e.g. 20000) for a long run.
"""
import asyncio
import os

import pytest

hypothesis = pytest.importorskip('hypothesis')
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from microdot import AsyncBytesIO, Microdot, Request, Response  # noqa: E402
from microdot.protocol import RequestError  # noqa: E402
from microdot.streams import ConnectionStream  # noqa: E402
from microdot.test_client import TestClient  # noqa: E402

EXAMPLES = int(os.environ.get('PARSER_FUZZ_EXAMPLES', '0') or 0)
FUZZ = settings(
    max_examples=EXAMPLES or 120,
    derandomize=not EXAMPLES,  # the quick run is the same every time
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
ADDR = ('127.0.0.1', 1234)

app = Microdot()


@app.route('/', methods=['GET', 'POST', 'PUT', 'DELETE', 'PATCH'])
async def index(request):
    return 'ok'


# Touches every parsed part of the request.
@app.route('/all/<path:rest>', methods=['GET', 'POST', 'PUT'])
async def everything(request, rest):
    parts = [rest, request.path, request.query_string or '',
             repr(sorted(request.args.items())), repr(request.cookies),
             repr(request.headers.get('Content-Type')),
             repr(request.json), repr(request.form),
             str(len(await request.stream.read()))]
    return ' '.join(parts)


@app.route('/int/<int:n>/<name>')
async def typed(request, n, name):
    return Response(name, headers={'X-N': str(n)})


def check_request_error(exc):
    assert isinstance(exc, ValueError)
    assert 400 <= exc.status_code < 600, exc.status_code
    assert isinstance(exc.reason, str)


async def serve_bytes(data, max_requests=3):
    """Parses and dispatches up to max_requests requests from data, the
    way the server does on one connection; returns the status codes."""
    stream = ConnectionStream(AsyncBytesIO(data))
    statuses = []
    for _ in range(max_requests):
        try:
            req = await Request.create(app, stream, AsyncBytesIO(b''), ADDR)
        except RequestError as exc:
            check_request_error(exc)
            statuses.append(exc.status_code)
            break
        if req is None:
            break
        res = await app.dispatch_request(req)
        assert res.status_code != 500, (data, res.body)
        try:
            res.header_items()
        except RequestError as exc:
            check_request_error(exc)
        it = res.body_iter()
        async for chunk in it:
            assert isinstance(chunk, bytes)
        await it.aclose()
        statuses.append(res.status_code)
        if req.body_source is not None:
            try:
                if not await req.body_source.discard(req.max_body_length):
                    break
            except RequestError as exc:
                check_request_error(exc)
                break
    return statuses


_loop = None


def run(coro):
    global _loop
    if _loop is None:
        _loop = asyncio.new_event_loop()
    return _loop.run_until_complete(coro)


def run_bytes(data):
    return run(serve_bytes(data))


#### strategies

METHODS = st.sampled_from(['GET', 'POST', 'PUT', 'HEAD', 'OPTIONS', 'DELETE',
                           'PATCH', 'get', 'G ET', '', 'CONNECT', 'X' * 20])
TARGETS = st.one_of(
    st.sampled_from(['/', '/all/x', '/all/a/b?x=1&y=%41&z', '/int/5/n',
                     '/int/-3/%C3%A9', '/all/%2e%2e/%00', '/all/%zz',
                     '/all/%ff%fe', '*', 'http://h/all/x', 'https://h',
                     '/?a=%ff', '/all/x?%=&=%', '//', '/all/\x7f',
                     '/int/99999999999999999999999/x']),
    st.text(min_size=0, max_size=30).map(lambda s: '/all/' + s))
VERSIONS = st.sampled_from(['HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.x',
                            'http/1.1', 'HTTP/1.1 ', 'HTTP/11', ''])
HEADER_NAMES = st.sampled_from([
    'Host', 'Content-Length', 'Transfer-Encoding', 'Content-Type', 'Cookie',
    'Connection', 'Expect', 'X-A', 'content-length', 'Host ', ' Host', '',
    'X\x00Y', 'Tr\u00e4nsfer'])
HEADER_VALUES = st.one_of(
    st.sampled_from([
        '0', '5', '10', '-1', '+3', '0x5', '1e2', ' 7 ', '5, 5',
        '99999999999999999999', '\u0661', '\u00b2', 'chunked', 'Chunked',
        'gzip, chunked', 'chunked, chunked', 'identity',
        'application/json', 'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x', 'a=b; c=d; =; e', 'close',
        'keep-alive', '100-continue', 'x\ry', 'x\x00y', '']),
    st.text(max_size=20))
BODIES = st.one_of(
    st.binary(max_size=64),
    st.sampled_from([b'{"a": 1}', b'{bad json', b'a=1&b=%zz&c', b'\xff\xfe',
                     b'a=%ff', b'5\r\nhello\r\n0\r\n\r\n', b'0\r\n\r\n',
                     b'zz\r\n', b'5;x=y\r\nhello\r\n0\r\nT: v\r\n\r\n',
                     b'ffffffff\r\n']))
EOLS = st.sampled_from(['\r\n', '\r\n', '\r\n', '\n', '\r', '\n\r'])


@st.composite
def requests(draw):
    eol = draw(EOLS)
    line = '{} {} {}'.format(draw(METHODS), draw(TARGETS), draw(VERSIONS))
    headers = draw(st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES),
                            max_size=6))
    if draw(st.booleans()):
        headers.insert(0, ('Host', 'example.com'))
    text = line + eol + ''.join('{}: {}{}'.format(n, v, eol)
                                for n, v in headers) + eol
    return text.encode('utf-8') + draw(BODIES)


@st.composite
def mutated(draw):
    data = bytearray(draw(requests()))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(['flip', 'insert', 'delete', 'truncate',
                                     'repeat']))
        i = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == 'flip' and data:
            data[i] = draw(st.integers(0, 255))
        elif kind == 'insert':
            data[i:i] = draw(st.sampled_from(
                [b'\r\n', b'\n', b' ', b':', b'\x00', b'\t', b'%', b'\xff',
                 b'0\r\n\r\n', b'Content-Length: 3\r\n',
                 b'Transfer-Encoding: chunked\r\n']))
        elif kind == 'delete':
            del data[i:i + draw(st.integers(1, 8))]
        elif kind == 'truncate':
            del data[i:]
        elif kind == 'repeat':
            data[i:i] = data[:i]
    return bytes(data)


#### properties

@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes(data):
    run_bytes(data)


@FUZZ
@given(requests())
@example(b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
@example(b'POST /all/x HTTP/1.1\r\nHost: x\r\nContent-Length: \xd9\xa1\r\n'
         b'\r\nab')  # a non-ASCII digit
@example(b'POST /all/x HTTP/1.1\r\nHost: x\r\nContent-Length: \xc2\xb2\r\n'
         b'\r\nab')  # a superscript two
@example(b'POST /all/x HTTP/1.1\r\nHost: x\r\nContent-Type: '
         b'application/x-www-form-urlencoded\r\nContent-Length: 2\r\n\r\n'
         b'\xff\xfe')  # a form body that is not UTF-8
def test_structured_requests(data):
    run_bytes(data)


@FUZZ
@given(mutated())
def test_mutated_requests(data):
    run_bytes(data)


@FUZZ
@given(st.lists(requests(), min_size=2, max_size=4))
def test_pipelined_requests(datas):
    run(serve_bytes(b''.join(datas), max_requests=len(datas)))


def test_nonascii_content_length_is_refused():
    # framing must accept ASCII digits only: an Arabic-Indic or fullwidth
    # digit must not be read as a length
    for value in ('\u0661', '\uff15', '\u00b2'):
        data = (b'POST /all/x HTTP/1.1\r\nHost: x\r\nContent-Length: ' +
                value.encode() + b'\r\n\r\nhello')
        assert run_bytes(data) == [400], value


def test_non_utf8_form_body_is_not_500():
    data = (b'POST /all/x HTTP/1.1\r\nHost: x\r\nContent-Type: '
            b'application/x-www-form-urlencoded\r\nContent-Length: 2\r\n\r\n'
            b'\xff\xfe')
    assert run_bytes(data) in ([200], [400])


#### the test client

CLIENT_METHODS = st.one_of(METHODS, st.text(max_size=8))
CLIENT_HEADERS = st.dictionaries(
    st.one_of(HEADER_NAMES, st.text(min_size=1, max_size=10)),
    HEADER_VALUES, max_size=4)


@FUZZ
@given(CLIENT_METHODS, TARGETS, CLIENT_HEADERS,
       st.one_of(st.none(), BODIES, st.text(max_size=30)))
def test_test_client(method, path, headers, body):
    async def go():
        client = TestClient(app)
        try:
            res = await client.request(method, path, headers=headers,
                                       body=body)
        except RequestError as exc:
            check_request_error(exc)
            return
        if res is not None:
            assert res.status_code != 500, res.body

    run(go())
