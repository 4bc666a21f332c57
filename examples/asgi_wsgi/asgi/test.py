# Run: pip install ./cpython_adapters uvicorn && cd examples/asgi_wsgi/asgi && uvicorn test:app   (then open http://127.0.0.1:8000/)
from microdot.asgi import Microdot

app = Microdot()


@app.route('/')
async def index(request):
    return 'Hello, world!'
