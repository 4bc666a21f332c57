# The hello app as an ASGI application (`microdot.asgi`, ours or Microdot 2.7).
from microdot.asgi import Microdot

app = Microdot()


@app.route('/')
async def index(request):
    return 'Hello, World!'


@app.route('/json')
async def json_hello(request):
    return {'message': 'Hello, World!'}


@app.route('/users/<int:id>')
async def user(request, id):
    return {'id': id}
