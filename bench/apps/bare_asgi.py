# The hello app as a bare ASGI callable: the floor any ASGI framework stands on.
import json

TEXT = [(b'content-type', b'text/plain; charset=utf-8')]
JSON = [(b'content-type', b'application/json')]


def answer(path):
    if path == '/':
        return 200, TEXT, b'Hello, World!'
    if path == '/json':
        return 200, JSON, json.dumps({'message': 'Hello, World!'}).encode()
    if path.startswith('/users/'):
        try:
            return 200, JSON, json.dumps({'id': int(path[7:])}).encode()
        except ValueError:
            pass
    return 404, TEXT, b'Not found'


async def app(scope, receive, send):
    if scope['type'] != 'http':
        return
    status, headers, body = answer(scope['path'])
    await send({'type': 'http.response.start', 'status': status,
                'headers': headers + [(b'content-length', str(len(body)).encode())]})
    await send({'type': 'http.response.body', 'body': body})
