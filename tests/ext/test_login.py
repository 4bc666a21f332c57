import time
import unittest

from helpers.support import run

from microdot import Microdot
from microdot.login import Login
from microdot.session import Session
from microdot.test_client import TestClient


class User:
    def __init__(self, id, name):
        self.id = id
        self.name = name


USERS = {1: User(1, 'susan'), 2: User(2, 'david')}


def make_app():
    app = Microdot()
    Session(app, secret_key='login-test-secret')
    login = Login()

    @login.user_loader
    async def load_user(user_id):
        return USERS.get(user_id)

    @app.get('/login')
    def login_form(request):
        return 'form'

    @app.post('/login')
    async def do_login(request):
        user = USERS[int(request.form['id'])]
        remember = request.form.get('remember') or ''
        return await login.login_user(
            request, user, remember=int(remember) if remember.isdigit()
            else remember == 'yes')

    @app.post('/logout')
    async def do_logout(request):
        await login.logout_user(request)
        return 'bye'

    @app.get('/private')
    @login
    def private(request):
        return 'hi ' + request.g.current_user.name

    @app.get('/settings')
    @login.fresh
    async def settings(request):
        return 'settings of ' + request.g.current_user.name

    @app.get('/whoami')
    async def whoami(request):
        user = await login.get_current_user(request)
        return user.name if user else 'nobody'

    return app


FORM = {'Content-Type': 'application/x-www-form-urlencoded'}


class TestLogin(unittest.TestCase):
    def test_anonymous_redirected_with_next(self):
        client = TestClient(make_app())
        res = run(client.get('/private?x=1'))
        self.assertEqual(res.status_code, 302)
        self.assertEqual(res.headers['Location'],
                         '/login?next=/private%3Fx%3D1')
        res = run(client.get('/settings'))
        self.assertEqual(res.status_code, 302)
        self.assertEqual(res.headers['Location'], '/login?next=/settings')

    def test_next_round_trips_the_requested_url(self):
        client = TestClient(make_app())
        url = '/private?q=a+b%26c&d=%2F'
        res = run(client.get(url))
        location = res.headers['Location']
        self.assertEqual(
            location, '/login?next=/private%3Fq%3Da%2Bb%2526c%26d%3D%252F')
        res = run(client.post(location, headers=FORM, body='id=1'))
        self.assertEqual(res.headers['Location'], '/private?q=a+b%26c&d=%2F')
        self.assertEqual(run(client.get(res.headers['Location'])).text,
                         'hi susan')

    def test_login_then_access(self):
        client = TestClient(make_app())
        res = run(client.post('/login', headers=FORM, body='id=1'))
        self.assertEqual(res.status_code, 302)
        self.assertEqual(res.headers['Location'], '/')
        self.assertEqual(run(client.get('/private')).text, 'hi susan')
        self.assertEqual(run(client.get('/settings')).text,
                         'settings of susan')
        self.assertEqual(run(client.get('/whoami')).text, 'susan')

    def test_local_next_honoured(self):
        client = TestClient(make_app())
        res = run(client.post('/login?next=%2Fprivate%3Fx%3D1',
                              headers=FORM, body='id=2'))
        self.assertEqual(res.headers['Location'], '/private?x=1')

    def test_foreign_next_ignored(self):
        client = TestClient(make_app())
        for target in ('http%3A%2F%2Fevil.example%2F', '%2F%2Fevil.example',
                       '%2F%5Cevil.example', 'evil', 'javascript:alert(1)'):
            res = run(client.post('/login?next=' + target, headers=FORM,
                                  body='id=1'))
            self.assertEqual(res.headers['Location'], '/', target)

    def test_logout(self):
        client = TestClient(make_app())
        run(client.post('/login', headers=FORM, body='id=1&remember=yes'))
        self.assertIn('_remember', client.cookies)
        self.assertEqual(run(client.post('/logout')).text, 'bye')
        self.assertNotIn('_remember', client.cookies)
        self.assertEqual(run(client.get('/whoami')).text, 'nobody')
        self.assertEqual(run(client.get('/private')).status_code, 302)

    def test_remember_me_restores_user_not_fresh(self):
        client = TestClient(make_app())
        res = run(client.post('/login', headers=FORM,
                              body='id=2&remember=yes'))
        remember = [c for c in res.headers['Set-Cookie']
                    if c.startswith('_remember=')][0]
        self.assertIn('Max-Age=', remember)
        # A new browser session: the session cookie is gone.
        client.cookies.pop('session')
        self.assertEqual(run(client.get('/private')).text, 'hi david')
        res = run(client.get('/settings'))
        self.assertEqual(res.status_code, 302)
        self.assertTrue(res.headers['Location'].startswith('/login?next='))

    def test_forged_remember_cookie_ignored(self):
        client = TestClient(make_app())
        forged = Session(secret_key='other').encode({'_user_id': 1})
        client.cookies['_remember'] = forged
        self.assertEqual(run(client.get('/whoami')).text, 'nobody')

    def test_without_remember_no_cookie(self):
        client = TestClient(make_app())
        run(client.post('/login', headers=FORM, body='id=1'))
        self.assertNotIn('_remember', client.cookies)
        client.cookies.pop('session')
        self.assertEqual(run(client.get('/whoami')).text, 'nobody')

    def test_unknown_user_id(self):
        app = make_app()
        client = TestClient(app)
        token = Session(secret_key='login-test-secret').encode(
            {'_user_id': 99})
        client.cookies['session'] = token
        self.assertEqual(run(client.get('/whoami')).text, 'nobody')
        self.assertEqual(run(client.get('/private')).status_code, 302)


def remember_cookie(res):
    for cookie in res.headers.get('Set-Cookie', []):
        if cookie.startswith('_remember='):
            return cookie
    return None


def token_of(cookie):
    return cookie.split(';')[0].split('=', 1)[1]


SESSION = Session(secret_key='login-test-secret')


class TestRememberMe(unittest.TestCase):
    def assertExpiresIn(self, data, days):
        self.assertTrue(abs(data['exp'] - time.time() - days * 86400) < 60,
                        data)

    def test_remember_true_keeps_thirty_days(self):
        client = TestClient(make_app())
        res = run(client.post('/login', headers=FORM,
                              body='id=1&remember=yes'))
        cookie = remember_cookie(res)
        self.assertIn('Max-Age=2592000', cookie)
        data = SESSION.decode(token_of(cookie))
        self.assertEqual(data['_user_id'], 1)
        self.assertExpiresIn(data, 30)

    def test_remember_a_number_of_days(self):
        client = TestClient(make_app())
        res = run(client.post('/login', headers=FORM,
                              body='id=2&remember=7'))
        cookie = remember_cookie(res)
        self.assertIn('Max-Age=604800', cookie)
        data = SESSION.decode(token_of(cookie))
        self.assertExpiresIn(data, 7)

    def test_expired_token_refused_though_the_browser_sends_it(self):
        for payload in ({'_user_id': 1, '_days': 30,
                         'exp': int(time.time()) - 10},
                        {'_user_id': 1}):  # no expiry at all
            client = TestClient(make_app(), cookies={
                '_remember': SESSION.encode(payload)})
            self.assertEqual(run(client.get('/whoami')).text, 'nobody')
            res = run(client.get('/private'))
            self.assertEqual(res.status_code, 302)
            self.assertIsNone(remember_cookie(res))

    def test_restored_login_renews_the_token(self):
        soon = int(time.time()) + 60
        client = TestClient(make_app(), cookies={
            '_remember': SESSION.encode(
                {'_user_id': 2, '_days': 2, 'exp': soon})})
        res = run(client.get('/private'))
        self.assertEqual(res.text, 'hi david')
        cookie = remember_cookie(res)
        self.assertIn('Max-Age=172800', cookie)
        data = SESSION.decode(token_of(cookie))
        self.assertEqual((data['_user_id'], data['_days']), (2, 2))
        self.assertExpiresIn(data, 2)
        # The session now holds the login: no second renewal.
        res = run(client.get('/private'))
        self.assertEqual(res.text, 'hi david')
        self.assertIsNone(remember_cookie(res))

    def test_token_of_a_deleted_user_is_not_renewed(self):
        client = TestClient(make_app(), cookies={
            '_remember': SESSION.encode(
                {'_user_id': 99, '_days': 2,
                 'exp': int(time.time()) + 60})})
        res = run(client.get('/private'))
        self.assertEqual(res.status_code, 302)
        self.assertIsNone(remember_cookie(res))
