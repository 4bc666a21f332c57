"""Session tokens interoperate with PyJWT, the reference JWT library."""
import asyncio
import time

import pytest

from microdot import Microdot
from microdot.session import Session, with_session
from microdot.test_client import TestClient

jwt = pytest.importorskip('jwt')

SECRET = 'an-interoperability-secret-long-enough-for-every-hmac-algorithm-0123'


def test_pyjwt_token_verifies_here():
    payload = {'user': 'susan', 'roles': ['admin'], 'n': 3,
               'exp': int(time.time()) + 60}
    token = jwt.encode(payload, SECRET, algorithm='HS256')
    assert Session(secret_key=SECRET).decode(token) == payload


def test_our_token_verifies_with_pyjwt():
    payload = {'user': 'd\xe9j\xe0', 'nested': {'a': [1, 2.5, None, True]}}
    token = Session(secret_key=SECRET).encode(payload)
    assert jwt.get_unverified_header(token) == {'alg': 'HS256',
                                                'typ': 'JWT'}
    assert jwt.decode(token, SECRET, algorithms=['HS256']) == payload


def test_pyjwt_refuses_our_token_with_another_key():
    token = Session(secret_key=SECRET).encode({'a': 1})
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, SECRET + 'x', algorithms=['HS256'])


def test_expired_pyjwt_token_is_refused():
    token = jwt.encode({'a': 1, 'exp': int(time.time()) - 10}, SECRET,
                       algorithm='HS256')
    assert Session(secret_key=SECRET).decode(token) is None


def test_other_algorithms_refused():
    for alg in ('HS384', 'HS512'):
        token = jwt.encode({'a': 1}, SECRET, algorithm=alg)
        assert Session(secret_key=SECRET).decode(token) is None


def test_session_cookie_from_pyjwt():
    app = Microdot()
    Session(app, secret_key=SECRET)

    @app.get('/')
    @with_session
    def index(request, session):
        return session.get('user', 'nobody')

    token = jwt.encode({'user': 'susan'}, SECRET, algorithm='HS256')
    client = TestClient(app, cookies={'session': token})
    assert asyncio.run(client.get('/')).text == 'susan'
    # Cookie written by the app decodes with PyJWT.
    @app.get('/set')
    @with_session
    def set_user(request, session):
        session['user'] = 'david'
        session.save()
        return 'ok'

    asyncio.run(client.get('/set'))
    assert jwt.decode(client.cookies['session'], SECRET,
                      algorithms=['HS256']) == {'user': 'david'}


def test_remember_token_is_a_jwt_with_an_expiry():
    from microdot.login import Login

    app = Microdot()
    Session(app, secret_key=SECRET)
    login = Login()

    class User:
        id = 7

    @login.user_loader
    def load_user(user_id):
        return User() if user_id == 7 else None

    @app.post('/login')
    async def do_login(request):
        return await login.login_user(request, User(), remember=3)

    @app.get('/me')
    @login
    def me(request):
        return str(request.g.current_user.id)

    client = TestClient(app)
    asyncio.run(client.post('/login'))
    claims = jwt.decode(client.cookies['_remember'], SECRET,
                        algorithms=['HS256'])
    assert claims['_user_id'] == 7
    assert abs(claims['exp'] - time.time() - 3 * 86400) < 60
    # A remember token PyJWT made, already expired, logs nobody in.
    expired = jwt.encode({'_user_id': 7, 'exp': int(time.time()) - 1},
                         SECRET, algorithm='HS256')
    client = TestClient(app, cookies={'_remember': expired})
    assert asyncio.run(client.get('/me')).status_code == 302
    valid = jwt.encode({'_user_id': 7, 'exp': int(time.time()) + 60},
                       SECRET, algorithm='HS256')
    client = TestClient(app, cookies={'_remember': valid})
    assert asyncio.run(client.get('/me')).text == '7'
