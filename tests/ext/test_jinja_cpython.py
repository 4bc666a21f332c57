import asyncio

import pytest

from microdot import Microdot
from microdot.test_client import TestClient

jinja2 = pytest.importorskip('jinja2')
from microdot.jinja import Template  # noqa: E402


@pytest.fixture
def templates(tmp_path):
    (tmp_path / 'page.html').write_text(
        '<p>{{ name }}</p>{% for i in items %}<i>{{ i }}</i>{% endfor %}')
    (tmp_path / 'plain.txt').write_text('{{ name }}')
    (tmp_path / 'wait.html').write_text('{{ value() }}')
    Template.initialize(template_dir=str(tmp_path))
    yield tmp_path
    Template.jinja_env = None


def test_render_escapes_html(templates):
    text = Template('page.html').render(name='<b>', items=[1, 2])
    assert text == '<p>&lt;b&gt;</p><i>1</i><i>2</i>'


def test_text_templates_not_escaped(templates):
    assert Template('plain.txt').render(name='<b>') == '<b>'


def test_generate(templates):
    pieces = list(Template('page.html').generate(name='x', items=[]))
    assert ''.join(pieces) == '<p>x</p>'


def test_async_without_async_env(templates):
    async def go():
        text = await Template('page.html').render_async(name='a', items=[])
        pieces = [p async for p in
                  Template('page.html').generate_async(name='b', items=[1])]
        return text, ''.join(pieces)

    assert asyncio.run(go()) == ('<p>a</p>', '<p>b</p><i>1</i>')


def test_async_env_awaits(templates):
    Template.initialize(template_dir=str(templates), enable_async=True)

    async def value():
        await asyncio.sleep(0)
        return 'awaited'

    async def go():
        text = await Template('wait.html').render_async(value=value)
        pieces = [p async for p in
                  Template('wait.html').generate_async(value=value)]
        return text, ''.join(pieces)

    assert asyncio.run(go()) == ('awaited', 'awaited')


def test_in_app(templates):
    app = Microdot()

    @app.get('/')
    async def index(request):
        return Template('page.html').render(name='app', items=[]), \
            {'Content-Type': 'text/html'}

    res = asyncio.run(TestClient(app).get('/'))
    assert res.text == '<p>app</p>'


def test_missing_template(templates):
    with pytest.raises(jinja2.TemplateNotFound):
        Template('nope.html')
