import os
import unittest

from microdot import AsyncBytesIO, HTTPException, Microdot, Request, \
    Response, send_file
from microdot.protocol import RequestError
from microdot.test_client import TestClient
from helpers.support import run

TMP = '/tmp' if 'tmp' in os.listdir('/') else '.'


def create(raw):
    return run(Request.create('app', AsyncBytesIO(raw), AsyncBytesIO(b''),
                              ('1.2.3.4', 5)))


def status_of(raw):
    try:
        create(raw)
    except RequestError as exc:
        return exc.status_code
    return None


class TestRequest(unittest.TestCase):
    def test_attributes(self):
        req = create(b'GET /p/a?x=1&y=%20z&x=2 HTTP/1.1\r\nHost: h\r\n'
                     b'Cookie: a=1; b=2\r\nContent-Type: text/plain\r\n\r\n')
        self.assertEqual(req.method, 'GET')
        self.assertEqual(req.url, '/p/a?x=1&y=%20z&x=2')
        self.assertEqual(req.path, '/p/a')
        self.assertEqual(req.query_string, 'x=1&y=%20z&x=2')
        self.assertEqual(req.args.getlist('x'), ['1', '2'])
        self.assertEqual(req.args['y'], ' z')
        self.assertEqual(req.cookies, {'a': '1', 'b': '2'})
        self.assertEqual(req.args, {'x': ['1', '2'], 'y': [' z']})
        self.assertEqual(req.headers['host'], 'h')
        self.assertEqual(req.content_type, 'text/plain')
        self.assertEqual(req.http_version, '1.1')
        self.assertEqual(req.client_addr, ('1.2.3.4', 5))
        self.assertEqual(req.body, b'')
        self.assertEqual(req.scheme, 'http')

    def test_eof_gives_none(self):
        self.assertIsNone(create(b''))

    def test_body_json_and_form(self):
        req = create(b'POST / HTTP/1.1\r\nContent-Length: 9\r\n'
                     b'Content-Type: application/json\r\n\r\n{"a": 1}\n')
        self.assertEqual(req.json, {'a': 1})
        self.assertIsNone(req.form)
        req = create(b'POST / HTTP/1.1\r\nContent-Length: 9\r\nContent-Type:'
                     b' application/x-www-form-urlencoded\r\n\r\na=1&b=x+y')
        self.assertEqual(req.form['b'], 'x y')
        self.assertIsNone(req.json)

    def test_malformed_json_is_400(self):
        req = create(b'POST / HTTP/1.1\r\nContent-Length: 3\r\n'
                     b'Content-Type: application/json\r\n\r\n{x}')
        with self.assertRaises(RequestError):
            req.json

    def test_chunked_body(self):
        req = create(b'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n'
                     b'3\r\nabc\r\n2;ext\r\nde\r\n0\r\nTrailer: x\r\n\r\n')
        self.assertEqual(req.body, b'abcde')

    def test_large_body_left_in_stream(self):
        saved = Request.max_body_length
        Request.max_body_length = 4
        try:
            req = create(b'POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n'
                         b'0123456789')
            self.assertEqual(req.body, b'')
            self.assertEqual(run(req.stream.read()), b'0123456789')
            req = create(b'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n'
                         b'\r\n6\r\n012345\r\n4\r\n6789\r\n0\r\n\r\n')
            self.assertEqual(req.body, b'')
            self.assertEqual(run(req.stream.read()), b'0123456789')
        finally:
            Request.max_body_length = saved

    def test_limits(self):
        long_path = b'/' + b'a' * 3000
        self.assertEqual(status_of(b'GET ' + long_path + b' HTTP/1.1\r\n\r\n'),
                         414)
        self.assertEqual(status_of(b'GET / HTTP/1.1\r\nX: ' + b'a' * 3000 +
                                   b'\r\n\r\n'), 431)
        many = b''.join(b'X%d: y\r\n' % i for i in range(40))
        self.assertEqual(status_of(b'GET / HTTP/1.1\r\n' + many + b'\r\n'),
                         431)
        big = b''.join(b'X%d: %s\r\n' % (i, b'y' * 500) for i in range(10))
        self.assertEqual(status_of(b'GET / HTTP/1.1\r\n' + big + b'\r\n'),
                         431)

    def test_bad_framing(self):
        self.assertEqual(status_of(
            b'POST / HTTP/1.1\r\nContent-Length: 3\r\n'
            b'Transfer-Encoding: chunked\r\n\r\n'), 400)
        self.assertEqual(status_of(
            b'POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n'), 501)
        self.assertEqual(status_of(
            b'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n'
            b'zz\r\n'), 400)
        self.assertEqual(status_of(
            b'POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort'), 400)
        self.assertEqual(status_of(b'GET / HTTP/1.1\r\n folded\r\n\r\n'), 400)
        self.assertEqual(status_of(b'GET / HTTP/1.1\r\nHost: a'), 400)


class TestResponse(unittest.TestCase):
    def written(self, res):
        out = AsyncBytesIO(b'')
        run(res.write(out))
        return out.data

    def test_write_is_http_1_0(self):
        data = self.written(Response('foo'))
        self.assertTrue(data.startswith(b'HTTP/1.0 200 OK\r\n'))
        self.assertIn(b'Content-Length: 3\r\n', data)
        self.assertIn(b'Content-Type: text/plain; charset=UTF-8\r\n', data)
        self.assertTrue(data.endswith(b'\r\n\r\nfoo'))
        self.assertTrue(self.written(Response('x', 404)).startswith(
            b'HTTP/1.0 404 Not Found\r\n'))

    def test_cookie_parts_without_a_value(self):
        # as Microdot's: a part without '=' is a cookie with no value, and a
        # stray ';' one named ''
        req = create(b'GET / HTTP/1.1\r\nHost: h\r\n'
                     b'Cookie: foo=bar;nothing;abc=def;\r\n\r\n')
        self.assertEqual(req.cookies, {'foo': 'bar', 'nothing': '',
                                       'abc': 'def', '': ''})

    def test_cookies(self):
        res = Response('x')
        res.set_cookie('a', '1', path='/', max_age=10, http_only=True,
                       secure=True, partitioned=True)
        res.set_cookie('b', '2', expires='Wed, 21 Oct 2026 07:28:00 GMT')
        res.delete_cookie('c')
        data = self.written(res)
        self.assertIn(b'Set-Cookie: a=1; Path=/; Max-Age=10; Secure; '
                      b'HttpOnly; Partitioned\r\n', data)
        self.assertIn(b'Set-Cookie: b=2; Expires=Wed, 21 Oct 2026 '
                      b'07:28:00 GMT\r\n', data)
        self.assertIn(b'Set-Cookie: c=; Expires=Thu, 01 Jan 1970', data)
        for bad in ('a;b', 'a\r\nX: y', 'a\nb'):
            with self.assertRaises(ValueError):
                res.set_cookie('n', bad)

    def test_header_injection_refused(self):
        res = Response('x', headers={'X-A': 'a\r\nInjected: 1'})
        res.complete()
        with self.assertRaises(ValueError):
            res.header_items()

    def test_redirect(self):
        res = Response.redirect('/there', 301)
        self.assertEqual((res.status_code, res.headers['Location']),
                         (301, '/there'))
        with self.assertRaises(ValueError):
            Response.redirect('/x\r\n\r\n<p>')


class TestSendFile(unittest.TestCase):
    def setUp(self):
        self.root = TMP + '/microdot_test_root'
        try:
            os.mkdir(self.root)
        except OSError:
            pass
        with open(self.root + '/page.html', 'w') as f:
            f.write('<p>hello</p>')
        with open(self.root + '/app.js.gz', 'wb') as f:
            f.write(b'\x1f\x8b gzip bytes')
        with open(TMP + '/microdot_secret.txt', 'w') as f:
            f.write('secret')
        app = Microdot()

        @app.get('/static/<path:name>')
        async def static(req, name):
            return send_file(name, root=self.root, max_age=60)

        @app.get('/gz/<path:name>')
        async def gz(req, name):
            return send_file(self.root + '/' + name, compressed=True,
                             file_extension='.gz')

        self.client = TestClient(app)

    def tearDown(self):
        os.remove(self.root + '/page.html')
        os.remove(self.root + '/app.js.gz')
        os.remove(TMP + '/microdot_secret.txt')
        os.rmdir(self.root)

    def test_serves_with_type_length_etag_and_cache(self):
        res = run(self.client.get('/static/page.html'))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.body, b'<p>hello</p>')
        self.assertEqual(res.headers['Content-Type'], 'text/html')
        self.assertEqual(res.headers['Content-Length'], '12')
        self.assertEqual(res.headers['Cache-Control'], 'max-age=60')
        etag = res.headers['ETag']
        res = run(self.client.get('/static/page.html',
                                  headers={'If-None-Match': etag}))
        self.assertEqual((res.status_code, res.body), (304, b''))

    def test_compressed_file_extension_is_added_to_the_path(self):
        # Microdot's pre-compressed static files: app.js.gz sent as app.js
        res = run(self.client.get('/gz/app.js'))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.body, b'\x1f\x8b gzip bytes')
        self.assertEqual(res.headers['Content-Encoding'], 'gzip')
        self.assertEqual(res.headers['Content-Type'],
                         'application/javascript')
        self.assertEqual(res.headers['Content-Length'], '13')
        # no app.js.gz.gz: the extension is not guessed away
        self.assertEqual(run(self.client.get('/gz/app.js.gz')).status_code,
                         404)

    def test_gzip_sibling_for_clients_that_take_it(self):
        plain = run(self.client.get('/static/app.js'))
        self.assertEqual(plain.status_code, 404)  # only app.js.gz exists
        with open(self.root + '/page.html.gz', 'wb') as f:
            f.write(b'\x1f\x8b gz page')
        try:
            plain = run(self.client.get('/static/page.html'))
            self.assertEqual(plain.body, b'<p>hello</p>')
            self.assertEqual(plain.headers['Vary'], 'Accept-Encoding')
            self.assertNotIn('Content-Encoding', plain.headers)
            for accept in ('gzip', 'br, gzip;q=0.5', 'GZIP, deflate', '*'):
                gz = run(self.client.get('/static/page.html',
                                         headers={'Accept-Encoding': accept}))
                self.assertEqual(gz.body, b'\x1f\x8b gz page', accept)
                self.assertEqual(gz.headers['Content-Encoding'], 'gzip')
                self.assertEqual(gz.headers['Content-Type'], 'text/html')
                self.assertEqual(gz.headers['Content-Length'], '10')
                self.assertEqual(gz.headers['Vary'], 'Accept-Encoding')
                self.assertEqual(gz.headers['Cache-Control'], 'max-age=60')
            self.assertNotEqual(gz.headers['ETag'], plain.headers['ETag'])
            res = run(self.client.get('/static/page.html', headers={
                'Accept-Encoding': 'gzip', 'If-None-Match': gz.headers['ETag']}))
            self.assertEqual((res.status_code, res.body), (304, b''))
            for refused in ('gzip;q=0', 'deflate', 'identity'):
                res = run(self.client.get('/static/page.html', headers={
                    'Accept-Encoding': refused}))
                self.assertEqual(res.body, b'<p>hello</p>', refused)
        finally:
            os.remove(self.root + '/page.html.gz')

    def test_missing_file_is_404(self):
        self.assertEqual(run(self.client.get('/static/nope.txt')).status_code,
                         404)
        self.assertEqual(run(self.client.get('/static/')).status_code, 404)

    def test_cannot_escape_root(self):
        for path in ('/static/../microdot_secret.txt',
                     '/static/%2e%2e/microdot_secret.txt',
                     '/static/..%2fmicrodot_secret.txt',
                     '/static/..%5cmicrodot_secret.txt',
                     '/static/%2E%2E%2F%2E%2E' + TMP + '/microdot_secret.txt',
                     '/static/page.html%00.txt'):
            res = run(self.client.get(path))
            self.assertEqual(res.status_code, 404, path)
            self.assertNotIn(b'secret', res.body)

    def test_send_file_raises_http_404(self):
        with self.assertRaises(HTTPException):
            send_file(TMP + '/does-not-exist')


class TestTestClient(unittest.TestCase):
    def test_cookies_persist_and_expire(self):
        app = Microdot()

        @app.get('/set')
        async def set_(req):
            res = Response('set')
            res.set_cookie('session', 'abc')
            return res

        @app.get('/get')
        async def get(req):
            return req.cookies.get('session', 'none')

        @app.get('/clear')
        async def clear(req):
            res = Response('cleared')
            res.delete_cookie('session')
            return res

        c = TestClient(app)
        run(c.get('/set'))
        self.assertEqual(run(c.get('/get')).text, 'abc')
        run(c.get('/clear'))
        self.assertEqual(run(c.get('/get')).text, 'none')

    def test_json_body(self):
        app = Microdot()

        @app.post('/')
        async def echo(req):
            return req.json

        res = run(TestClient(app).post('/', body={'x': [1, 2]}))
        self.assertEqual(res.json, {'x': [1, 2]})

    def test_head_response_has_no_body(self):
        app = Microdot()

        @app.get('/data')
        async def data(req):
            return {'a': 1}

        res = run(TestClient(app).head('/data'))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers['Content-Length'], '8')
        self.assertIsNone(res.body)
        self.assertIsNone(res.text)
        self.assertIsNone(res.json)
        self.assertIsNone(res.events)

    def test_already_handled_gives_a_response(self):
        app = Microdot()

        @app.get('/silent')
        async def silent(req):
            return Response.already_handled

        @app.get('/raw')
        async def raw(req):
            stream, writer = req.sock
            writer.write(b'HTTP/1.1 418 Teapot\r\nX-Made: by hand\r\n\r\n')
            await writer.drain()
            return Response.already_handled

        client = TestClient(app)
        res = run(client.get('/silent'))
        self.assertIsNotNone(res)
        self.assertIsNone(res.status_code)
        self.assertIsNone(res.body)
        self.assertIsNone(res.text)
        self.assertIsNone(res.json)
        res = run(client.get('/raw'))
        self.assertEqual((res.status_code, res.reason), (418, 'Teapot'))
        self.assertEqual(res.headers['X-Made'], 'by hand')
        self.assertIsNone(res.body)

    def test_header_values_are_stripped(self):
        app = Microdot()

        @app.get('/')
        async def index(req):
            return req.headers.get('X-Token', 'missing') + '|' + \
                req.headers.get('X-Other', 'missing')

        res = run(TestClient(app).get('/', headers={
            'X-Token': '  abc\n', 'X-Other': 'two words\r\n'}))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.text, 'abc|two words')

    def test_cookies_honour_path(self):
        app = Microdot()

        @app.get('/child/set')
        async def set_child(req):
            res = Response('set')
            res.set_cookie('c', 'child', path='/child')
            return res

        @app.get('/set-root')
        async def set_root(req):
            res = Response('set')
            res.set_cookie('r', 'root', path='/')
            res.set_cookie('c', 'everywhere')
            return res

        @app.get('/child/forget')
        async def forget_child(req):
            res = Response('forgot')
            res.delete_cookie('c', path='/child')
            return res

        @app.get('/')
        @app.get('/<path:path>')
        async def show(req, path=''):
            return ' '.join(k + '=' + v
                            for k, v in sorted(req.cookies.items()))

        client = TestClient(app)
        run(client.get('/child/set'))
        self.assertEqual(run(client.get('/')).text, '')
        self.assertEqual(run(client.get('/children')).text, '')
        self.assertEqual(run(client.get('/child')).text, 'c=child')
        self.assertEqual(run(client.get('/child/page?x=1')).text, 'c=child')
        run(client.get('/set-root'))
        self.assertEqual(run(client.get('/')).text, 'c=everywhere r=root')
        # the cookie with the more specific path is the one the app sees
        self.assertEqual(run(client.get('/child/page')).text, 'c=child r=root')
        run(client.get('/child/forget'))
        self.assertEqual(run(client.get('/child/page')).text,
                         'c=everywhere r=root')

    def test_cookie_deleted_on_one_path_stays_on_another(self):
        app = Microdot()

        @app.get('/a/set')
        async def set_a(req):
            res = Response('set')
            res.set_cookie('id', 'a', path='/a')
            return res

        @app.get('/b/set')
        async def set_b(req):
            res = Response('set')
            res.set_cookie('id', 'b', path='/b')
            return res

        @app.get('/a/forget')
        async def forget_a(req):
            res = Response('forgot')
            res.delete_cookie('id', path='/a')
            return res

        @app.get('/<path:path>')
        async def show(req, path):
            return req.cookies.get('id', 'none')

        client = TestClient(app)
        run(client.get('/a/set'))
        run(client.get('/b/set'))
        run(client.get('/a/forget'))
        self.assertEqual(run(client.get('/a/x')).text, 'none')
        self.assertEqual(run(client.get('/b/x')).text, 'b')

    def test_constructor_cookies_go_to_every_path(self):
        app = Microdot()

        @app.get('/')
        @app.get('/<path:path>')
        async def show(req, path=''):
            return req.cookies.get('token', 'none')

        client = TestClient(app, cookies={'token': 't1'})
        self.assertEqual(run(client.get('/')).text, 't1')
        self.assertEqual(run(client.get('/deep/inside')).text, 't1')
