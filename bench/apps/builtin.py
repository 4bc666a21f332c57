# The hello app on a framework's built-in server (ours or Microdot 2.7, whichever `microdot`
# the import path finds), on CPython or MicroPython; usage: builtin.py PORT
import sys
from microdot import Microdot

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


app.run(host='127.0.0.1', port=int(sys.argv[1]))
