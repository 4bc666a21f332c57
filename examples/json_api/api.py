# Run: cd examples/json_api && PYTHONPATH=../../modules python api.py   (or MICROPYPATH=../../modules:.frozen micropython api.py), then: curl http://127.0.0.1:5000/todos
# A JSON API: a to-do list kept in memory.
#   curl http://127.0.0.1:5000/todos
#   curl -X POST -H 'Content-Type: application/json' -d '{"title": "water the plants"}' http://127.0.0.1:5000/todos
#   curl -X PATCH -H 'Content-Type: application/json' -d '{"done": true}' http://127.0.0.1:5000/todos/1
#   curl -X DELETE http://127.0.0.1:5000/todos/1
from microdot import Microdot

app = Microdot()
todos = {}  # id -> {'id': ..., 'title': ..., 'done': ...}
next_id = [1]


# Raised by the handlers below; answered as {"error": message}.
class APIError(Exception):
    def __init__(self, status_code, message):
        super().__init__(message)
        self.status_code = status_code
        self.message = message


def find(todo_id):
    todo = todos.get(todo_id)
    if todo is None:
        raise APIError(404, 'no such to-do')
    return todo


def json_object(request):
    data = request.json  # None unless the body is JSON; bad JSON is a 400
    if not isinstance(data, dict):
        raise APIError(400, 'send a JSON object')
    return data


def title_from(data):
    title = data.get('title')
    if not isinstance(title, str) or not title.strip():
        raise APIError(400, 'the title must be a non-empty string')
    return title.strip()


@app.get('/todos')
async def list_todos(request):
    items = [todos[k] for k in sorted(todos)]
    if request.args.get('done') is not None:
        done = request.args.get('done') in ('1', 'true', 'yes')
        items = [t for t in items if t['done'] == done]
    return items


@app.post('/todos')
async def create_todo(request):
    todo = {'id': next_id[0], 'title': title_from(json_object(request)),
            'done': False}
    todos[todo['id']] = todo
    next_id[0] += 1
    return todo, 201, {'Location': '/todos/{}'.format(todo['id'])}


@app.get('/todos/<int:todo_id>')
async def get_todo(request, todo_id):
    return find(todo_id)


@app.patch('/todos/<int:todo_id>')
async def update_todo(request, todo_id):
    todo = find(todo_id)
    data = json_object(request)
    if 'title' in data:
        todo['title'] = title_from(data)
    if 'done' in data:
        todo['done'] = bool(data['done'])
    return todo


@app.delete('/todos/<int:todo_id>')
async def delete_todo(request, todo_id):
    find(todo_id)
    del todos[todo_id]
    return None  # 204 No Content


# Errors as JSON too, so clients always get the same shape.
@app.errorhandler(APIError)
async def api_error(request, exc):
    return {'error': exc.message}, exc.status_code


@app.errorhandler(400)
async def bad_request(request):
    return {'error': 'bad request'}, 400


@app.errorhandler(404)
async def not_found(request):
    return {'error': 'not found'}, 404


app.run(host='127.0.0.1', port=5000, debug=True)
