# The hello app as a WSGI application (`microdot.wsgi`, ours or Microdot 2.7).
from microdot.wsgi import Microdot

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
