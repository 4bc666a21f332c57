import os
import sys
import unittest

from helpers.files import exists, rmtree, temp_folder
from helpers.support import run

from microdot import Microdot
from microdot.test_client import TestClient

# utemplate is installed (by tests/install_micropython_packages.py) into
# <venv>/micropython-lib; CPython finds it through a .pth file, MicroPython
# through this path.
_HERE = __file__ if __file__.startswith('/') else \
    os.getcwd() + '/' + __file__
_ROOT = _HERE.rsplit('/', 3)[0]
try:
    import utemplate  # noqa: F401
except ImportError:
    sys.path.append(_ROOT + '/.venv/micropython-lib')
    try:
        import utemplate  # noqa: F401
    except ImportError:
        utemplate = None

if utemplate is not None:
    from microdot.utemplate import Template
    from utemplate import compiled, recompile  # noqa: F401

TEMPLATES = {
    'index.tpl': '{% args name, items=() %}<h1>Hello {{name}}!</h1>\n'
                 '{% for item in items %}<li>{{item}}</li>\n{% endfor %}'
                 '{% include "footer.tpl" %}',
    'footer.tpl': '<footer>bye</footer>\n',
}
_counter = [0]


class TestUtemplate(unittest.TestCase):
    def setUp(self):
        if utemplate is None:
            self.skipTest('utemplate is not installed: run '
                          'tests/install_micropython_packages.py')
        # utemplate imports compiled templates as modules named after their
        # folder, so each test gets a fresh folder on sys.path.
        _counter[0] += 1
        tag = ''.join('%02x' % b for b in os.urandom(4))
        self.base = temp_folder() + '/microdot-tpl-' + tag
        self.folder = 'tpl%d_%s' % (_counter[0], tag)
        os.mkdir(self.base)
        os.mkdir(self.base + '/' + self.folder)
        for name, text in TEMPLATES.items():
            with open(self.base + '/' + self.folder + '/' + name, 'w') as f:
                f.write(text)
        self.cwd = os.getcwd()
        os.chdir(self.base)
        sys.path.insert(0, self.base)
        Template.initialize(template_dir=self.folder)

    def tearDown(self):
        if utemplate is None:
            return
        os.chdir(self.cwd)
        sys.path.remove(self.base)
        Template.loader = None
        rmtree(self.base)

    def test_render(self):
        text = Template('index.tpl').render('Susan', items=[1, 2])
        self.assertEqual(text, '<h1>Hello Susan!</h1>\n<li>1</li>\n'
                               '<li>2</li>\n<footer>bye</footer>\n')

    def test_generate_streams_pieces(self):
        pieces = list(Template('index.tpl').generate('x'))
        self.assertGreater(len(pieces), 3)
        self.assertEqual(''.join(pieces),
                         '<h1>Hello x!</h1>\n<footer>bye</footer>\n')

    def test_async(self):
        async def go():
            text = await Template('index.tpl').render_async('a', items=[3])
            pieces = []
            async for piece in Template('index.tpl').generate_async('b'):
                pieces.append(piece)
            return text, ''.join(pieces)

        text, streamed = run(go())
        self.assertIn('<li>3</li>', text)
        self.assertEqual(streamed,
                         '<h1>Hello b!</h1>\n<footer>bye</footer>\n')

    def test_streamed_response(self):
        app = Microdot()

        @app.get('/')
        def index(request):
            return Template('index.tpl').generate_async('web', items='ab'), \
                {'Content-Type': 'text/html'}

        res = run(TestClient(app).get('/'))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.text, '<h1>Hello web!</h1>\n<li>a</li>\n'
                                   '<li>b</li>\n<footer>bye</footer>\n')

    def test_precompiled_loader(self):
        Template('index.tpl').render('warm up')  # compiles index_tpl.py
        self.assertTrue(exists(self.folder + '/index_tpl.py'))
        Template.initialize(template_dir=self.folder,
                            loader_class=compiled.Loader)
        self.assertEqual(Template('index.tpl').render('c'),
                         '<h1>Hello c!</h1>\n<footer>bye</footer>\n')
