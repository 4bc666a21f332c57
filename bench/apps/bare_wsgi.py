# The hello app as a bare WSGI callable: the floor any WSGI framework stands on.
import json

TEXT = 'text/plain; charset=utf-8'
JSON = 'application/json'


def answer(path):
    if path == '/':
        return '200 OK', TEXT, b'Hello, World!'
    if path == '/json':
        return '200 OK', JSON, json.dumps({'message': 'Hello, World!'}).encode()
    if path.startswith('/users/'):
        try:
            return '200 OK', JSON, json.dumps({'id': int(path[7:])}).encode()
        except ValueError:
            pass
    return '404 Not Found', TEXT, b'Not found'


def app(environ, start_response):
    status, ctype, body = answer(environ['PATH_INFO'])
    start_response(status, [('Content-Type', ctype), ('Content-Length', str(len(body)))])
    return [body]
