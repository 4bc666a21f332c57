"""An application that uses the whole public API, written the way its users write theirs.

pyright checks it, in strict mode, against the installed package's stubs, and it must come
out with no error (tests/typing/test_typing_cpython.py); the same test runs main(), so that
what type-checks also works. Run it with the package installed (pip install ./cpython_adapters).
"""
from __future__ import annotations

import asyncio
import datetime
import io
from collections.abc import AsyncIterator, Generator, Iterator
from typing import Any

from microdot import AsyncBytesIO, HTTPException, Microdot, MultiDict, NoCaseDict, Request, \
    Response, URLPattern, abort, iscoroutine, redirect, send_file, urldecode, urlencode
from microdot import microdot as legacy
from microdot.asgi import Microdot as AsgiMicrodot
from microdot.auth import BasicAuth, TokenAuth
from microdot.cors import CORS
from microdot.csrf import CSRF
from microdot.helpers import wraps
from microdot.jinja import Template as JinjaTemplate
from microdot.login import Login
from microdot.multipart import FileUpload, FormDataIter, with_form_data
from microdot.session import Session, SessionDict, with_session
from microdot.sse import SSE, sse_response, with_sse
from microdot.test_client import TestClient, TestResponse
from microdot.utemplate import Template
from microdot.websocket import WebSocket, WebSocketError, websocket_upgrade, with_websocket
from microdot.wsgi import Microdot as WsgiMicrodot

#### the application and its settings

app = Microdot()
Request.max_content_length = 64 * 1024
Request.max_body_length = 8 * 1024
Microdot.max_connections = 8
Microdot.keepalive_timeout = 5
Response.default_content_type = 'text/plain'
Response.default_send_file_max_age = 3600
Response.types_map['md'] = 'text/markdown'
URLPattern.register_type('hex', '[0-9a-fA-F]+', lambda value: int(value, 16))

Session(app, secret_key='top-secret', cookie_options={'secure': False})
cors = CORS(app, allowed_origins=['https://example.com'], allow_credentials=True,
            expose_headers=['X-Count'], max_age=600)
csrf = CSRF(app, cors, allow_subdomains=True)
basic = BasicAuth(realm='sample')
tokens = TokenAuth(header='X-Token')
login = Login(login_url='/login')


class User:
    def __init__(self, id: int, name: str) -> None:
        self.id = id
        self.name = name


USERS = {1: User(1, 'susan'), 2: User(2, 'david')}

#### hooks and errors


@app.before_request
async def start_timer(request: Request) -> Response | None:
    request.g.started = asyncio.get_running_loop().time()
    if request.headers.get('X-Block') == 'yes':
        return Response('blocked', 403)
    return None


@app.after_request
def add_headers(request: Request, response: Response) -> Response:
    response.headers['X-Path'] = request.path
    return response


@app.after_error_request
def count_errors(request: Request, response: Response) -> None:
    response.headers['X-Error'] = str(response.status_code)


@app.errorhandler(404)
async def not_found(request: Request) -> tuple[dict[str, str], int]:
    return {'error': 'not found', 'path': request.path}, 404


@app.errorhandler(ValueError)
async def bad_value(request: Request, exc: ValueError) -> tuple[str, int, dict[str, str]]:
    return str(exc), 400, {'X-Reason': 'value'}


def logged(f: Any) -> Any:
    @wraps(f)
    async def wrapper(request: Request, *args: Any, **kwargs: Any) -> Any:
        return await f(request, *args, **kwargs)
    return wrapper

#### routes: arguments, requests and responses


@app.route('/')
async def index(request: Request) -> str:
    return 'Hello, world!'


@app.get('/users/<int:user_id>')
async def get_user(request: Request, user_id: int) -> dict[str, Any]:
    user = USERS.get(user_id)
    if user is None:
        abort(404)
    return {'id': user.id, 'name': user.name}


@app.route('/colour/<hex:value>', methods=['GET', 'POST'])
def colour(request: Request, value: int) -> tuple[str, int]:
    return 'colour %06x' % value, 200


@app.route('/files/<path:name>')
async def files(request: Request, name: str) -> Response:
    if '..' in name:
        app.abort(400, 'Bad name')
    return send_file(name, max_age=60, root='static', compressed=False)


@app.route('/re/<re:[a-z]+:word>')
@logged
async def word(request: Request, word: str) -> Response:
    return Response.send_file('static/' + word + '.txt', content_type='text/plain',
                              stream=io.BytesIO(word.encode()))


@app.post('/echo')
async def echo(request: Request) -> Response:
    data: Any = request.json
    if data is None:
        raise ValueError('JSON expected')
    response = Response(data, 201, {'X-Count': str(len(data))}, reason='Created')
    response.set_cookie('last', 'echo', path='/', max_age=60, http_only=True,
                        expires=datetime.datetime(2030, 1, 1), secure=True, partitioned=False)
    response.delete_cookie('old', path='/')
    return response


@app.put('/form')
async def form(request: Request) -> dict[str, Any]:
    fields = request.form or {}
    return {'name': fields.get('name'), 'args': request.args.getlist('tag'),
            'first': request.args.get('n', default=0, type=int)}


@app.patch('/raw')
async def raw(request: Request) -> bytes:
    if request.content_length > Request.max_body_length:
        return await request.stream.read(1024)
    return request.body


@app.delete('/users/<int:user_id>')
async def delete_user(request: Request, user_id: int) -> tuple[int, dict[str, str]]:
    USERS.pop(user_id, None)
    return 204, {'X-Deleted': str(user_id)}


@app.query('/search')
async def search(request: Request) -> list[str]:
    return [request.method, request.url, request.query_string or '']


@app.get('/info')
async def info(request: Request) -> dict[str, Any]:
    def stamp(request: Request, response: Response) -> Response:
        response.headers['X-Stamp'] = '1'
        return response

    request.after_request(stamp)
    host = request.client_addr[0] if request.client_addr else None
    return {
        'method': request.method, 'scheme': request.scheme, 'path': request.path,
        'version': request.http_version, 'host': host,
        'agent': request.headers.get('User-Agent'), 'cookie': request.cookies.get('last'),
        'type': request.content_type, 'prefix': request.url_prefix,
        'args': request.url_args, 'mounted': request.subapp is not None,
        'route': request.route is not None, 'same_app': request.app is app,
        'elapsed': asyncio.get_running_loop().time() - request.g.started,
    }


@app.get('/old')
async def old(request: Request) -> Response:
    return redirect('/', 301)


@app.get('/stream')
async def stream(request: Request) -> Iterator[str]:
    def generate() -> Iterator[str]:
        for i in range(3):
            yield 'chunk %d\n' % i
    return generate()


@app.get('/astream')
async def astream(request: Request) -> AsyncIterator[bytes]:
    async def generate() -> AsyncIterator[bytes]:
        for i in range(3):
            await asyncio.sleep(0)
            yield b'%d' % i
    return generate()


@app.get('/nothing')
async def nothing(request: Request) -> None:
    return None

#### sessions, logins, auth, CSRF


@app.get('/visits')
@with_session
async def visits(request: Request, session: SessionDict) -> str:
    session['visits'] = session.get('visits', 0) + 1
    session.save()
    return str(session['visits'])


@app.post('/forget')
@with_session
def forget(request: Request, session: SessionDict) -> str:
    session.delete()
    return 'forgotten'


@login.user_loader
async def load_user(user_id: int) -> User | None:
    return USERS.get(user_id)


@app.post('/login')
@csrf.exempt
async def do_login(request: Request) -> Response:
    user = USERS[int(request.args.get('id', '1'))]
    return await login.login_user(request, user, remember=7, redirect_url='/me')


@app.get('/me')
@login
async def me(request: Request) -> str:
    user: User = await login.get_current_user(request)
    return user.name


@app.post('/settings')
@login.fresh
@csrf.protect
async def settings(request: Request) -> str:
    return 'saved'


@app.post('/logout')
async def logout(request: Request) -> Response:
    await login.logout_user(request)
    return redirect('/')


@basic.authenticate
async def check_password(request: Request, username: str, password: str) -> User | None:
    for user in USERS.values():
        if user.name == username and password == 'secret':
            return user
    return None


@tokens.authenticate
def check_token(request: Request, token: str) -> User | None:
    return USERS.get(1) if token == 'abc' else None


@tokens.errorhandler
def token_refused(request: Request) -> tuple[str, int]:
    return 'no token', 401


@app.get('/basic')
@basic
async def basic_only(request: Request) -> str:
    user: User = request.g.current_user
    return 'hello ' + user.name


@app.get('/token')
@tokens.optional
async def token_maybe(request: Request) -> str:
    return 'anonymous' if request.g.current_user is None else 'known'

#### WebSocket, SSE, multipart, templates


closed: list[int | None] = []


@app.route('/ws')
@with_websocket
async def ws_echo(request: Request, ws: WebSocket) -> None:
    while True:
        try:
            message = await ws.receive()
        except WebSocketError as exc:
            closed.append(exc.code)
            return
        await ws.send(message)
        if message == 'bye':
            await ws.close(1000, 'done')


@app.route('/ws-raw')
async def ws_raw(request: Request) -> Response:
    ws = await websocket_upgrade(request)
    await ws.send(b'\x00\x01', WebSocket.BINARY)
    await ws.close()
    return Response.already_handled


@app.route('/events')
@with_sse
async def events(request: Request, sse: SSE) -> None:
    for i in range(2):
        await sse.send({'n': i}, event='tick', event_id=i)
    await sse.send('bye', retry=1.5)


@app.route('/events2')
async def events2(request: Request) -> Response:
    async def ticker(request: Request, sse: SSE, count: int) -> None:
        for i in range(count):
            await sse.send(str(i))
    return sse_response(request, ticker, 3)


@app.post('/upload')
@with_form_data
async def upload(request: Request) -> dict[str, Any]:
    result: dict[str, Any] = {'fields': dict(request.form or {})}
    for name, upload in (request.files or {}).items():
        copy: FileUpload = await upload.copy(max_memory_size=4096)
        result[name] = [upload.filename, upload.content_type, len(await copy.read())]
        await copy.close()
    return result


@app.post('/upload-stream')
async def upload_stream(request: Request) -> dict[str, int]:
    sizes: dict[str, int] = {}
    FileUpload.max_memory_size = 2048
    async for name, value in FormDataIter(request):
        if isinstance(value, FileUpload):
            buffer = io.BytesIO()
            await value.save(buffer)
            sizes[name] = len(buffer.getvalue())
        else:
            sizes[name] = len(value)
    return sizes


@app.get('/page')
async def page(request: Request) -> Response:
    Template.initialize(template_dir='templates')
    body = Template('page.html').generate_async(title='A page')
    return Response(body, headers={'Content-Type': 'text/html'})


@app.get('/page2')
async def page2(request: Request) -> str:
    JinjaTemplate.initialize('templates', enable_async=True, trim_blocks=True)
    text = await JinjaTemplate('page.html').render_async(title='Another page')
    return text + Template('page.html').render(title='x') + ''.join(
        JinjaTemplate('page.html').generate(title='y'))

#### mounting, server settings and the adapters

api = Microdot()


@api.get('/status')
async def status(request: Request) -> dict[str, str]:
    return {'status': 'ok', 'prefix': request.url_prefix}


@api.errorhandler(HTTPException)
async def api_error(request: Request, exc: HTTPException) -> tuple[str, int]:
    return exc.reason, exc.status_code


app.mount(api, url_prefix='/api', local=True)


started: list[str] = []


async def startup(scope: Any) -> None:
    started.append(scope['type'])


asgi_app = AsgiMicrodot(lifespan_startup=startup, mount_relative=True)
asgi_app.mount(app)
wsgi_app = WsgiMicrodot(mount_relative=False)
wsgi_app.mount(app)


@asgi_app.get('/scope')
async def scope(request: Request) -> str:
    kind: str = request.asgi_scope['type']
    return kind


@wsgi_app.get('/environ')
async def environ(request: Request) -> str:
    method: str = request.environ['REQUEST_METHOD']
    return method


async def serve_until_stopped() -> None:
    server = await app.start_server(host='127.0.0.1', port=0, start_serving=False)
    asyncio.get_running_loop().call_later(0.1, app.shutdown)
    await server.serve_forever()


def helpers() -> list[Any]:
    args = MultiDict({'a': '1'})
    args['a'] = '2'
    headers = NoCaseDict({'Content-Type': 'text/plain'})
    stream = AsyncBytesIO(b'line\nrest')
    error = HTTPException(418, 'teapot')
    legacy_app: legacy.Microdot = legacy.Microdot()
    return [args.getlist('a'), headers['content-type'], stream.data, error.status_code,
            urlencode('a b'), urldecode('a+b'), iscoroutine(None), legacy_app.url_map,
            app.find_route, app.options_handler, app.debug, app.ssl, app.server]

#### the test client


async def main() -> None:
    client = TestClient(app, cookies={'theme': 'dark'}, scheme='https', host='example.com')
    res: TestResponse = await client.get('/users/1')
    assert res.status_code == 200 and res.json == {'id': 1, 'name': 'susan'}
    res = await client.get('/colour/ff00ff')
    assert res.text == 'colour ff00ff'
    res = await client.post('/echo', body={'a': 1}, headers={'Origin': 'https://example.com'})
    assert res.status_code == 201 and res.headers['Access-Control-Allow-Origin'] == \
        'https://example.com'
    res = await client.post('/echo', body=b'x', headers={'Content-Type': 'text/plain'})
    assert res.status_code == 400 and res.text == 'JSON expected'
    res = await client.put('/form?tag=a&tag=b&n=3', body='name=x',
                           headers={'Content-Type': 'application/x-www-form-urlencoded'})
    assert res.json == {'name': 'x', 'args': ['a', 'b'], 'first': 3}
    res = await client.patch('/raw', body=b'abc')
    assert res.body == b'abc'
    res = await client.query('/search?q=1', body='x')
    assert res.json == ['QUERY', '/search?q=1', 'q=1']
    res = await client.head('/')
    assert res.status_code == 200 and res.body is None
    res = await client.options('/')
    assert 'GET' in res.headers['Allow']
    res = await client.get('/info', headers={'User-Agent': 'sample'})
    assert res.json is not None and res.json['agent'] == 'sample'
    res = await client.get('/stream')
    assert res.text == 'chunk 0\nchunk 1\nchunk 2\n'
    res = await client.get('/astream')
    assert res.text == '012'
    res = await client.get('/nothing')
    assert res.status_code == 204
    res = await client.get('/missing')
    assert res.status_code == 404 and res.headers['X-Error'] == '404'
    res = await client.get('/visits')
    res = await client.get('/visits')
    assert res.text == '2'
    res = await client.get('/me')
    assert res.status_code == 302
    res = await client.post('/login?id=2')
    res = await client.get('/me')
    assert res.text == 'david'
    res = await client.get('/basic', headers={'Authorization': 'Basic ZGF2aWQ6c2VjcmV0'})
    assert res.text == 'hello david'
    res = await client.get('/token', headers={'X-Token': 'abc'})
    assert res.text == 'known'
    res = await client.get('/events')
    assert res.events is not None and res.events[0]['data_json'] == {'n': 0}
    res = await client.get('/events2')
    assert res.events is not None and len(res.events) == 3

    def ws_client() -> Generator[str, str | bytes | None, None]:
        reply = yield 'hello'
        assert reply == 'hello'
        yield 'bye'

    res = await client.websocket('/ws', ws_client)
    assert res.status_code == 101 and closed == [1000]
    res = await client.get('/api/status')
    assert res.json == {'status': 'ok', 'prefix': '/api'}
    res = await client.post('/upload', body=MULTIPART, headers={
        'Content-Type': 'multipart/form-data; boundary=b0undary'})
    assert res.json == {'fields': {'name': 'x'}, 'file': ['a.txt', 'text/plain', 5]}
    assert await call_asgi({'type': 'lifespan'}) == [{'type': 'lifespan.startup.complete'},
                                                     {'type': 'lifespan.shutdown.complete'}]
    sent = await call_asgi({'type': 'http', 'method': 'GET', 'path': '/scope',
                            'query_string': b'', 'headers': [], 'root_path': ''})
    assert started == ['lifespan'] and sent[-1]['body'] == b'http'
    answer = await asyncio.get_running_loop().run_in_executor(None, call_wsgi, '/environ')
    assert answer == ('200 OK', b'GET')
    await serve_until_stopped()
    assert len(helpers()) == 13
    print('sample app: ok')


MULTIPART = (b'--b0undary\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n'
             b'--b0undary\r\nContent-Disposition: form-data; name="file"; filename="a.txt"'
             b'\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b0undary--\r\n')


async def call_asgi(scope: dict[str, Any]) -> list[dict[str, Any]]:
    incoming: list[dict[str, Any]] = [
        {'type': 'lifespan.shutdown'}, {'type': 'lifespan.startup'},
    ] if scope['type'] == 'lifespan' else [{'type': 'http.request', 'body': b''}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop() if incoming else {'type': 'http.disconnect'}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await asgi_app(scope, receive, send)
    return sent


def call_wsgi(path: str) -> tuple[str, bytes]:
    status: list[str] = []

    def start_response(line: str, headers: list[tuple[str, str]]) -> None:
        status.append(line)

    body = wsgi_app({'REQUEST_METHOD': 'GET', 'PATH_INFO': path, 'SERVER_PROTOCOL': 'HTTP/1.1',
                     'wsgi.input': io.BytesIO(), 'wsgi.url_scheme': 'http'}, start_response)
    return status[0], b''.join(body)


if __name__ == '__main__':
    asyncio.run(main())
