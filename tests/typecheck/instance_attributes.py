"""Run with the package installed: builds an instance of every class the stubs declare and
prints, as JSON, the attributes the stubs declare that an instance lacks, and the classes it
could not build (stubtest checks what a class has, not what its instances have)."""
import ast
import io
import json
import os
import socket
import tempfile

import microdot
from microdot import AsyncBytesIO, HTTPException, Microdot, MultiDict, NoCaseDict, Request, \
    Response, URLPattern, asgi, auth, cors, csrf, jinja, login, multipart, session, sse, \
    test_client, utemplate, websocket, wsgi

# Set by the adapters on the requests they make.
ADAPTER_ATTRIBUTES = {'microdot.Request.asgi_scope', 'microdot.Request.environ'}


# A utemplate loader's shape: load(name) gives the template's render function.
class Loader:
    def __init__(self, package, folder):
        pass

    def load(self, name):
        return lambda *args, **kwargs: iter(())


def builders(folder):
    app = Microdot()
    request = Request(app, ('127.0.0.1', 1), 'POST', '/?a=1', '1.1',
                      NoCaseDict({'Content-Type': 'multipart/form-data; boundary=b'}),
                      sock=(AsyncBytesIO(b''), None))
    raw = socket.socket()
    with open(os.path.join(folder, 'page.html'), 'w') as f:
        f.write('{{ title }}\n')
    jinja.Template.initialize(folder)
    utemplate.Template.initialize(folder, loader_class=Loader)
    return raw, {
        'microdot.Request': lambda: request,
        'microdot.Response': Response,
        'microdot.Microdot': Microdot,
        'microdot.URLPattern': lambda: URLPattern('/<int:id>'),
        'microdot.HTTPException': lambda: HTTPException(400),
        'microdot.MultiDict': MultiDict,
        'microdot.NoCaseDict': NoCaseDict,
        'microdot.AsyncBytesIO': lambda: AsyncBytesIO(b''),
        'microdot.sse.SSE': sse.SSE,
        'microdot.websocket.WebSocket': lambda: websocket.WebSocket(None),
        'microdot.websocket.WebSocketError': websocket.WebSocketError,
        'microdot.websocket.FrameParser': websocket.FrameParser,
        'microdot.multipart.FileUpload': lambda: multipart.FileUpload('a', 'text/plain', b''),
        'microdot.multipart.FormDataIter': lambda: multipart.FormDataIter(request),
        'microdot.cors.CORS': cors.CORS,
        'microdot.csrf.CSRF': csrf.CSRF,
        'microdot.session.Session': session.Session,
        'microdot.session.SessionDict': lambda: session.SessionDict(request, {}),
        'microdot.auth.BaseAuth': auth.BaseAuth,
        'microdot.auth.BasicAuth': auth.BasicAuth,
        'microdot.auth.TokenAuth': auth.TokenAuth,
        'microdot.login.Login': login.Login,
        'microdot.test_client.TestClient': lambda: test_client.TestClient(app),
        'microdot.test_client.TestResponse': test_client.TestResponse,
        'microdot.jinja.Template': lambda: jinja.Template('page.html'),
        'microdot.utemplate.Template': lambda: utemplate.Template('page.html'),
        'microdot.asgi.Microdot': asgi.Microdot,
        'microdot.asgi.ASGIBodyStream': lambda: asgi.ASGIBodyStream(None),
        'microdot.asgi.ASGIWebSocket': lambda: asgi.ASGIWebSocket(request, None, None),
        'microdot.asgi.ASGIWebSocketSock': lambda: asgi.ASGIWebSocketSock(None, None),
        'microdot.wsgi.Microdot': wsgi.Microdot,
        'microdot.wsgi.InlineExecutor': wsgi.InlineExecutor,
        'microdot.wsgi.OnePassSelector': wsgi.OnePassSelector,
        'microdot.wsgi.WSGIBodyStream': lambda: wsgi.WSGIBodyStream(io.BytesIO(), 0),
        'microdot.wsgi.UWSGIChunkedBody': lambda: wsgi.UWSGIChunkedBody(None),
        'microdot.wsgi.SocketStream': lambda: wsgi.SocketStream(raw),
        'microdot.wsgi.SocketWriter': lambda: wsgi.SocketWriter(raw),
        'microdot.wsgi.WSGIBody': lambda: wsgi.WSGIBody(None),
    }


def declared(folder):
    """{'module.Class': [attributes the stub annotates]} for the public stub classes."""
    classes = {}
    for filename in sorted(os.listdir(folder)):
        if filename.endswith('.pyi'):
            module = 'microdot' if filename == '__init__.pyi' else 'microdot.' + filename[:-4]
            with open(os.path.join(folder, filename)) as f:
                tree = ast.parse(f.read())
            for node in tree.body:
                if isinstance(node, ast.ClassDef) and not node.name.startswith('_'):
                    classes['%s.%s' % (module, node.name)] = [
                        n.target.id for n in node.body
                        if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)]
    return classes


def main():
    missing, unbuilt = [], []
    with tempfile.TemporaryDirectory() as folder:
        raw, build = builders(folder)
        for name, attributes in declared(os.path.dirname(microdot.__file__)).items():
            if name not in build:
                unbuilt.append(name)
                continue
            instance = build[name]()
            missing += ['%s.%s' % (name, a) for a in attributes
                        if not hasattr(instance, a)
                        and '%s.%s' % (name, a) not in ADAPTER_ATTRIBUTES]
        raw.close()
    print(json.dumps({'missing': missing, 'unbuilt': unbuilt}))


if __name__ == '__main__':
    main()
