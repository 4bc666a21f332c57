"""Every example starts with its one-line run command, and answers its main
route when run that way, on CPython and on MicroPython where it makes sense."""
import gzip
import json
import re
import time

import pytest

from helpers.example_server import EXAMPLES, run_line
from helpers.processes import INTERPRETERS, REPO
from helpers.raw_http import raw_request

BOTH = INTERPRETERS
# script (relative to examples/), interpreters, main route, text in the body
MAIN_ROUTES = [
    ('hello.py', BOTH, '/', 'Hello, world!'),
    ('json_api/api.py', BOTH, '/todos', '[]'),
    ('static_site/site.py', BOTH, '/', 'A static site'),
    ('board/main.py', BOTH, '/', '<title>Board</title>'),
    ('websocket_chat/chat.py', BOTH, '/', 'Microdot chat'),
    ('sse_dashboard/dashboard.py', BOTH, '/', 'Live counter'),
    ('upload/upload.py', BOTH, '/', 'Upload a file'),
    ('login/login.py', BOTH, '/login', '<h1>Login</h1>'),
    ('ota/main.py', BOTH, '/', '<title>OTA update</title>'),
    ('wifi_setup/main.py', BOTH, '/', 'Not on a network yet'),
    ('https/main.py', BOTH, '/', 'Hello over https'),
]
CASES = [(interp, script, route, text)
         for script, interps, route, text in MAIN_ROUTES
         for interp in interps]
# `[cd DIR && ]VAR=PATH INTERPRETER SCRIPT` inside a run line
COMMAND = re.compile(r'(?:cd (\S+) && )?(PYTHONPATH|MICROPYPATH)=(\S+) '
                     r'(python|micropython) (\S+\.py)')


def example_scripts():
    """Each example's entry point: examples/*.py and the .py file in each
    example folder that starts a server (or an ASGI/WSGI app)."""
    found = sorted(p for p in EXAMPLES.glob('*.py'))
    for path in sorted(EXAMPLES.rglob('*.py')):
        if path.parent == EXAMPLES or '__pycache__' in path.parts:
            continue
        text = path.read_text()
        if '.run(' in text or 'microdot.asgi' in text or \
                'microdot.wsgi' in text:
            found.append(path)
    return found


def test_the_table_covers_every_example():
    scripts = {str(p.relative_to(EXAMPLES)) for p in example_scripts()}
    served = {row[0] for row in MAIN_ROUTES}
    adapters = {s for s in scripts if s.startswith('asgi_wsgi/')}
    assert scripts - adapters == served


@pytest.mark.parametrize('script', example_scripts(),
                         ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_example_starts_with_its_run_command(script):
    line = run_line(script)
    commands = COMMAND.findall(line)
    if script.name == 'hello.py' and script.parent == EXAMPLES:
        assert line.startswith('make run')
    elif script.parent.name == 'https':
        assert line.startswith('make certs APP=examples/https ')
    elif 'asgi_wsgi' in script.parts:
        assert 'pip install ./cpython_adapters' in line
        assert 'cd examples/asgi_wsgi/{} && '.format(script.parent.name) \
            in line
        return
    else:
        assert commands, line
    cwd = None
    kinds = set()
    for cd, var, path, interp, name in commands:
        if cd:
            cwd = REPO / cd if not cd.startswith('..') else None
        if cwd is None:  # commands relative to examples/ (make run's)
            cwd = EXAMPLES
        assert (cwd / name).resolve() == script.resolve(), line
        entries = path.split(':')
        assert (cwd / entries[0]).resolve() == REPO / 'modules', line
        if var == 'MICROPYPATH':
            assert interp == 'micropython' and '.frozen' in entries, line
        else:
            assert interp == 'python', line
        kinds.add(interp)
    if script.parent != EXAMPLES:
        assert kinds == {'python', 'micropython'}, line


@pytest.mark.parametrize('interpreter,script,route,text', CASES,
                         ids=['{}-{}'.format(c[1], c[0]) for c in CASES])
def test_example_answers_its_main_route(serve, interpreter, script, route,
                                        text):
    server = serve(interpreter, EXAMPLES / script)
    status, headers, body = server.request(route)
    assert status == 200, server.output()
    assert text in body.decode(), body


@pytest.mark.parametrize('interpreter', BOTH)
def test_json_api(serve, interpreter):
    server = serve(interpreter, EXAMPLES / 'json_api' / 'api.py')
    hdrs = {'Content-Type': 'application/json'}
    status, headers, body = server.request(
        '/todos', 'POST', json.dumps({'title': ' water the plants '}).encode(),
        hdrs)
    assert status == 201
    assert headers['Location'] == '/todos/1'
    assert json.loads(body) == {'id': 1, 'title': 'water the plants',
                                'done': False}
    status, _, body = server.request('/todos/1', 'PATCH',
                                     b'{"done": true}', hdrs)
    assert status == 200 and json.loads(body)['done'] is True
    assert json.loads(server.request('/todos?done=1')[2])[0]['id'] == 1
    assert json.loads(server.request('/todos?done=0')[2]) == []
    status, _, body = server.request('/todos', 'POST', b'{"title": ""}', hdrs)
    assert status == 400
    assert json.loads(body) == {'error': 'the title must be a non-empty '
                                'string'}
    status, _, body = server.request('/todos', 'POST', b'{bad json', hdrs)
    assert (status, json.loads(body)) == (400, {'error': 'bad request'})
    assert server.request('/todos/1', 'DELETE')[0] == 204
    status, headers, body = server.request('/todos/1')
    assert (status, json.loads(body)) == (404, {'error': 'no such to-do'})
    assert headers['Content-Type'].startswith('application/json')
    assert server.request('/nowhere')[0] == 404


@pytest.mark.parametrize('interpreter', BOTH)
def test_static_site_gzip_caching_and_conditional_get(serve, interpreter):
    server = serve(interpreter, EXAMPLES / 'static_site' / 'site.py')
    static = EXAMPLES / 'static_site' / 'static'
    for name, ctype in (('app.js', 'application/javascript'),
                        ('style.css', 'text/css')):
        plain = (static / name).read_bytes()
        # the committed .gz copy is up to date
        assert gzip.decompress((static / (name + '.gz')).read_bytes()) == \
            plain, 'remake it: gzip -9nkf static/' + name
        status, headers, body = server.request(
            '/static/' + name, headers={'Accept-Encoding': 'gzip, br'})
        assert status == 200
        assert headers['Content-Encoding'] == 'gzip'
        assert headers['Content-Type'].startswith(ctype)
        assert headers['Cache-Control'] == 'max-age=86400'
        assert headers['Vary'] == 'Accept-Encoding'
        assert gzip.decompress(body) == plain
        zipped_etag = headers['ETag']
        status, headers, body = server.request(
            '/static/' + name, headers={'Accept-Encoding': 'identity'})
        assert (status, body) == (200, plain)
        assert 'Content-Encoding' not in headers
        assert headers['ETag'] != zipped_etag
        status, headers, body = server.request(
            '/static/' + name, headers={'If-None-Match': headers['ETag'],
                                        'Accept-Encoding': 'identity'})
        assert (status, body) == (304, b'')
    status, headers, body = server.request('/')
    assert headers['Cache-Control'] == 'max-age=0'
    assert headers['Content-Type'].startswith('text/html')
    status, _, body = server.request('/', headers={
        'If-None-Match': headers['ETag']})
    assert (status, body) == (304, b'')
    assert server.request('/static/nothing.js')[0] == 404


@pytest.mark.parametrize('interpreter', BOTH)
def test_static_site_keeps_to_its_folder(serve, interpreter):
    server = serve(interpreter, EXAMPLES / 'static_site' / 'site.py')
    for target in (b'/static/../site.py', b'/static/%2e%2e/site.py',
                   b'/static//etc/passwd', b'/static/'):
        data = raw_request(server.port, b'GET ' + target + b' HTTP/1.1\r\n'
                           b'Host: x\r\nConnection: close\r\n\r\n')
        assert data.startswith(b'HTTP/1.1 404 '), (target, data[:200])
        assert b'microdot' not in data


@pytest.mark.parametrize('interpreter', BOTH)
def test_board_led_and_sensor(serve, interpreter):
    server = serve(interpreter, EXAMPLES / 'board' / 'main.py')
    assert json.loads(server.request('/led')[2]) == {'on': False,
                                                     'pin': 'fake'}
    status, _, body = server.request('/led/toggle', 'POST')
    assert (status, json.loads(body)['on']) == (200, True)
    assert json.loads(server.request('/led')[2])['on'] is True
    status, _, body = server.request(
        '/led', 'PUT', b'{"on": false}', {'Content-Type': 'application/json'})
    assert (status, json.loads(body)['on']) == (200, False)
    assert server.request('/led', 'PUT', b'{}', {
        'Content-Type': 'application/json'})[0] == 400
    reading = json.loads(server.request('/temperature')[2])
    assert reading['sensor'] == 'fake'
    assert 20 <= reading['celsius'] < 26


@pytest.mark.parametrize('interpreter', BOTH)
def test_login_example(serve, interpreter):
    server = serve(interpreter, EXAMPLES / 'login' / 'login.py')
    status, headers, _ = server.request('/')
    assert status == 302
    assert headers['Location'] == '/login?next=/'
    status, headers, _ = server.request(
        '/login?next=/', 'POST', b'username=susan&password=hello',
        {'Content-Type': 'application/x-www-form-urlencoded'})
    assert status == 302 and headers['Location'] == '/'
    cookie = headers['Set-Cookie'].split(';')[0]
    status, _, body = server.request('/', headers={'Cookie': cookie})
    assert status == 200 and b'Hello, susan!' in body


@pytest.mark.parametrize('interpreter', BOTH)
def test_upload_example(serve, interpreter):
    server = serve(interpreter, EXAMPLES / 'upload' / 'upload.py')
    boundary = 'xYzZY'
    body = ('--{b}\r\nContent-Disposition: form-data; name="note"\r\n\r\n'
            'hi\r\n--{b}\r\nContent-Disposition: form-data; name="file"; '
            'filename="../notes.txt"\r\nContent-Type: text/plain\r\n\r\n'
            'file content\r\n--{b}--\r\n').format(b=boundary).encode()
    status, headers, _ = server.request('/', 'POST', body, {
        'Content-Type': 'multipart/form-data; boundary=' + boundary})
    assert status == 302 and headers['Location'] == '/'
    saved = server.workdir / 'uploads' / 'notes.txt'
    assert saved.read_bytes() == b'file content'
    assert b'<li>notes.txt</li>' in server.request('/')[2]


@pytest.mark.parametrize('interpreter', BOTH)
def test_wifi_setup_example(serve, interpreter):
    # the stand-in radio (no `network` module here): portal first, then the
    # network picked on its page
    server = serve(interpreter, EXAMPLES / 'wifi_setup' / 'main.py')
    port = server.port
    status, headers, _ = server.request('/hotspot-detect.html', headers={
        'Host': 'captive.apple.com:{}'.format(port)})
    assert status == 302
    assert headers['Location'] == 'http://127.0.0.1:{}/wifi'.format(port)
    status, _, body = server.request('/wifi')
    assert status == 200
    assert b'<option value="home">home (-52 dBm)</option>' in body
    status, _, body = server.request(
        '/wifi', 'POST', b'ssid=home&password=let+me+in',
        {'Content-Type': 'application/x-www-form-urlencoded'})
    assert (status, b'Joining home' in body) == (200, True)
    deadline = time.monotonic() + 10
    while server.request('/wifi')[0] != 404:  # the portal closes
        assert time.monotonic() < deadline, server.output()
        time.sleep(0.1)
    assert b'Hello from 127.0.0.1!' in server.request('/')[2]
    saved = json.loads((server.workdir / 'wifi.json').read_text())
    assert saved == {'ssid': 'home', 'password': 'let me in'}
