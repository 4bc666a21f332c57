import unittest

from helpers.support import run

from microdot import Microdot
from microdot.cors import CORS
from microdot.test_client import TestClient


def make_app(**kwargs):
    app = Microdot()

    @app.route('/items', methods=['GET', 'POST'])
    def items(request):
        return 'items'

    @app.get('/varied')
    def varied(request):
        return 'v', {'Vary': 'Accept-Encoding'}

    @app.get('/fail')
    def fail(request):
        return 'nope', 500

    CORS(app, **kwargs)
    return app


def preflight(client, path='/items', origin='https://a.example',
              method='POST', headers=None):
    h = {'Origin': origin, 'Access-Control-Request-Method': method}
    if headers:
        h['Access-Control-Request-Headers'] = headers
    return run(client.options(path, headers=h))


class TestCORS(unittest.TestCase):
    def test_preflight_allowed_origin(self):
        client = TestClient(make_app(
            allowed_origins=['https://a.example'], max_age=600,
            allowed_headers=['X-Token', 'Content-Type']))
        res = preflight(client, headers='x-token')
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers['Access-Control-Allow-Origin'],
                         'https://a.example')
        self.assertEqual(res.headers['Access-Control-Allow-Methods'], 'POST')
        self.assertEqual(res.headers['Access-Control-Allow-Headers'],
                         'X-Token, Content-Type')
        self.assertEqual(res.headers['Access-Control-Max-Age'], '600')
        self.assertIn('Origin', res.headers['Vary'])
        # The app's own OPTIONS answer is kept.
        self.assertIn('POST', res.headers['Allow'])
        self.assertIn('OPTIONS', res.headers['Allow'])

    def test_preflight_echoes_when_unconfigured(self):
        client = TestClient(make_app(allowed_origins='*'))
        res = preflight(client, method='PUT', headers='X-A, X-B')
        self.assertEqual(res.headers['Access-Control-Allow-Origin'],
                         'https://a.example')
        self.assertEqual(res.headers['Vary'], 'Origin')
        self.assertEqual(res.headers['Access-Control-Allow-Methods'], 'PUT')
        self.assertEqual(res.headers['Access-Control-Allow-Headers'],
                         'X-A, X-B')
        self.assertNotIn('Access-Control-Max-Age', res.headers)

    def test_preflight_configured_methods(self):
        client = TestClient(make_app(allowed_origins='*',
                                     allowed_methods=['GET', 'POST']))
        res = preflight(client)
        self.assertEqual(res.headers['Access-Control-Allow-Methods'],
                         'GET, POST')

    def test_preflight_disallowed_origin(self):
        client = TestClient(make_app(
            allowed_origins=['https://a.example'], allow_credentials=True,
            max_age=600, allowed_headers=['X-Token']))
        res = preflight(client, origin='https://evil.example',
                        headers='X-Token')
        self.assertEqual(res.status_code, 200)
        self.assertIn('POST', res.headers['Allow'])
        self.assertNotIn('Vary', res.headers)  # as Microdot 2.7
        for name in res.headers:
            self.assertFalse(name.lower().startswith('access-control-'),
                             name)

    def test_simple_request_disallowed_origin(self):
        client = TestClient(make_app(
            allowed_origins=['https://a.example'], allow_credentials=True,
            expose_headers=['X-Total']))
        res = run(client.get('/items', headers={
            'Origin': 'https://evil.example'}))
        self.assertEqual(res.text, 'items')
        self.assertNotIn('Vary', res.headers)  # as Microdot 2.7
        for name in res.headers:
            self.assertFalse(name.lower().startswith('access-control-'),
                             name)

    def test_simple_request_headers(self):
        client = TestClient(make_app(
            allowed_origins=['https://a.example'],
            expose_headers=['X-Total']))
        res = run(client.get('/items', headers={
            'Origin': 'https://a.example'}))
        self.assertEqual(res.text, 'items')
        self.assertEqual(res.headers['Access-Control-Allow-Origin'],
                         'https://a.example')
        self.assertEqual(res.headers['Access-Control-Expose-Headers'],
                         'X-Total')
        self.assertNotIn('Access-Control-Allow-Credentials', res.headers)

    def test_no_origin(self):
        # every origin allowed: a literal *, and no Vary (as Microdot 2.7)
        client = TestClient(make_app(allowed_origins='*'))
        res = run(client.get('/items'))
        self.assertEqual(res.headers['Access-Control-Allow-Origin'], '*')
        self.assertNotIn('Vary', res.headers)
        client = TestClient(make_app(allowed_origins=['https://a.example']))
        res = run(client.get('/items'))
        self.assertNotIn('Access-Control-Allow-Origin', res.headers)
        self.assertNotIn('Vary', res.headers)

    def test_not_configured_adds_nothing(self):
        client = TestClient(make_app())
        res = run(client.get('/items', headers={'Origin': 'https://x.y'}))
        self.assertNotIn('Access-Control-Allow-Origin', res.headers)
        self.assertNotIn('Vary', res.headers)

    def test_wildcard_echoes_origin(self):
        client = TestClient(make_app(allowed_origins='*',
                                     expose_headers='X-Total'))
        res = run(client.get('/items', headers={'Origin': 'https://x.y'}))
        self.assertEqual(res.headers['Access-Control-Allow-Origin'],
                         'https://x.y')
        self.assertEqual(res.headers['Vary'], 'Origin')
        self.assertEqual(res.headers['Access-Control-Expose-Headers'],
                         'X-Total')
        self.assertNotIn('Access-Control-Allow-Credentials', res.headers)
        res = run(client.get('/varied', headers={'Origin': 'http://z:1'}))
        self.assertEqual(res.headers['Access-Control-Allow-Origin'],
                         'http://z:1')
        self.assertEqual(res.headers['Vary'], 'Accept-Encoding, Origin')
        res = run(client.get('/missing', headers={'Origin': 'https://x.y'}))
        self.assertEqual(res.status_code, 404)
        self.assertEqual(res.headers['Access-Control-Allow-Origin'],
                         'https://x.y')
        self.assertEqual(res.headers['Vary'], 'Origin')

    def test_credentials_never_use_wildcards(self):
        client = TestClient(make_app(
            allowed_origins='*', allow_credentials=True,
            allowed_methods='*', allowed_headers='*'))
        res = run(client.get('/items', headers={'Origin': 'https://x.y'}))
        self.assertEqual(res.headers['Access-Control-Allow-Origin'],
                         'https://x.y')
        self.assertEqual(res.headers['Access-Control-Allow-Credentials'],
                         'true')
        self.assertEqual(res.headers['Vary'], 'Origin')
        res = preflight(client, origin='https://x.y', method='DELETE',
                        headers='X-A')
        self.assertEqual(res.headers['Access-Control-Allow-Methods'],
                         'DELETE')
        self.assertEqual(res.headers['Access-Control-Allow-Headers'], 'X-A')

    def test_wildcard_methods_without_credentials(self):
        client = TestClient(make_app(allowed_origins='*',
                                     allowed_methods='*'))
        res = preflight(client)
        self.assertEqual(res.headers['Access-Control-Allow-Methods'], '*')

    def test_vary_merged(self):
        client = TestClient(make_app(allowed_origins=['https://a.example']))
        res = run(client.get('/varied', headers={
            'Origin': 'https://a.example'}))
        self.assertEqual(res.headers['Vary'], 'Accept-Encoding, Origin')

    def test_error_responses_get_headers(self):
        client = TestClient(make_app(allowed_origins=['https://a.example']))
        res = run(client.get('/missing', headers={
            'Origin': 'https://a.example'}))
        self.assertEqual(res.status_code, 404)
        self.assertEqual(res.headers['Access-Control-Allow-Origin'],
                         'https://a.example')
        res = run(client.get('/fail', headers={
            'Origin': 'https://a.example'}))
        self.assertEqual(res.headers['Access-Control-Allow-Origin'],
                         'https://a.example')

    def test_handle_cors_false(self):
        app = make_app()
        cors = CORS(allowed_origins='*')
        cors.initialize(app, handle_cors=False)
        client = TestClient(app)
        res = run(client.get('/items', headers={'Origin': 'https://x.y'}))
        self.assertNotIn('Access-Control-Allow-Origin', res.headers)
        res = preflight(client, origin='https://x.y')
        self.assertEqual(res.headers['Access-Control-Allow-Origin'],
                         'https://x.y')

    def test_get_cors_headers_single_origin_string(self):
        cors = CORS(allowed_origins='https://a.example')

        class G:
            pass

        class Req:
            method = 'GET'
            headers = {'Origin': 'https://a.example'}
            g = G()

        self.assertEqual(cors.get_cors_headers(Req())[
            'Access-Control-Allow-Origin'], 'https://a.example')
        Req.headers = {'Origin': 'https://b.example'}
        self.assertNotIn('Access-Control-Allow-Origin',
                         cors.get_cors_headers(Req()))
