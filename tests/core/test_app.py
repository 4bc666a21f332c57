import unittest

from microdot import Microdot, Response, abort, redirect
from microdot.test_client import TestClient
from helpers.support import run


def client_for(app):
    return TestClient(app)


class TestRouting(unittest.TestCase):
    def test_methods_and_shortcuts(self):
        app = Microdot()

        @app.route('/', methods=['get', 'post'])
        def index(req):
            return req.method

        @app.put('/')
        async def put(req):
            return 'put'

        @app.delete('/')
        async def delete(req):
            return 'delete'

        @app.patch('/')
        async def patch(req):
            return 'patch'

        c = client_for(app)
        self.assertEqual(run(c.get('/')).text, 'GET')
        self.assertEqual(run(c.post('/')).text, 'POST')
        self.assertEqual(run(c.put('/')).text, 'put')
        self.assertEqual(run(c.patch('/')).text, 'patch')
        self.assertEqual(run(c.delete('/')).text, 'delete')

    def test_first_matching_route_wins(self):
        app = Microdot()

        @app.get('/<name>')
        async def generic(req, name):
            return 'generic ' + name

        @app.get('/special')
        async def special(req):
            return 'special'

        self.assertEqual(run(client_for(app).get('/special')).text,
                         'generic special')

    def test_url_arguments(self):
        app = Microdot()

        @app.get('/u/<int:id>/<name>/<path:rest>')
        async def user(req, id, name, rest):
            return {'id': id, 'name': name, 'rest': rest,
                    'args': req.url_args}

        res = run(client_for(app).get('/u/-4/bob/a/b/c'))
        self.assertEqual(res.json['id'], -4)
        self.assertEqual(res.json['name'], 'bob')
        self.assertEqual(res.json['rest'], 'a/b/c')
        self.assertEqual(run(client_for(app).get('/u/x/bob/a')).status_code,
                         404)

    def test_percent_encoded_path_matches_decoded_route(self):
        app = Microdot()

        @app.get('/caf\u00e9/<name>')
        async def cafe(req, name):
            return name + '|' + req.path

        res = run(client_for(app).get('/caf%C3%A9/a%20b'))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.text, 'a b|/caf%C3%A9/a%20b')

    def test_404_and_405(self):
        app = Microdot()

        @app.get('/x')
        async def x(req):
            return 'x'

        @app.post('/x')
        async def x2(req):
            return 'x2'

        c = client_for(app)
        res = run(c.get('/nothing'))
        self.assertEqual((res.status_code, res.text), (404, 'Not found'))
        res = run(c.delete('/x'))
        self.assertEqual((res.status_code, res.text),
                         (405, 'Method not allowed'))
        self.assertEqual(res.headers['Allow'], 'GET, POST, HEAD, OPTIONS')

    def test_head_and_options(self):
        app = Microdot()

        @app.get('/x')
        async def x(req):
            return 'hello'

        c = client_for(app)
        res = run(c.request('HEAD', '/x'))
        self.assertEqual(res.status_code, 200)
        self.assertIsNone(res.body)
        self.assertEqual(res.headers['Content-Length'], '5')
        res = run(c.request('OPTIONS', '/x'))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers['Allow'], 'GET, HEAD, OPTIONS')

    def test_options_handler_can_be_replaced(self):
        app = Microdot()

        @app.get('/x')
        async def x(req):
            return 'hello'

        app.options_handler = lambda req: {'Allow': 'GET', 'X-Custom': '1'}
        res = run(client_for(app).request('OPTIONS', '/x'))
        self.assertEqual(res.headers['X-Custom'], '1')

    def test_sync_and_async_handlers(self):
        app = Microdot()

        @app.get('/sync')
        def sync(req):
            return 'sync'

        @app.get('/async')
        async def asyn(req):
            return 'async'

        c = client_for(app)
        self.assertEqual(run(c.get('/sync')).text, 'sync')
        self.assertEqual(run(c.get('/async')).text, 'async')


class TestReturnValues(unittest.TestCase):
    def setUp(self):
        app = Microdot()
        self.returns = {
            'str': 'text',
            'bytes': b'\x00\x01',
            'dict': {'a': 1},
            'list': [1, 2],
            'none': None,
            'int': 202,
            'body_status': ('made', 201),
            'body_status_headers': ('x', 202, {'X-A': 'b'}),
            'body_headers': ('y', {'X-B': 'c'}),
            'status_headers': (301, {'Location': '/'}),
            'response': Response('r', 203, {'X-C': 'd'}, reason='Fine'),
        }

        @app.get('/<kind>')
        async def handler(req, kind):
            return self.returns[kind]

        self.client = TestClient(app)

    def get(self, kind):
        return run(self.client.get('/' + kind))

    def test_each_kind(self):
        res = self.get('str')
        self.assertEqual((res.status_code, res.body), (200, b'text'))
        self.assertEqual(res.headers['Content-Type'],
                         'text/plain; charset=UTF-8')
        self.assertEqual(self.get('bytes').body, b'\x00\x01')
        res = self.get('dict')
        self.assertEqual(res.json, {'a': 1})
        self.assertEqual(res.headers['Content-Type'],
                         'application/json; charset=UTF-8')
        self.assertEqual(self.get('list').json, [1, 2])
        res = self.get('none')
        self.assertEqual((res.status_code, res.body), (204, b''))
        res = self.get('int')
        self.assertEqual((res.status_code, res.body), (202, b''))
        self.assertEqual(self.get('body_status').status_code, 201)
        res = self.get('body_status_headers')
        self.assertEqual((res.status_code, res.headers['X-A']), (202, 'b'))
        res = self.get('body_headers')
        self.assertEqual((res.status_code, res.headers['X-B']), (200, 'c'))
        res = self.get('status_headers')
        self.assertEqual((res.status_code, res.headers['Location']),
                         (301, '/'))
        res = self.get('response')
        self.assertEqual((res.status_code, res.reason, res.text),
                         (203, 'Fine', 'r'))


class TestStreaming(unittest.TestCase):
    def test_generator_bodies_are_streamed_and_closed(self):
        app = Microdot()
        closed = []

        def gen():
            try:
                yield 'a'
                yield b''
                yield b'b'
            finally:
                closed.append(True)

        class AsyncIter:
            def __init__(self):
                self.items = [b'x', b'y']

            def __aiter__(self):
                return self

            async def __anext__(self):
                if not self.items:
                    raise StopAsyncIteration
                return self.items.pop(0)

            async def aclose(self):
                closed.append('aclose')

        class Reader:
            def __init__(self):
                self.data = [b'12', b'3', b'']

            def read(self, n):
                return self.data.pop(0)

            def close(self):
                closed.append('file')

        @app.get('/gen')
        async def g(req):
            return gen()

        @app.get('/aiter')
        async def a(req):
            return AsyncIter()

        @app.get('/file')
        async def f(req):
            return Reader()

        c = client_for(app)
        res = run(c.get('/gen'))
        self.assertEqual(res.body, b'ab')
        self.assertNotIn('Content-Length', res.headers)
        self.assertEqual(run(c.get('/aiter')).body, b'xy')
        self.assertEqual(run(c.get('/file')).body, b'123')
        self.assertIn(True, closed)
        self.assertIn('aclose', closed)
        self.assertIn('file', closed)


class TestHooks(unittest.TestCase):
    def test_before_and_after(self):
        app = Microdot()
        calls = []

        @app.before_request
        def before(req):
            calls.append('before')
            req.g.user = 'me'

        @app.after_request
        async def after(req, res):
            calls.append('after')
            res.headers['X-After'] = '1'

        @app.after_error_request
        def after_error(req, res):
            calls.append('after_error')
            res.headers['X-Error'] = '1'

        @app.get('/')
        async def index(req):
            req.after_request(lambda req, res: calls.append('request'))
            return req.g.user

        c = client_for(app)
        res = run(c.get('/'))
        self.assertEqual(res.text, 'me')
        self.assertEqual(res.headers['X-After'], '1')
        self.assertEqual(calls, ['before', 'after', 'request'])
        calls.clear()
        res = run(c.get('/missing'))
        self.assertEqual(res.status_code, 404)
        self.assertEqual(res.headers['X-Error'], '1')
        self.assertNotIn('X-After', res.headers)
        self.assertEqual(calls, ['after_error'])

    def test_before_request_short_circuits(self):
        app = Microdot()

        @app.before_request
        def deny(req):
            if req.path == '/private':
                return 'no', 403

        @app.get('/private')
        async def private(req):
            return 'secret'

        res = run(client_for(app).get('/private'))
        self.assertEqual((res.status_code, res.text), (403, 'no'))

    def test_after_request_can_replace_response(self):
        app = Microdot()

        @app.after_request
        def replace(req, res):
            return Response('replaced', 202)

        @app.get('/')
        async def index(req):
            return 'orig'

        res = run(client_for(app).get('/'))
        self.assertEqual((res.status_code, res.text), (202, 'replaced'))


class TestErrors(unittest.TestCase):
    def test_abort_and_status_handler(self):
        app = Microdot()

        @app.get('/a')
        async def a(req):
            abort(406, 'nope')

        @app.get('/b')
        async def b(req):
            abort(404)

        @app.errorhandler(404)
        def not_found(req):
            return 'custom 404', 404

        c = client_for(app)
        res = run(c.get('/a'))
        self.assertEqual((res.status_code, res.text), (406, 'nope'))
        self.assertEqual(run(c.get('/b')).text, 'custom 404')
        self.assertEqual(run(c.get('/zzz')).text, 'custom 404')

    def test_exception_handlers_walk_the_class_hierarchy(self):
        app = Microdot()

        class MyError(KeyError):
            pass

        @app.get('/<kind>')
        async def fail(req, kind):
            if kind == 'key':
                raise MyError('k')
            raise ZeroDivisionError()

        @app.errorhandler(LookupError)
        def lookup(req, exc):
            return 'lookup ' + type(exc).__name__, 400

        c = client_for(app)
        res = run(c.get('/key'))
        self.assertEqual((res.status_code, res.text), (400, 'lookup MyError'))
        res = run(c.get('/div'))
        self.assertEqual((res.status_code, res.text),
                         (500, 'Internal server error'))

    def test_500_handler(self):
        app = Microdot()

        @app.get('/')
        async def fail(req):
            raise RuntimeError('secret detail')

        @app.errorhandler(500)
        def oops(req):
            return 'oops', 500

        res = run(client_for(app).get('/'))
        self.assertEqual((res.status_code, res.text), (500, 'oops'))

    def test_failing_error_handler_gives_plain_500(self):
        app = Microdot()

        @app.get('/')
        async def fail(req):
            raise RuntimeError('x')

        @app.errorhandler(RuntimeError)
        def broken(req, exc):
            raise ValueError('handler broke')

        res = run(client_for(app).get('/'))
        self.assertEqual(res.status_code, 500)
        self.assertNotIn(b'handler broke', res.body)

    def test_redirect_with_crlf_is_refused_with_400(self):
        app = Microdot()

        @app.get('/')
        async def go(req):
            return redirect(req.args['to'])

        c = client_for(app)
        res = run(c.get('/?to=/x%0d%0aSet-Cookie:%20a=b'))
        self.assertEqual(res.status_code, 400)
        self.assertNotIn('Set-Cookie', res.headers)
        res = run(c.get('/?to=/ok'))
        self.assertEqual((res.status_code, res.headers['Location']),
                         (302, '/ok'))

    def test_payload_too_large(self):
        app = Microdot()

        @app.post('/')
        async def index(req):
            return 'ok'

        res = run(client_for(app).post('/', body='x' * 20000))
        self.assertEqual((res.status_code, res.text),
                         (413, 'Payload too large'))


class TestMalformedRequests(unittest.TestCase):
    def make_app(self, seen):
        app = Microdot()

        @app.get('/')
        async def index(req):
            return 'index'

        @app.errorhandler(400)
        async def bad_request(req):
            seen.append(('handler', req))
            return {'error': 'malformed'}, 400

        @app.after_error_request
        def after_error(req, res):
            seen.append(('after error', req, res.status_code))
            res.headers['X-Checked'] = 'yes'

        return app

    def test_a_malformed_request_reaches_the_400_handler(self):
        seen = []
        c = client_for(self.make_app(seen))
        res = run(c.get('/', headers={'Bad Name': 'x'}))  # no space allowed
        self.assertEqual(res.status_code, 400)
        self.assertEqual(res.json, {'error': 'malformed'})
        self.assertEqual(res.headers['X-Checked'], 'yes')
        self.assertEqual(seen, [('handler', None), ('after error', None, 400)])

    def test_dispatch_request_takes_no_request(self):
        seen = []
        app = self.make_app(seen)
        res = run(app.dispatch_request(None))
        self.assertEqual(res.status_code, 400)
        self.assertEqual(res.headers['Content-Type'],
                         'application/json; charset=UTF-8')
        self.assertEqual(seen[0], ('handler', None))

    def test_without_a_handler_the_default_400(self):
        res = run(Microdot().dispatch_request(None))
        self.assertEqual((res.status_code, res.body), (400, b'Bad request'))

    def test_limits_are_not_sent_to_the_400_handler(self):
        seen = []
        c = client_for(self.make_app(seen))
        res = run(c.get('/' + 'x' * 3000))  # request line over max_readline
        self.assertEqual(res.status_code, 414)
        self.assertEqual(seen, [])


class TestMount(unittest.TestCase):
    def make_sub(self, calls):
        sub = Microdot()

        @sub.before_request
        def before(req):
            calls.append('sub before')

        @sub.get('/hello')
        async def hello(req):
            return 'hello ' + req.url_prefix

        @sub.get('/fail')
        async def fail(req):
            raise KeyError()

        @sub.errorhandler(KeyError)
        def key_error(req, exc):
            return 'sub key error', 400

        return sub

    def test_global_mount(self):
        calls = []
        app = Microdot()

        @app.get('/main')
        async def main(req):
            return 'main'

        sub = self.make_sub(calls)
        app.mount(sub, url_prefix='/sub')
        c = client_for(app)
        self.assertEqual(run(c.get('/sub/hello')).text, 'hello /sub')
        self.assertEqual(run(c.get('/sub/fail')).text, 'sub key error')
        run(c.get('/main'))
        self.assertEqual(calls, ['sub before', 'sub before', 'sub before'])

    def test_local_mount(self):
        calls = []
        app = Microdot()

        @app.get('/main')
        async def main(req):
            raise KeyError()

        sub = self.make_sub(calls)
        app.mount(sub, url_prefix='/sub', local=True)
        c = client_for(app)
        self.assertEqual(run(c.get('/sub/hello')).text, 'hello /sub')
        self.assertEqual(run(c.get('/sub/fail')).text, 'sub key error')
        self.assertEqual(run(c.get('/main')).status_code, 500)
        self.assertEqual(calls, ['sub before', 'sub before'])

    def test_local_mount_runs_the_sub_apps_after_hooks_first(self):
        calls = []
        app = Microdot()
        sub = Microdot()

        @sub.get('/ok')
        async def ok(req):
            return 'ok'

        @sub.get('/fail')
        async def fail(req):
            abort(418)

        for owner, name in ((app, 'app'), (sub, 'sub')):
            def hooks(name):
                @owner.before_request
                def before(req):
                    calls.append(name + ' before')

                @owner.after_request
                def after(req, res):
                    calls.append(name + ' after')

                @owner.after_error_request
                def after_error(req, res):
                    calls.append(name + ' after error')
            hooks(name)

        app.mount(sub, url_prefix='/sub', local=True)
        c = client_for(app)
        run(c.get('/sub/ok'))
        self.assertEqual(calls, ['app before', 'sub before', 'sub after',
                                 'app after'])
        del calls[:]
        run(c.get('/sub/fail'))
        self.assertEqual(calls, ['app before', 'sub before',
                                 'sub after error', 'app after error'])

    def test_405_on_a_local_mount_goes_to_the_sub_apps_handler(self):
        app = Microdot()
        sub = Microdot()

        @sub.get('/only-get')
        async def only_get(req):
            return 'got'

        @sub.errorhandler(405)
        async def sub_405(req):
            return 'sub 405', 405

        @app.errorhandler(405)
        async def app_405(req):
            return 'app 405', 405

        @app.get('/main')
        async def main(req):
            return 'main'

        app.mount(sub, url_prefix='/sub', local=True)
        c = client_for(app)
        res = run(c.post('/sub/only-get'))
        self.assertEqual((res.status_code, res.text), (405, 'sub 405'))
        res = run(c.post('/main'))
        self.assertEqual((res.status_code, res.text), (405, 'app 405'))

    def test_nested_mount_and_subapp_attribute(self):
        inner = Microdot()

        @inner.get('/x')
        async def x(req):
            return req.url_prefix + ' ' + str(req.subapp is inner)

        middle = Microdot()
        middle.mount(inner, url_prefix='/inner')
        app = Microdot()
        app.mount(middle, url_prefix='/middle')
        res = run(client_for(app).get('/middle/inner/x'))
        self.assertEqual(res.text, '/middle/inner True')
