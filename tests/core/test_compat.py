# A Microdot 2.x style application, written the way existing apps are,
# must run unchanged.
import unittest

from microdot import Microdot, Request, Response, abort, redirect, \
    send_file, URLPattern, __version__
from microdot.microdot import URLPattern as URLPattern2, \
    Microdot as Microdot2
from microdot.test_client import TestClient
from helpers.support import run


def make_app():
    app = Microdot()
    api = Microdot()
    todos = {}

    @app.before_request
    async def start(request):
        request.g.started = True

    @app.route('/', methods=['GET', 'POST'])
    async def index(request):
        if request.method == 'POST':
            return redirect('/')
        return '<h1>home</h1>', {'Content-Type': 'text/html'}

    @api.get('/todos')
    async def list_todos(request):
        limit = request.args.get('limit', 10, type=int)
        return list(todos.values())[:limit]

    @api.post('/todos')
    async def add_todo(request):
        if not request.json or 'title' not in request.json:
            abort(400, 'title required')
        todo = {'id': len(todos) + 1, 'title': request.json['title'],
                'g': request.g.started}
        todos[todo['id']] = todo
        return todo, 201

    @api.get('/todos/<int:todo_id>')
    async def get_todo(request, todo_id):
        if todo_id not in todos:
            abort(404)
        return todos[todo_id]

    @api.errorhandler(404)
    async def api_not_found(request):
        return {'error': 'not found'}, 404

    app.mount(api, url_prefix='/api')

    @app.route('/form', methods=['POST'])
    def form(request):
        return 'hello ' + request.form.get('name', '?')

    @app.after_request
    def powered_by(request, response):
        response.headers['X-Powered-By'] = 'microdot'
        return response

    @app.get('/shutdown')
    async def shutdown(request):
        request.app.shutdown()
        return 'bye'

    return app


class TestMicrodot2App(unittest.TestCase):
    def test_names_and_modules(self):
        self.assertIs(URLPattern, URLPattern2)
        self.assertIs(Microdot, Microdot2)
        self.assertTrue(callable(send_file))
        self.assertIsInstance(__version__, str)
        self.assertEqual(Request.max_content_length, 16 * 1024)
        self.assertEqual(Response.default_content_type, 'text/plain')

    def test_api_flow(self):
        client = TestClient(make_app())
        res = run(client.get('/'))
        self.assertEqual(res.headers['Content-Type'], 'text/html')
        self.assertEqual(res.headers['X-Powered-By'], 'microdot')
        res = run(client.post('/'))
        self.assertEqual((res.status_code, res.headers['Location']),
                         (302, '/'))
        res = run(client.post('/api/todos', body={'title': 'milk'}))
        self.assertEqual(res.status_code, 201)
        self.assertEqual(res.json, {'id': 1, 'title': 'milk', 'g': True})
        res = run(client.post('/api/todos', body={'x': 1}))
        self.assertEqual((res.status_code, res.text), (400, 'title required'))
        self.assertEqual(run(client.get('/api/todos?limit=5')).json,
                         [{'id': 1, 'title': 'milk', 'g': True}])
        res = run(client.get('/api/todos/7'))
        self.assertEqual((res.status_code, res.json),
                         (404, {'error': 'not found'}))
        res = run(client.post('/form', headers={
            'Content-Type': 'application/x-www-form-urlencoded'},
            body='name=Ada+L'))
        self.assertEqual(res.text, 'hello Ada L')

    def test_default_content_type_can_change(self):
        app = Microdot()

        @app.get('/')
        async def index(request):
            return '<p>x</p>'

        saved = Response.default_content_type
        Response.default_content_type = 'text/html'
        try:
            res = run(TestClient(app).get('/'))
        finally:
            Response.default_content_type = saved
        self.assertEqual(res.headers['Content-Type'],
                         'text/html; charset=UTF-8')


class TestImports(unittest.TestCase):
    def test_extensions_import_as_names_of_the_package(self):
        # `from microdot import sse` style, as Microdot's docs write it
        from microdot import sse, cors
        import microdot
        self.assertIs(microdot.sse, sse)
        self.assertTrue(hasattr(cors, 'CORS'))
        self.assertFalse(hasattr(microdot, 'no_such_module'))
        self.assertFalse(hasattr(microdot, '__no_such_name__'))

    def test_dir_of_the_package_works(self):
        # MicroPython's dir() asks the package's __getattr__ for every name
        # it knows, dotted ones and missing modules' included
        import microdot
        names = dir(microdot)
        self.assertIn('Microdot', names)
        self.assertIn('URLPattern', names)
        import sys  # no module was looked for under a name that is none
        self.assertEqual([n for n in sys.modules if n.startswith('microdot.')
                          and not n[9:].replace('_', 'a').isalpha()], [])

    def test_async_bytes_io_is_loaded_when_asked_for(self):
        from microdot import AsyncBytesIO
        from microdot.microdot import AsyncBytesIO as again
        self.assertIs(AsyncBytesIO, again)
        self.assertEqual(run(AsyncBytesIO(b'ab\ncd').readline()), b'ab\n')
