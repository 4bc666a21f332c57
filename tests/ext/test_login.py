import unittest

from support import run

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
        return await login.login_user(
            request, user, remember=request.form.get('remember') == 'yes')

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
                         '/login?next=%2Fprivate%3Fx%3D1')
        res = run(client.get('/settings'))
        self.assertEqual(res.status_code, 302)

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
