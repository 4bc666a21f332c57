# Set-Cookie values, built on first use of Response.set_cookie().
from microdot.protocol import RequestError


# The Set-Cookie value for one cookie; ';', CR or LF in a part is refused.
def cookie_header(cookie, value, path=None, domain=None, expires=None,
                  max_age=None, secure=False, http_only=False,
                  partitioned=False):
    value = str(value)
    for text in (cookie, value, path or '', domain or ''):
        if ';' in text or unsafe_header_value(text):
            raise RequestError(400, 'Invalid cookie')
    parts = [cookie + '=' + value]
    if path:
        parts.append('Path=' + path)
    if domain:
        parts.append('Domain=' + domain)
    if expires:
        if hasattr(expires, 'strftime'):
            expires = expires.strftime('%a, %d %b %Y %H:%M:%S GMT')
        parts.append('Expires=' + expires)
    if max_age is not None:
        parts.append('Max-Age=' + str(max_age))
    if secure:
        parts.append('Secure')
    if http_only:
        parts.append('HttpOnly')
    if partitioned:
        parts.append('Partitioned')
    return '; '.join(parts)


# True when a header value could split the response (CR, LF or NUL).
def unsafe_header_value(value):
    return '\r' in value or '\n' in value or '\0' in value
