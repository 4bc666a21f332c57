# The hello app on Bottle.
import bottle

app = bottle.Bottle()


@app.route('/')
def index():
    return 'Hello, World!'


@app.route('/json')
def json_hello():
    return {'message': 'Hello, World!'}


@app.route('/users/<id:int>')
def user(id):
    return {'id': id}
