# Cross-site request forgery protection, without tokens.
#
# Browsers say where a request comes from: Sec-Fetch-Site (same-origin,
# same-site, cross-site or none) in current ones, Origin in older ones. A
# before-request hook refuses, with 403, state-changing requests (any method
# but GET, HEAD and OPTIONS) that a browser sent from another site, unless
# their Origin is one the CORS object explicitly allows (or, with
# allow_subdomains, a subdomain of one). Requests without either header (not
# from a browser) pass. With protect_all=True every route is checked except
# those marked @csrf.exempt; with protect_all=False only routes marked
# @csrf.protect are. A route marked @csrf.protect is checked for every
# method, GET, HEAD and OPTIONS included.
from microdot import abort
from microdot.vary import add_vary

_SAFE_METHODS = ('GET', 'HEAD', 'OPTIONS')


class CSRF:
    def __init__(self, app=None, cors=None, protect_all=True,
                 allow_subdomains=False):
        self.cors = cors
        self.protect_all = protect_all
        self.allow_subdomains = allow_subdomains
        self.exempt_routes = []
        self.protected_routes = []
        if app is not None:
            self.initialize(app)

    def initialize(self, app, cors=None):
        if cors is not None:
            self.cors = cors
        app.before_request(self.check_request)

    # Decorator: the route is never checked.
    def exempt(self, f):
        self.exempt_routes.append(f)
        return f

    # Decorator: the route is checked even when protect_all is False.
    def protect(self, f):
        self.protected_routes.append(f)
        return f

    # True when origin is one the CORS object lists by name or, with
    # allow_subdomains, a subdomain of one (same scheme and port).
    def _origin_allowed(self, origin):
        cors = self.cors
        if cors is None or not origin:
            return False
        allowed = cors.allowed_origins
        if not allowed or allowed == '*':
            return False
        if isinstance(allowed, str):
            allowed = (allowed,)
        if origin in allowed:
            return True
        if self.allow_subdomains:
            for trusted in allowed:
                i = trusted.find('://') + 3
                if i > 2 and origin.startswith(trusted[:i]) and \
                        origin.endswith('.' + trusted[i:]):
                    return True
        return False

    # True when origin ('scheme://host[:port]') is this request's own site,
    # or, with allow_subdomains, a subdomain of it.
    def _same_site(self, request, origin):
        host = request.headers.get('Host')
        if not host:
            return False
        i = origin.find('://')
        if i < 0:
            return False
        scheme, origin_host = origin[:i], origin[i + 3:]
        if scheme != request.scheme:
            return False
        if origin_host == host:
            return True
        return self.allow_subdomains and origin_host.endswith('.' + host)

    # True when the request may go on.
    def is_allowed(self, request):
        route = request.route
        if (request.method in _SAFE_METHODS or not self.protect_all) and \
                route not in self.protected_routes:
            return True
        if route in self.exempt_routes:
            return True
        add_vary(request, 'Sec-Fetch-Site')  # the answer depends on it
        origin = request.headers.get('Origin')
        site = request.headers.get('Sec-Fetch-Site')
        if site is not None:
            site = site.strip().lower()
            if site in ('same-origin', 'none'):
                return True
            if site == 'same-site' and self.allow_subdomains:
                return True
            return self._origin_allowed(origin)
        if origin is None:
            return True
        return self._same_site(request, origin) or \
            self._origin_allowed(origin)

    def check_request(self, request):
        if not self.is_allowed(request):
            abort(403, 'Forbidden')
