# User logins kept in the session.
#
# login_user() stores the user's id in the session (and, with remember=True
# or a number of days, in a long-lived signed `_remember` cookie); the
# user_loader callback turns the id back into a user object on later
# requests. The remember token carries its own expiry, so the server refuses
# it once expired whatever the browser keeps, and it is renewed each time a
# login is restored from it. A login is "fresh" when it was made with
# credentials during this browser session; a user restored from the remember
# cookie is logged in but not fresh. Protected routes redirect anonymous
# users to login_url?next=<the URL they asked for>; login_user() follows a
# local ?next= only.
from microdot import Response, invoke_handler, urlencode
from microdot.session import session_manager, _now



# True for a URL that stays on this site: a path, no scheme or host.
def _is_local(url):
    return url.startswith('/') and not url.startswith('//') and \
        '\\' not in url and '\r' not in url and '\n' not in url


class Login:
    id_attribute = 'id'
    remember_cookie_name = '_remember'
    remember_days = 30

    def __init__(self, login_url='/login'):
        self.login_url = login_url
        self.user_loader_callback = None

    # Decorator: f(user_id) returns the user (sync or async), or None.
    def user_loader(self, f):
        self.user_loader_callback = f
        return f

    def _session(self, request):
        return session_manager(request).get(request)

    def _user_id(self, user):
        return getattr(user, self.id_attribute)

    # Logs the user in; returns a redirect to ?next= (when local) or to
    # redirect_url.
    async def login_user(self, request, user, remember=False,
                         redirect_url='/'):
        session = self._session(request)
        user_id = self._user_id(user)
        session['_user_id'] = user_id
        session['_fresh'] = True
        session.save()
        request.g.current_user = user
        next_url = request.args.get('next')
        if next_url and _is_local(next_url):
            redirect_url = next_url
        response = Response.redirect(redirect_url)
        if remember:
            days = self.remember_days if remember is True else remember
            self._set_remember_cookie(request, response, user_id, days)
        return response

    # The remember-me cookie: a signed token with the user id, the number
    # of days it lasts and its expiry time.
    def _set_remember_cookie(self, request, response, user_id, days):
        manager = session_manager(request)
        seconds = int(days * 86400)
        token = manager.encode({'_user_id': user_id, '_days': days,
                                'exp': int(_now()) + seconds})
        options = dict(manager.cookie_options)
        options['max_age'] = seconds
        response.set_cookie(self.remember_cookie_name, token, **options)

    # Logs the user out and forgets the remember cookie.
    async def logout_user(self, request):
        session = self._session(request)
        session.pop('_user_id', None)
        session.pop('_fresh', None)
        session.save()
        request.g.current_user = None
        if request.cookies.get(self.remember_cookie_name):
            options = session_manager(request).cookie_options
            name = self.remember_cookie_name

            def _forget(request, response):
                response.delete_cookie(name, **options)
                return response

            request.after_request(_forget)

    # The logged-in user, or None.
    async def get_current_user(self, request):
        if getattr(request.g, '_login_checked', False):
            return request.g.current_user
        request.g._login_checked = True
        request.g.current_user = None
        session = self._session(request)
        user_id = session.get('_user_id')
        remembered = None
        if user_id is None:
            token = request.cookies.get(self.remember_cookie_name)
            if token:
                # decode() refuses an expired token; one without an expiry
                # (made before tokens carried one) is refused too.
                remembered = session_manager(request).decode(token)
                if remembered and 'exp' in remembered:
                    user_id = remembered.get('_user_id')
            if user_id is None:
                return None
        if self.user_loader_callback is None:
            raise ValueError('Login.user_loader is not set')
        user = await invoke_handler(self.user_loader_callback, user_id)
        if user is not None and remembered:
            session['_user_id'] = user_id
            session['_fresh'] = False
            session.save()
            days = remembered.get('_days') or self.remember_days

            async def _renew_remember_cookie(request, response):
                self._set_remember_cookie(request, response, user_id, days)

            request.after_request(_renew_remember_cookie)
        request.g.current_user = user
        return user

    # A redirect to login_url?next=<this request's URL>: the URL as the
    # client sent it, escaped as one query value with its slashes kept.
    def _redirect_to_login(self, request):
        return Response.redirect(self.login_url + '?next=' + urlencode(
            request.url).replace('%2F', '/'))

    # Decorator: the route requires a logged-in user.
    def __call__(self, f):
        async def wrapper(request, *args, **kwargs):
            if await self.get_current_user(request) is None:
                return self._redirect_to_login(request)
            return await invoke_handler(f, request, *args, **kwargs)

        return wrapper

    # Decorator: the route requires a login made during this session.
    def fresh(self, f):
        async def wrapper(request, *args, **kwargs):
            user = await self.get_current_user(request)
            if user is None or not self._session(request).get('_fresh'):
                return self._redirect_to_login(request)
            return await invoke_handler(f, request, *args, **kwargs)

        return wrapper
