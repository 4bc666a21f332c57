# Run: make certs APP=examples/https HOST=localhost,127.0.0.1 && cd examples/https && MICROPYPATH=../../modules:.frozen micropython main.py (or PYTHONPATH=../../modules python main.py), then open https://127.0.0.1:8443/
# HTTPS on the built-in server. `make certs` writes key.der and cert.der (the DER files
# MicroPython's ssl loads; on a board, copy them beside main.py) and cert.pem/key.pem for
# CPython and for clients to trust (curl --cacert cert.pem https://127.0.0.1:8443/).
# Each TLS connection holds tens of KB of buffers: Microdot.max_tls_connections (a board's
# preset sets it) caps them, and past it a new client waits until one ends.
import ssl
import sys

from microdot import Microdot

app = Microdot()


@app.route('/')
async def index(request):
    return '<h1>Hello over {}</h1>'.format(request.scheme), \
        {'Content-Type': 'text/html; charset=UTF-8'}


context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
if sys.implementation.name == 'micropython':
    context.load_cert_chain('cert.der', 'key.der')
else:
    context.load_cert_chain('cert.pem', 'key.pem')
app.run(host='127.0.0.1', port=8443, debug=True, ssl=context)
