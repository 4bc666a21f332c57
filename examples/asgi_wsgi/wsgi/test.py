# Run: pip install ./cpython_adapters gunicorn && cd examples/asgi_wsgi/wsgi && gunicorn test:app   (then open http://127.0.0.1:8000/)
from microdot.wsgi import Microdot

app = Microdot()


@app.route('/')
def index(request):
    return 'Hello, world!'
