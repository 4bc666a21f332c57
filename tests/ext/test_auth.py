import binascii
import unittest

from helpers.support import run

from microdot import Microdot
from microdot.auth import BasicAuth, TokenAuth
from microdot.test_client import TestClient

USERS = {'susan': 'hello', 'd\xe9j\xe0': 'p:w'}


def basic(user, password):
    raw = (user + ':' + password).encode()
    return 'Basic ' + binascii.b2a_base64(raw).decode().strip()


def basic_app(auth=None):
    app = Microdot()
    auth = auth or BasicAuth()

    @auth.authenticate
    def check(request, username, password):
        if USERS.get(username) == password:
            return {'name': username}

    @app.get('/')
    @auth
    def index(request):
        return 'hello ' + request.g.current_user['name']

    @app.get('/maybe')
    @auth.optional
    async def maybe(request):
        user = request.g.current_user
        return user['name'] if user else 'anonymous'

    return app


class TestBasicAuth(unittest.TestCase):
    def test_good_credentials(self):
        client = TestClient(basic_app())
        res = run(client.get('/', headers={'Authorization': basic(
            'susan', 'hello')}))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.text, 'hello susan')

    def test_utf8_and_colon_in_password(self):
        client = TestClient(basic_app())
        res = run(client.get('/', headers={'Authorization': basic(
            'd\xe9j\xe0', 'p:w')}))
        self.assertEqual(res.status_code, 200)

    def test_lowercase_scheme(self):
        client = TestClient(basic_app())
        value = 'basic ' + basic('susan', 'hello')[6:]
        res = run(client.get('/', headers={'Authorization': value}))
        self.assertEqual(res.status_code, 200)

    def test_credentials_with_trailing_newline(self):
        # b2a_base64() ends its value with a newline
        value = binascii.b2a_base64(b'susan:hello').decode()
        self.assertEqual(value[-1], '\n')
        client = TestClient(basic_app())
        res = run(client.get('/', headers={'Authorization': 'Basic ' + value}))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.text, 'hello susan')

    def test_missing_credentials_challenge(self):
        client = TestClient(basic_app())
        res = run(client.get('/'))
        self.assertEqual(res.status_code, 401)
        self.assertEqual(res.headers['WWW-Authenticate'],
                         'Basic realm="Please login", charset="UTF-8"')

    def test_bad_credentials(self):
        client = TestClient(basic_app())
        for value in (basic('susan', 'nope'), basic('bob', 'hello'),
                      'Basic', 'Basic !!!notbase64', 'Bearer abc',
                      'Basic ' + binascii.b2a_base64(
                          b'nocolon').decode().strip(),
                      'Basic ' + binascii.b2a_base64(
                          b'\xff\xfe:x').decode().strip()):
            res = run(client.get('/', headers={'Authorization': value}))
            self.assertEqual(res.status_code, 401, value)

    def test_custom_realm_and_status(self):
        client = TestClient(basic_app(BasicAuth(realm='Lab',
                                                error_status=403)))
        res = run(client.get('/'))
        self.assertEqual(res.status_code, 403)
        self.assertIn('realm="Lab"', res.headers['WWW-Authenticate'])

    def test_optional(self):
        client = TestClient(basic_app())
        self.assertEqual(run(client.get('/maybe')).text, 'anonymous')
        res = run(client.get('/maybe', headers={'Authorization': basic(
            'susan', 'hello')}))
        self.assertEqual(res.text, 'susan')
        res = run(client.get('/maybe', headers={'Authorization': basic(
            'susan', 'bad')}))
        self.assertEqual(res.text, 'anonymous')


def token_app(auth):
    app = Microdot()

    @auth.authenticate
    async def check(request, token):
        if token == 'secret-token':
            return 'robot'

    @auth.errorhandler
    def refused(request):
        return {'error': 'no entry'}, 401

    @app.get('/')
    @auth
    async def index(request):
        return 'hello ' + request.g.current_user

    return app


class TestTokenAuth(unittest.TestCase):
    def test_bearer(self):
        client = TestClient(token_app(TokenAuth()))
        res = run(client.get('/', headers={
            'Authorization': 'Bearer secret-token'}))
        self.assertEqual(res.text, 'hello robot')

    def test_refused_uses_errorhandler(self):
        client = TestClient(token_app(TokenAuth()))
        for headers in ({}, {'Authorization': 'Bearer nope'},
                        {'Authorization': 'Basic secret-token'},
                        {'Authorization': 'Bearer'}):
            res = run(client.get('/', headers=headers))
            self.assertEqual(res.status_code, 401)
            self.assertEqual(res.json, {'error': 'no entry'})

    def test_custom_header_without_scheme(self):
        client = TestClient(token_app(TokenAuth(header='X-API-Key',
                                                scheme=None)))
        res = run(client.get('/', headers={'X-API-Key': 'secret-token'}))
        self.assertEqual(res.text, 'hello robot')
        res = run(client.get('/', headers={
            'Authorization': 'Bearer secret-token'}))
        self.assertEqual(res.status_code, 401)

    def test_custom_header_value_is_the_whole_token(self):
        client = TestClient(token_app(TokenAuth(header='X-Token')))
        res = run(client.get('/', headers={'X-Token': 'secret-token'}))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.text, 'hello robot')
        # No scheme is stripped outside Authorization.
        res = run(client.get('/', headers={
            'X-Token': 'Bearer secret-token'}))
        self.assertEqual(res.status_code, 401)

    def test_custom_header_token_with_spaces(self):
        app = Microdot()
        auth = TokenAuth(header='X-Token')
        seen = []

        @auth.authenticate
        def check(request, token):
            seen.append(token)
            return 'robot'

        @app.get('/')
        @auth
        def index(request):
            return 'ok'

        res = run(TestClient(app).get('/', headers={
            'X-Token': 'Bearer abc def'}))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(seen, ['Bearer abc def'])

    def test_default_error(self):
        app = Microdot()
        auth = TokenAuth()

        @auth.authenticate
        def check(request, token):
            return None

        @app.get('/')
        @auth
        def index(request):
            return 'no'

        res = run(TestClient(app).get('/', headers={
            'Authorization': 'Bearer x'}))
        self.assertEqual(res.status_code, 401)
