# The Request and Response objects. Reading a request from a stream and
# writing a response load the protocol, streams and bodies modules on first
# use, so importing microdot costs only the objects themselves.
import json

from microdot.structures import HTTPException, MultiDict, NoCaseDict, \
    urldecode


# Raises the RequestError (400) for bad input; protocol is loaded here, on
# the error path, when it isn't yet.
def _refuse(reason):
    from microdot.protocol import RequestError
    raise RequestError(400, reason)


#### Request

class Request:
    # Limits, class-level so an app can change them (Request.x = ...).
    max_content_length = 16 * 1024  # larger declared bodies get 413
    max_body_length = 16 * 1024  # bodies up to this are read into .body
    max_readline = 2 * 1024  # longest request or header line (414/431)
    max_header_count = 32  # more header lines get 431
    max_header_bytes = 4 * 1024  # all header lines together, else 431

    G = None  # the class of request.g, made when a request first uses it
    _g_made = False  # whether this request made its g (dispatch looks there)

    # Per-request state starts at these class-level defaults, so a request
    # only stores what differs: fewer allocations per request on a board.
    url_prefix = ''
    subapp = None
    route = None
    url_args = None
    files = None
    query_string = None
    content_length = 0
    body = b''  # a body over max_body_length stays in .stream
    body_framing = None  # (content length, chunked) of a body still unread
    body_source = None  # the framed body on a server connection, once read
    after_request_handlers = ()

    def __init__(self, app, client_addr, method, url, http_version, headers,
                 body=None, stream=None, sock=None, url_prefix='',
                 subapp=None, scheme=None, route=None):
        self.app = app
        self.client_addr = client_addr
        self.method = method
        self.url = url
        self.http_version = http_version
        self.headers = headers
        self.scheme = scheme or 'http'
        self.sock = sock
        if url_prefix:
            self.url_prefix = url_prefix
        if subapp is not None:
            self.subapp = subapp
        if route is not None:
            self.route = route
        if body is not None:
            self.body = body
        if stream is not None:
            self.stream = stream
        i = url.find('?')
        if i < 0:
            self.path = url
        else:
            self.path, self.query_string = url[:i], url[i + 1:]
        value = headers.get('Content-Length')
        if value:
            try:
                self.content_length = int(value)
            except ValueError:
                _refuse('Bad Content-Length')
        self.content_type = headers.get('Content-Type')

    # The attributes made on first use (args, cookies, json, form, stream,
    # g): computed here once, then kept on the instance; one method costs
    # less RAM than a property each.
    def __getattr__(self, name):
        if name == 'args':
            value = _parse_urlencoded(self.query_string or '')
        elif name == 'cookies':
            value = {}
            cookies = self.headers.get('Cookie')
            # as Microdot's: every ';'-separated part is one (a stray ';'
            # gives a cookie named '')
            for cookie in cookies.split(';') if cookies else ():
                i = cookie.find('=')
                if i >= 0:
                    value[cookie[:i].strip()] = cookie[i + 1:].strip()
                else:
                    value[cookie.strip()] = ''
        elif name == 'json':
            value = None
            if _media_type(self.content_type).endswith('json'):
                try:
                    value = json.loads(self.body.decode())
                except ValueError:
                    _refuse('Malformed JSON')
        elif name == 'form':
            value = None
            if _media_type(self.content_type) == \
                    'application/x-www-form-urlencoded':
                value = _parse_urlencoded(self.body)
        elif name == 'stream':
            from microdot.bodies import AsyncBytesIO
            value = AsyncBytesIO(self.body)
        elif name == 'g':
            if Request.G is None:
                class G:
                    pass
                Request.G = G
            value = Request.G()
            self._g_made = True
        else:
            raise AttributeError(name)
        setattr(self, name, value)
        return value

    # Reads one request (head, and a small body) from a client stream;
    # None when the client closed the connection before sending anything.
    @staticmethod
    async def create(app, client_reader, client_writer, client_addr,
                     scheme=None):
        from microdot.streams import read_request
        req = await read_request(Request, app, client_reader, client_writer,
                                 client_addr, scheme)
        if req is not None:
            await req.read_body()
        return req

    # Reads the body framed by body_framing from the request's stream: a
    # small one into .body, a large one left to .stream (bodies only).
    async def read_body(self):
        if self.body_framing is not None:
            from microdot.bodies import read_body
            await read_body(self)

    # Takes the body from source (a BufferedStream holding just the body):
    # small bodies are read into .body, larger allowed ones left to .stream.
    async def load_body(self, source):
        from microdot.bodies import load_body
        await load_body(self, source)

    def after_request(self, f):
        if not self.after_request_handlers:
            self.after_request_handlers = []
        self.after_request_handlers.append(f)
        return f


def _media_type(content_type):
    return content_type.split(';')[0].strip().lower() if content_type else ''


def _parse_urlencoded(text):
    args = MultiDict()
    try:
        if isinstance(text, bytes):
            text = text.decode()
        for pair in text.split('&'):
            if pair:
                i = pair.find('=')
                if i < 0:
                    args[urldecode(pair)] = ''
                else:
                    args[urldecode(pair[:i])] = urldecode(pair[i + 1:])
    except ValueError:  # invalid UTF-8 included
        _refuse('Bad URL encoding')
    return args


# Turns whatever a handler returned into a Response.
def make_response(ret):
    if isinstance(ret, Response):
        return ret
    if isinstance(ret, tuple):
        if len(ret) == 3:
            return Response(ret[0], ret[1], ret[2])
        if len(ret) == 2:
            if isinstance(ret[1], int):
                return Response(ret[0], ret[1])
            if isinstance(ret[0], int):
                return Response(b'', ret[0], ret[1])
            return Response(ret[0], headers=ret[1])
        return Response(*ret)
    if isinstance(ret, int) and not isinstance(ret, bool):
        return Response(b'', ret)
    return Response(ret)


# req.path with its percent escapes decoded (400 when they aren't UTF-8).
def decoded_path(req):
    path = req.path
    if '%' in path:
        try:
            path = urldecode(path, False)
        except ValueError:
            raise HTTPException(400, 'Bad URL encoding')
    return path


#### Response

class Response:
    default_content_type = 'text/plain'
    default_send_file_max_age = None
    send_file_buffer_size = 1024
    types_map = {
        'css': 'text/css',
        'gif': 'image/gif',
        'html': 'text/html',
        'ico': 'image/x-icon',
        'jpeg': 'image/jpeg',
        'jpg': 'image/jpeg',
        'js': 'application/javascript',
        'json': 'application/json',
        'png': 'image/png',
        'svg': 'image/svg+xml',
        'txt': 'text/plain',
        'wasm': 'application/wasm',
        'webp': 'image/webp',
    }
    already_handled = None  # set below: a Response that sends nothing
    # Per-response state starts at these class-level defaults, so a
    # response only stores what differs (fewer allocations).
    reason = None
    body = b''
    is_head = False
    gzip_variant = None  # send_file(): (path, stat) of a name.gz beside it
    _full_content_type = ('', '')

    def __init__(self, body=b'', status_code=200, headers=None, reason=None):
        if body is None and status_code == 200:
            body = b''
            status_code = 204
        self.status_code = status_code
        self.headers = NoCaseDict(headers)
        if reason is not None:
            self.reason = reason
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            self.headers.setdefault('Content-Type',
                                    'application/json; charset=UTF-8')
        elif isinstance(body, str):
            body = body.encode()
        if body:
            self.body = body

    # Fills in the headers a complete response needs. A 204 or 304 has no
    # content, so it gets no Content-Type (and a 204 no Content-Length).
    def complete(self):
        headers = self.headers
        ctype = None
        if self.status_code == 204 or self.status_code == 304:
            headers.pop('Content-Type', None)
            if self.status_code == 204:
                headers.pop('Content-Length', None)
            return
        if not headers or 'Content-Type' not in headers:
            ctype = self.default_content_type
            if 'charset=' not in ctype:
                # built once, not per request
                cache = Response._full_content_type
                if cache[0] != ctype:
                    cache = Response._full_content_type = (
                        ctype, ctype + '; charset=UTF-8')
                ctype = cache[1]
        length = None
        if isinstance(self.body, bytes) and (
                not headers or 'Content-Length' not in headers):
            length = str(len(self.body))
        if not headers and ctype is not None and length is not None:
            # the usual case: both headers set in one go
            self.headers = NoCaseDict(
                {'Content-Length': length, 'Content-Type': ctype},
                {'content-length': 'Content-Length',
                 'content-type': 'Content-Type'})
            return
        if length is not None:
            headers['Content-Length'] = length
        if ctype is not None:
            headers['Content-Type'] = ctype

    # The headers as (name, value) strs, Set-Cookie lists expanded; a value
    # that could split the response (CR, LF, NUL) raises RequestError(400).
    def header_items(self):
        from microdot.bodies import header_items
        return header_items(self)

    def body_iter(self):
        from microdot.bodies import BodyIter
        return BodyIter(self.body, self.send_file_buffer_size)

    # Writes the whole response as HTTP/1.0, the body ending at close.
    async def write(self, stream):
        from microdot.bodies import write_response
        await write_response(self, stream)

    # Loaded on first use, like send_file().
    def set_cookie(self, cookie, value, *args, **kwargs):
        from microdot.cookies import cookie_header
        cookies = self.headers.get('Set-Cookie')
        if cookies is None:
            self.headers['Set-Cookie'] = cookies = []
        elif not isinstance(cookies, list):
            self.headers['Set-Cookie'] = cookies = [cookies]
        cookies.append(cookie_header(cookie, value, *args, **kwargs))

    def delete_cookie(self, cookie, **kwargs):
        kwargs['expires'] = 'Thu, 01 Jan 1970 00:00:01 GMT'
        kwargs['max_age'] = 0
        self.set_cookie(cookie, '', **kwargs)

    @classmethod
    def redirect(cls, location, status_code=302):
        if '\r' in location or '\n' in location or '\0' in location:
            _refuse('Invalid redirect location')
        return cls(status_code=status_code, headers={'Location': location})

    # Loaded on first use, so apps that serve no files don't pay for it.
    @classmethod
    def send_file(cls, filename, *args, **kwargs):
        from microdot.files import file_response
        return file_response(cls, filename, *args, **kwargs)


# The Response that sends nothing (a connection taken over): it is never
# written, so it is made without __init__, with a plain dict for the headers
# after-request hooks may still touch (it costs a board's heap less).
Response.already_handled = _handled = object.__new__(Response)
_handled.status_code = 200
_handled.headers = {}
del _handled
