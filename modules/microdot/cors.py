# Cross-Origin Resource Sharing (the Fetch standard's CORS protocol).
#
# Preflight requests (OPTIONS with Access-Control-Request-Method) are answered
# by the app's automatic OPTIONS response, through the app's options_handler
# hook, with the allowed methods, headers and max age added. Other requests
# from an allowed origin get Access-Control-Allow-Origin (and credentials,
# exposed headers) added by after-request hooks, error responses included.
# The allowed origin is always echoed, also for allowed_origins='*' (a
# literal * would make browsers refuse credentialed requests), so every
# answer depends on the request's Origin: `Vary: Origin` is merged into any
# Vary header already set, on refused and Origin-less requests too (the
# Fetch standard's advice, so a cache never hands one origin's answer to
# another). A refused origin gets no Access-Control-* header at all. With
# credentials allowed, the wildcard methods and headers are never sent: the
# ones asked for are echoed instead.


def _join(value):
    if isinstance(value, str):
        return value
    return ', '.join(value)


class CORS:
    def __init__(self, app=None, allowed_origins=None,
                 allow_credentials=False, allowed_methods=None,
                 expose_headers=None, allowed_headers=None, max_age=None,
                 handle_cors=True):
        self.allowed_origins = allowed_origins
        self.allow_credentials = allow_credentials
        self.allowed_methods = allowed_methods
        self.expose_headers = expose_headers
        self.allowed_headers = allowed_headers
        self.max_age = max_age
        self.default_options_handler = None
        if app is not None:
            self.initialize(app, handle_cors=handle_cors)

    def initialize(self, app, handle_cors=True):
        self.default_options_handler = getattr(app, 'options_handler', None)
        app.options_handler = self.options_handler
        if handle_cors:
            app.after_request(self.after_request)
            app.after_error_request(self.after_request)

    # True when the request's Origin may read the response.
    def origin_allowed(self, origin):
        allowed = self.allowed_origins
        if not origin or not allowed:
            return False
        if allowed == '*':
            return True
        if isinstance(allowed, str):
            return origin == allowed
        return origin in allowed

    # The CORS headers for a request: only `Vary: Origin` unless its Origin
    # is allowed (none at all when no origin is configured).
    def get_cors_headers(self, request):
        if not self.allowed_origins:
            return {}
        headers = {'Vary': 'Origin'}
        origin = request.headers.get('Origin')
        if not self.origin_allowed(origin):
            return headers
        headers['Access-Control-Allow-Origin'] = origin
        if self.allow_credentials:
            headers['Access-Control-Allow-Credentials'] = 'true'
        method = request.headers.get('Access-Control-Request-Method')
        if request.method == 'OPTIONS' and method:
            methods = self.allowed_methods
            if methods is None or (methods == '*' and self.allow_credentials):
                methods = method
            headers['Access-Control-Allow-Methods'] = _join(methods)
            asked = request.headers.get('Access-Control-Request-Headers')
            allowed = self.allowed_headers
            if allowed is None or (allowed == '*' and self.allow_credentials):
                allowed = asked
            if allowed:
                headers['Access-Control-Allow-Headers'] = _join(allowed)
            if self.max_age is not None:
                headers['Access-Control-Max-Age'] = str(self.max_age)
        elif self.expose_headers:
            headers['Access-Control-Expose-Headers'] = _join(
                self.expose_headers)
        return headers

    # The app's options_handler: the default OPTIONS headers plus CORS.
    def options_handler(self, request):
        headers = {}
        if self.default_options_handler is not None:
            headers = dict(self.default_options_handler(request) or {})
        for name, value in self.get_cors_headers(request).items():
            if name == 'Vary':
                _merge_vary(headers, value)
            else:
                headers[name] = value
        return headers

    def after_request(self, request, response):
        if request.method == 'OPTIONS' and \
                'Access-Control-Allow-Origin' in response.headers:
            return response  # already answered by options_handler
        for name, value in self.get_cors_headers(request).items():
            if name == 'Vary':
                _merge_vary(response.headers, value)
            else:
                response.headers[name] = value
        return response


# Adds a token to a headers mapping's Vary list unless already listed.
def _merge_vary(headers, token):
    current = headers.get('Vary')
    if not current:
        headers['Vary'] = token
        return
    tokens = [t.strip().lower() for t in current.split(',')]
    if token.lower() not in tokens and '*' not in tokens:
        headers['Vary'] = current + ', ' + token
