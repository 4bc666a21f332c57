# Cross-Origin Resource Sharing (the Fetch standard's CORS protocol), as
# Microdot 2.7 answers it.
#
# Preflight requests (OPTIONS with Access-Control-Request-Method) are answered
# by the app's automatic OPTIONS response, through the app's options_handler
# hook, with the allowed methods, headers and max age added when the method
# asked for is allowed. Other requests from an allowed origin get
# Access-Control-Allow-Origin (and credentials, exposed headers) added by
# after-request hooks, error responses included. The allowed origin is
# echoed, also for allowed_origins='*' (a literal * would make browsers
# refuse credentialed requests), with `Vary: Origin`; a request without an
# Origin gets a literal * when every origin is allowed, and no Vary. A
# refused origin gets no Access-Control-* header at all. With credentials
# allowed, the wildcard methods and headers are never sent: the ones asked
# for are echoed instead.
from microdot.vary import add_vary


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

    # The CORS headers for a request (none for a refused origin); an
    # echoed origin also goes into the request's Vary names.
    def get_cors_headers(self, request):
        origin = request.headers.get('Origin')
        if not origin:
            if self.allowed_origins != '*':
                return {}
            headers = {'Access-Control-Allow-Origin': '*'}
        elif not self.origin_allowed(origin):
            return {}
        else:
            add_vary(request, 'Origin')
            headers = {'Access-Control-Allow-Origin': origin}
            if self.allow_credentials:
                headers['Access-Control-Allow-Credentials'] = 'true'
        method = request.headers.get('Access-Control-Request-Method')
        if request.method == 'OPTIONS':
            if method and self._method_allowed(method):
                methods = self.allowed_methods
                if methods is None or \
                        (methods == '*' and self.allow_credentials):
                    methods = method
                headers['Access-Control-Allow-Methods'] = _join(methods)
                asked = request.headers.get('Access-Control-Request-Headers')
                allowed = self.allowed_headers
                if allowed is None or \
                        (allowed == '*' and self.allow_credentials):
                    allowed = asked
                if allowed:
                    headers['Access-Control-Allow-Headers'] = _join(allowed)
            if self.max_age is not None:
                headers['Access-Control-Max-Age'] = str(self.max_age)
        elif self.expose_headers:
            headers['Access-Control-Expose-Headers'] = _join(
                self.expose_headers)
        return headers

    def _method_allowed(self, method):
        allowed = self.allowed_methods
        if allowed is None or allowed == '*':
            return True
        if isinstance(allowed, str):
            allowed = [m.strip() for m in allowed.split(',')]
        return method.upper() in [m.upper() for m in allowed]

    # The app's options_handler: the default OPTIONS headers plus CORS.
    def options_handler(self, request):
        headers = {}
        if self.default_options_handler is not None:
            headers = dict(self.default_options_handler(request) or {})
        headers.update(self.get_cors_headers(request))
        return headers

    def after_request(self, request, response):
        if request.method == 'OPTIONS' and \
                'Access-Control-Allow-Origin' in response.headers:
            return response  # already answered by options_handler
        response.headers.update(self.get_cors_headers(request))
        return response
