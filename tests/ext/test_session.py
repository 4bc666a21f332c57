import binascii
import unittest

from helpers.support import run

from microdot import Microdot, abort
from microdot.cors import CORS
from microdot.session import Session, with_session, _hmac_pads, _hmac_sha256
from microdot.test_client import TestClient

SECRET = 'a-secret-key-that-is-long-enough-for-hs256'
# The example token of RFC 7519 section 3.1 rewritten with HS256 by jwt.io.
JWT_IO_TOKEN = (
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.'
    'eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.'
    'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c')


def hexdigest(key, message):
    return binascii.hexlify(_hmac_sha256(_hmac_pads(key), message)).decode()


def make_app():
    app = Microdot()
    Session(app, secret_key=SECRET)

    @app.get('/set/<value>')
    @with_session
    def set_value(request, session, value):
        session['value'] = value
        session.save()
        return 'ok'

    @app.get('/get')
    @with_session
    async def get_value(request, session):
        return session.get('value') or '-'

    @app.get('/clear')
    @with_session
    def clear(request, session):
        session.delete()
        return 'cleared'

    return app


class TestHmac(unittest.TestCase):
    def test_rfc4231_short_key(self):
        self.assertEqual(
            hexdigest(b'Jefe', b'what do ya want for nothing?'),
            '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843')

    def test_rfc4231_key_longer_than_block(self):
        self.assertEqual(
            hexdigest(b'\xaa' * 131,
                      b'Test Using Larger Than Block-Size Key - Hash Key First'),
            '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54')

    def test_str_key_is_utf8(self):
        self.assertEqual(hexdigest('Jefe', b'x'), hexdigest(b'Jefe', b'x'))


class TestTokens(unittest.TestCase):
    def setUp(self):
        self.session = Session(secret_key=SECRET)

    def test_round_trip(self):
        token = self.session.encode({'user': 'susan', 'n': [1, 2]})
        self.assertEqual(token.count('.'), 2)
        self.assertEqual(self.session.decode(token),
                         {'user': 'susan', 'n': [1, 2]})

    def test_known_token_verifies(self):
        self.assertEqual(
            self.session.decode(JWT_IO_TOKEN, 'your-256-bit-secret'),
            {'sub': '1234567890', 'name': 'John Doe', 'iat': 1516239022})

    def test_wrong_key(self):
        token = self.session.encode({'a': 1}, secret_key='other')
        self.assertIsNone(self.session.decode(token))
        self.assertEqual(self.session.decode(token, 'other'), {'a': 1})

    def test_tampered_payload(self):
        token = self.session.encode({'admin': False})
        header, payload, signature = token.split('.')
        forged = Session(secret_key='x').encode({'admin': True}).split('.')[1]
        self.assertIsNone(self.session.decode(
            header + '.' + forged + '.' + signature))

    def test_tampered_signature(self):
        token = self.session.encode({'a': 1})
        last = token[-1]
        token = token[:-1] + ('A' if last != 'A' else 'B')
        self.assertIsNone(self.session.decode(token))

    def test_alg_none_refused(self):
        token = self.session.encode({'a': 1})
        none_header = 'eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0'  # alg: none
        parts = token.split('.')
        self.assertIsNone(self.session.decode(
            none_header + '.' + parts[1] + '.'))
        self.assertIsNone(self.session.decode(
            none_header + '.' + parts[1] + '.' + parts[2]))

    def test_malformed_tokens(self):
        for token in ('', 'abc', 'a.b', 'a.b.c.d', '!!.??.**',
                      'eyJhbGciOiJIUzI1NiJ9.e30.', '\xe9.\xe9.\xe9',
                      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.x.y'):
            self.assertIsNone(self.session.decode(token))

    def test_non_dict_payload(self):
        token = self.session.encode({})
        header = token.split('.')[0]
        # A correctly signed token whose payload is a list is still refused.
        from microdot.session import _b64encode
        body = _b64encode(b'[1, 2]')
        signing_input = header.encode() + b'.' + body
        signature = _b64encode(_hmac_sha256(_hmac_pads(SECRET),
                                            signing_input))
        self.assertIsNone(self.session.decode(
            (signing_input + b'.' + signature).decode()))

    def test_expired(self):
        token = self.session.encode({'a': 1, 'exp': 1000})
        self.assertIsNone(self.session.decode(token))
        token = self.session.encode({'a': 1, 'exp': 4102444800})  # 2100
        self.assertEqual(self.session.decode(token)['a'], 1)

    def test_not_yet_valid(self):
        token = self.session.encode({'a': 1, 'nbf': 4102444800})
        self.assertIsNone(self.session.decode(token))

    def test_bad_exp_type(self):
        token = self.session.encode({'a': 1, 'exp': 'tomorrow'})
        self.assertIsNone(self.session.decode(token))

    def test_no_secret_key(self):
        with self.assertRaises(ValueError):
            Session().encode({'a': 1})
        with self.assertRaises(ValueError):
            Session().decode(Session(secret_key=SECRET).encode({'a': 1}))

    def test_secret_key_assigned_later(self):
        session = Session()
        session.secret_key = SECRET
        token = session.encode({'a': 1})
        self.assertEqual(Session(secret_key=SECRET).decode(token), {'a': 1})
        session.secret_key = 'another'
        self.assertIsNone(session.decode(token))


class TestSessionApp(unittest.TestCase):
    def test_save_and_read_back(self):
        client = TestClient(make_app())
        res = run(client.get('/get'))
        self.assertEqual(res.text, '-')
        res = run(client.get('/set/hello'))
        self.assertEqual(res.text, 'ok')
        cookie = res.headers['Set-Cookie'][0]
        self.assertTrue(cookie.startswith('session='))
        self.assertIn('Path=/', cookie)
        self.assertIn('HttpOnly', cookie)
        res = run(client.get('/get'))
        self.assertEqual(res.text, 'hello')

    def test_delete(self):
        client = TestClient(make_app())
        run(client.get('/set/hello'))
        res = run(client.get('/clear'))
        self.assertIn('Max-Age=0', res.headers['Set-Cookie'][0])
        self.assertNotIn('session', client.cookies)
        self.assertEqual(run(client.get('/get')).text, '-')

    def test_tampered_cookie_gives_empty_session(self):
        client = TestClient(make_app())
        run(client.get('/set/hello'))
        client.cookies['session'] = client.cookies['session'][:-2] + 'xx'
        self.assertEqual(run(client.get('/get')).text, '-')

    def test_garbage_cookie_gives_empty_session(self):
        client = TestClient(make_app(), cookies={'session': 'garbage'})
        self.assertEqual(run(client.get('/get')).text, '-')

    def test_no_save_no_cookie(self):
        client = TestClient(make_app())
        res = run(client.get('/get'))
        self.assertNotIn('Set-Cookie', res.headers)

    def test_get_update_delete_api(self):
        app = Microdot()
        session = Session()
        session.initialize(app, secret_key=SECRET,
                           cookie_options={'path': '/app', 'secure': True})

        @app.get('/app/count')
        def index(request):
            data = session.get(request)
            self.assertIs(data, session.get(request))
            data['n'] = data.get('n', 0) + 1
            session.update(request, data)
            return str(data['n'])

        client = TestClient(app)
        self.assertEqual(run(client.get('/app/count')).text, '1')
        res = run(client.get('/app/count'))
        self.assertEqual(res.text, '2')
        cookie = res.headers['Set-Cookie'][0]
        self.assertIn('Path=/app', cookie)
        self.assertIn('Secure', cookie)


class TestSessionInMountedApp(unittest.TestCase):
    def test_a_sub_app_session_works_once_mounted(self):
        sub = Microdot()
        Session(sub, secret_key=SECRET)

        @sub.get('/set')
        @with_session
        def set_value(request, session):
            session['value'] = 'sub'
            session.save()
            return 'ok'

        @sub.get('/get')
        @with_session
        def get_value(request, session):
            return session.get('value') or '-'

        for local in (False, True):
            app = Microdot()
            app.mount(sub, url_prefix='/sub', local=local)
            client = TestClient(app)
            self.assertEqual(run(client.get('/sub/set')).text, 'ok')
            self.assertEqual(run(client.get('/sub/get')).text, 'sub')


class TestSessionWithoutKey(unittest.TestCase):
    def test_reading_a_session_without_a_secret_key_raises(self):
        app = Microdot()
        session = Session(app)
        raised = []

        @app.get('/direct')
        def direct(request):
            try:
                session.get(request)
            except ValueError:
                raised.append(True)
                return 'raised'
            return 'empty session'

        @app.get('/decorated')
        @with_session
        def decorated(request, data):
            return 'empty session'

        client = TestClient(app)
        self.assertEqual(run(client.get('/direct')).text, 'raised')
        self.assertEqual(raised, [True])
        res = run(client.get('/decorated'))
        self.assertEqual(res.status_code, 500)
        self.assertNotIn('Set-Cookie', res.headers)


class TestVaryCookie(unittest.TestCase):
    def make_app(self, cors=False):
        app = make_app()
        if cors:
            CORS(app, allowed_origins=['https://a.example'])

        @app.get('/static')
        def static(request):
            return 'same for all', {'Vary': 'Accept-Encoding'}

        @app.get('/mine')
        @with_session
        def mine(request, session):
            return session.get('value') or '-', {'Vary': 'Accept-Encoding'}

        @app.get('/gone')
        @with_session
        def gone(request, session):
            abort(404)

        @app.errorhandler(404)
        @with_session
        def not_found(request, session):
            return 'no page for ' + (session.get('value') or '-'), 404

        return app

    def test_a_session_read_adds_vary_cookie(self):
        client = TestClient(self.make_app())
        for path in ('/get', '/set/x', '/clear'):
            res = run(client.get(path))
            self.assertEqual(res.headers['Vary'], 'Cookie', path)

    def test_no_session_read_no_vary(self):
        client = TestClient(self.make_app())
        res = run(client.get('/static'))
        self.assertEqual(res.headers['Vary'], 'Accept-Encoding')
        res = run(client.options('/get'))
        self.assertNotIn('Vary', res.headers)

    def test_vary_merged_with_other_values(self):
        client = TestClient(self.make_app(cors=True))
        res = run(client.get('/mine', headers={
            'Origin': 'https://a.example'}))
        self.assertEqual(res.headers['Access-Control-Allow-Origin'],
                         'https://a.example')
        self.assertEqual(sorted(res.headers['Vary'].split(', ')),
                         ['Accept-Encoding', 'Cookie', 'Origin'])
        res = run(client.get('/get', headers={'Origin': 'https://a.example'}))
        self.assertEqual(sorted(res.headers['Vary'].split(', ')),
                         ['Cookie', 'Origin'])
        res = run(client.get('/get'))  # no Origin: CORS adds nothing
        self.assertEqual(res.headers['Vary'], 'Cookie')

    def test_error_responses_after_a_session_read(self):
        client = TestClient(self.make_app(cors=True))
        run(client.get('/set/susan'))
        for path in ('/gone', '/nowhere'):
            res = run(client.get(path))
            self.assertEqual(res.status_code, 404)
            self.assertEqual(res.text, 'no page for susan')
            self.assertEqual(res.headers['Vary'], 'Cookie', path)
