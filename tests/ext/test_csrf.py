import unittest

from helpers.support import run

from microdot import Microdot
from microdot.cors import CORS
from microdot.csrf import CSRF
from microdot.test_client import TestClient


def make_app(cors_origins=None, **kwargs):
    app = Microdot()
    cors = CORS(app, allowed_origins=cors_origins) if cors_origins else None
    csrf = CSRF(app, cors, **kwargs)

    @app.route('/submit', methods=['GET', 'POST', 'DELETE'])
    def submit(request):
        return 'done'

    @app.post('/hook')
    @csrf.exempt
    def hook(request):
        return 'hooked'

    @app.post('/guarded')
    @csrf.protect
    def guarded(request):
        return 'guarded'

    @app.route('/report', methods=['GET', 'OPTIONS'])
    @csrf.protect
    def report(request):
        return 'report'

    return app


def post(client, path='/submit', **headers):
    h = {}
    for name, value in headers.items():
        h[name.replace('_', '-')] = value
    return run(client.post(path, headers=h, body='x'))


class TestCSRF(unittest.TestCase):
    def test_sec_fetch_site(self):
        client = TestClient(make_app())
        self.assertEqual(post(client, Sec_Fetch_Site='same-origin')
                         .status_code, 200)
        self.assertEqual(post(client, Sec_Fetch_Site='none').status_code,
                         200)
        self.assertEqual(post(client, Sec_Fetch_Site='cross-site')
                         .status_code, 403)
        self.assertEqual(post(client, Sec_Fetch_Site='same-site')
                         .status_code, 403)

    def test_same_site_with_subdomains(self):
        client = TestClient(make_app(allow_subdomains=True))
        self.assertEqual(post(client, Sec_Fetch_Site='same-site')
                         .status_code, 200)

    def test_safe_methods_unchecked_on_unmarked_routes(self):
        client = TestClient(make_app())
        res = run(client.get('/submit', headers={
            'Sec-Fetch-Site': 'cross-site'}))
        self.assertEqual(res.status_code, 200)

    def test_delete_checked(self):
        client = TestClient(make_app())
        res = run(client.delete('/submit', headers={
            'Sec-Fetch-Site': 'cross-site'}))
        self.assertEqual(res.status_code, 403)

    def test_no_browser_headers_pass(self):
        client = TestClient(make_app())
        self.assertEqual(post(client).status_code, 200)

    def test_origin_fallback(self):
        client = TestClient(make_app(), host='app.example')
        self.assertEqual(post(client, Origin='http://app.example')
                         .status_code, 200)
        self.assertEqual(post(client, Origin='http://evil.example')
                         .status_code, 403)
        self.assertEqual(post(client, Origin='https://app.example')
                         .status_code, 403)
        self.assertEqual(post(client, Origin='null').status_code, 403)
        self.assertEqual(post(client, Origin='http://x.app.example')
                         .status_code, 403)

    def test_origin_subdomain_allowed(self):
        client = TestClient(make_app(allow_subdomains=True),
                            host='app.example')
        self.assertEqual(post(client, Origin='http://x.app.example')
                         .status_code, 200)
        self.assertEqual(post(client, Origin='http://xapp.example')
                         .status_code, 403)

    def test_cors_origins_allowed(self):
        client = TestClient(make_app(cors_origins=['https://friend.example']))
        self.assertEqual(post(client, Sec_Fetch_Site='cross-site',
                              Origin='https://friend.example').status_code,
                         200)
        self.assertEqual(post(client, Origin='https://friend.example')
                         .status_code, 200)
        self.assertEqual(post(client, Sec_Fetch_Site='cross-site',
                              Origin='https://other.example').status_code,
                         403)

    def test_cors_wildcard_does_not_open_csrf(self):
        client = TestClient(make_app(cors_origins='*'))
        self.assertEqual(post(client, Sec_Fetch_Site='cross-site',
                              Origin='https://other.example').status_code,
                         403)

    def test_exempt(self):
        client = TestClient(make_app())
        self.assertEqual(post(client, '/hook', Sec_Fetch_Site='cross-site')
                         .status_code, 200)

    def test_protect_only_marked(self):
        client = TestClient(make_app(protect_all=False))
        self.assertEqual(post(client, Sec_Fetch_Site='cross-site')
                         .status_code, 200)
        self.assertEqual(post(client, '/guarded',
                              Sec_Fetch_Site='cross-site').status_code, 403)

    def test_protect_applies_to_safe_methods(self):
        for protect_all in (True, False):
            client = TestClient(make_app(protect_all=protect_all))
            for method in ('GET', 'HEAD', 'OPTIONS'):
                res = run(client.request(method, '/report', headers={
                    'Sec-Fetch-Site': 'cross-site'}))
                self.assertEqual(res.status_code, 403, method)
                res = run(client.request(method, '/report', headers={
                    'Sec-Fetch-Site': 'same-origin'}))
                self.assertEqual(res.status_code, 200, method)
            # Unmarked GET routes stay unchecked.
            res = run(client.get('/submit', headers={
                'Sec-Fetch-Site': 'cross-site'}))
            self.assertEqual(res.status_code, 200)

    def test_protected_get_checks_origin_without_fetch_metadata(self):
        client = TestClient(make_app(), host='app.example')
        res = run(client.get('/report', headers={
            'Origin': 'http://evil.example'}))
        self.assertEqual(res.status_code, 403)
        res = run(client.get('/report', headers={
            'Origin': 'http://app.example'}))
        self.assertEqual(res.status_code, 200)

    def test_subdomains_of_cors_origins(self):
        origins = ['https://friend.example', 'https://api.other.example:8443']
        strict = TestClient(make_app(cors_origins=origins))
        loose = TestClient(make_app(cors_origins=origins,
                                    allow_subdomains=True))
        for origin, allowed in (
                ('https://app.friend.example', True),
                ('https://a.b.friend.example', True),
                ('http://app.friend.example', False),
                ('https://evilfriend.example', False),
                ('https://app.friend.example:444', False),
                ('https://x.api.other.example:8443', True),
                ('https://x.api.other.example', False)):
            for headers in ({'Sec_Fetch_Site': 'cross-site',
                             'Origin': origin}, {'Origin': origin}):
                self.assertEqual(post(strict, **headers).status_code, 403,
                                 origin)
                self.assertEqual(post(loose, **headers).status_code,
                                 200 if allowed else 403, origin)
