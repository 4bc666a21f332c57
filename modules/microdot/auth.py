# HTTP authentication: Basic (RFC 7617) and bearer tokens.
#
# An auth object decorates routes. Its authenticate callback (sync or async)
# gets the credentials from the request and returns the user, or None to
# refuse; the user lands in request.g.current_user. A refused request gets
# the error callback's response (by default the error status, with a
# WWW-Authenticate challenge for Basic).
import binascii

from microdot import abort, invoke_handler



class BaseAuth:
    def __init__(self):
        self.auth_callback = None
        self.error_callback = None

    # Decorator: registers the function that validates credentials.
    def authenticate(self, f):
        self.auth_callback = f
        return f

    # Decorator: registers f(request) that answers refused requests.
    def errorhandler(self, f):
        self.error_callback = f
        return f

    # Credentials from the request as an argument tuple, or None (override).
    def _credentials(self, request):
        return None

    async def _user(self, request):
        credentials = self._credentials(request)
        if credentials is None or self.auth_callback is None:
            return None
        return await invoke_handler(self.auth_callback, request, *credentials)

    async def _refuse(self, request):
        if self.error_callback is not None:
            return await invoke_handler(self.error_callback, request)
        return self._default_error(request)

    def _default_error(self, request):
        abort(self.error_status)

    # Decorator: the route requires authentication.
    def __call__(self, f):
        async def wrapper(request, *args, **kwargs):
            user = await self._user(request)
            if user is None:
                return await self._refuse(request)
            request.g.current_user = user
            return await invoke_handler(f, request, *args, **kwargs)

        return wrapper

    # Decorator: authentication is tried; current_user is None without it.
    def optional(self, f):
        async def wrapper(request, *args, **kwargs):
            request.g.current_user = await self._user(request)
            return await invoke_handler(f, request, *args, **kwargs)

        return wrapper


class BasicAuth(BaseAuth):
    def __init__(self, realm='Please login', charset='UTF-8', scheme='Basic',
                 error_status=401):
        super().__init__()
        self.realm = realm
        self.charset = charset
        self.scheme = scheme
        self.error_status = error_status

    def _credentials(self, request):
        value = request.headers.get('Authorization')
        if not value:
            return None
        parts = value.strip().split(None, 1)
        if len(parts) != 2 or parts[0].lower() != self.scheme.lower():
            return None
        try:
            decoded = binascii.a2b_base64(parts[1].strip()).decode(
                self.charset)
        except (ValueError, UnicodeError, LookupError):
            return None
        i = decoded.find(':')
        if i < 0:
            return None
        return decoded[:i], decoded[i + 1:]

    def _default_error(self, request):
        challenge = '{} realm="{}"'.format(self.scheme, self.realm)
        if self.charset:
            challenge += ', charset="{}"'.format(self.charset)
        return 'Unauthorized', self.error_status, \
            {'WWW-Authenticate': challenge}


class TokenAuth(BaseAuth):
    def __init__(self, header='Authorization', scheme='Bearer',
                 error_status=401):
        super().__init__()
        self.header = header
        self.scheme = scheme
        self.error_status = error_status

    # Only the Authorization header carries a scheme ('Bearer <token>'); in
    # any other header the whole value is the token.
    def _credentials(self, request):
        value = request.headers.get(self.header)
        if not value:
            return None
        value = value.strip()
        if self.scheme and self.header.lower() == 'authorization':
            parts = value.split(None, 1)
            if len(parts) != 2 or parts[0].lower() != self.scheme.lower():
                return None
            value = parts[1].strip()
        if not value:
            return None
        return (value,)
