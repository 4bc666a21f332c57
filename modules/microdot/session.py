# Signed cookie sessions.
#
# The session is a dict stored client-side in a cookie named `session`, as a
# JSON Web Token signed with HS256 (HMAC-SHA256), so tokens interoperate with
# other JWT libraries. HMAC is built here from hashlib.sha256, which exists on
# MicroPython and CPython alike (MicroPython has no hmac module). A token that
# is malformed, signed with another key or algorithm, or past its `exp` claim
# gives an empty session. Changes are written back to the response through a
# per-request after_request hook when the handler calls save() or delete().
# Using a session with no secret key configured raises ValueError. The
# response to a request that read its session says `Vary: Cookie`, so that a
# shared cache never hands one user's page to another.
import binascii
import hashlib
import json
import time

from microdot import invoke_handler
from microdot.vary import add_vary

# time.time() counts from 2000 on some boards; JWT times count from 1970.
_EPOCH_OFFSET = 946684800 if time.gmtime(0)[0] == 2000 else 0
# {"alg":"HS256","typ":"JWT"}, encoded
_HEADER = b'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9'


# The Session serving request: a mounted sub-app's own one first.
def session_manager(request):
    return getattr(request.subapp, '_session', None) or request.app._session


def _b64encode(data):
    return binascii.b2a_base64(data).rstrip(b'=\n').replace(
        b'+', b'-').replace(b'/', b'_')


def _b64decode(data):
    if len(data) % 4 == 1:
        raise ValueError('bad base64')
    for c in data:
        if not (0x30 <= c <= 0x39 or 0x41 <= c <= 0x5a or 0x61 <= c <= 0x7a
                or c == 0x2d or c == 0x5f):
            raise ValueError('bad base64')
    data = data.replace(b'-', b'+').replace(b'_', b'/')
    return binascii.a2b_base64(data + b'=' * (-len(data) % 4))


# The two padded keys of HMAC-SHA256 for a secret key.
def _hmac_pads(key):
    if isinstance(key, str):
        key = key.encode()
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key + b'\x00' * (64 - len(key))
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5c for b in key)


def _hmac_sha256(pads, message):
    inner = hashlib.sha256(pads[0])
    inner.update(message)
    outer = hashlib.sha256(pads[1])
    outer.update(inner.digest())
    return outer.digest()


# Compares two byte strings in time that depends only on their length.
def _equal(a, b):
    if len(a) != len(b):
        return False
    diff = 0
    for i in range(len(a)):
        diff |= a[i] ^ b[i]
    return diff == 0


def _now():
    return time.time() + _EPOCH_OFFSET


class SessionDict(dict):
    def __init__(self, request, session_dict):
        super().__init__(session_dict)
        self.request = request

    def save(self):
        session_manager(self.request).update(self.request, self)

    def delete(self):
        session_manager(self.request).delete(self.request)


class Session:
    cookie_name = 'session'

    def __init__(self, app=None, secret_key=None, cookie_options=None):
        self.secret_key = None
        self._pads = None  # (secret_key, HMAC pads) for the key last used
        self.cookie_options = None
        if app is not None or secret_key is not None:
            self.initialize(app, secret_key=secret_key,
                            cookie_options=cookie_options)

    def initialize(self, app=None, secret_key=None, cookie_options=None):
        if secret_key is not None:
            self.secret_key = secret_key
        options = dict(cookie_options or {})
        if 'path' not in options:
            options['path'] = '/'
        if 'http_only' not in options:
            options['http_only'] = True
        self.cookie_options = options
        if app is not None:
            app._session = self

    # The request's session (decoded once per request, then cached in g).
    def get(self, request):
        session = getattr(request.g, '_session', None)
        if session is None:
            self._get_pads(None)  # no secret key: ValueError, not {}
            data = {}
            token = request.cookies.get(self.cookie_name)
            if token:
                data = self.decode(token) or {}
            session = SessionDict(request, data)
            request.g._session = session
            add_vary(request, 'Cookie')  # the response depends on it
        return session

    def update(self, request, session):
        token = self.encode(session)
        options = self.cookie_options
        name = self.cookie_name

        def _set_session_cookie(request, response):
            response.set_cookie(name, token, **options)
            return response

        request.after_request(_set_session_cookie)

    def delete(self, request):
        request.g._session = SessionDict(request, {})
        options = self.cookie_options
        name = self.cookie_name

        def _delete_session_cookie(request, response):
            response.delete_cookie(name, **options)
            return response

        request.after_request(_delete_session_cookie)

    # The HMAC pads of secret_key, else of the configured key (computed once
    # per key, so a key assigned to self.secret_key later is used too).
    def _get_pads(self, secret_key):
        if secret_key is not None:
            return _hmac_pads(secret_key)
        key = self.secret_key
        if key is None:
            raise ValueError('The session secret key is not configured')
        cached = self._pads
        if cached is None or cached[0] is not key:
            cached = self._pads = (key, _hmac_pads(key))
        return cached[1]

    # A JWT (str) signed with HS256 holding the payload dict.
    def encode(self, payload, secret_key=None):
        pads = self._get_pads(secret_key)
        body = json.dumps({k: v for k, v in payload.items()})
        signing_input = _HEADER + b'.' + _b64encode(body.encode())
        signature = _b64encode(_hmac_sha256(pads, signing_input))
        return (signing_input + b'.' + signature).decode()

    # The payload dict of a valid token, or None when the token is malformed,
    # not HS256, badly signed, expired or not yet valid.
    def decode(self, session, secret_key=None):
        pads = self._get_pads(secret_key)
        try:
            if isinstance(session, str):
                session = session.encode()
            parts = session.split(b'.')
            if len(parts) != 3:
                return None
            header = json.loads(_b64decode(parts[0]))
            if not isinstance(header, dict) or header.get('alg') != 'HS256':
                return None
            expected = _b64encode(_hmac_sha256(
                pads, parts[0] + b'.' + parts[1]))
            if not _equal(expected, parts[2]):
                return None
            payload = json.loads(_b64decode(parts[1]))
        except (ValueError, TypeError, UnicodeError):
            return None
        if not isinstance(payload, dict):
            return None
        now = _now()
        try:
            if 'exp' in payload and now >= payload['exp']:
                return None
            if 'nbf' in payload and now < payload['nbf']:
                return None
        except TypeError:
            return None
        return payload


# Decorator: the handler gets the session as its second argument.
def with_session(f):
    async def wrapper(request, *args, **kwargs):
        return await invoke_handler(
            f, request, session_manager(request).get(request), *args,
            **kwargs)

    return wrapper
