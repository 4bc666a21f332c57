# The hello app on Flask.
from flask import Flask

app = Flask(__name__)


@app.route('/')
def index():
    return 'Hello, World!'


@app.route('/json')
def json_hello():
    return {'message': 'Hello, World!'}


@app.route('/users/<int:id>')
def user(id):
    return {'id': id}
