"""The README and docs/ hold up: the hello world runs as shown, links point
at files that exist, every `make` target shown exists, and the documented
settings and public names match the code."""
import importlib
import re

import pytest

from helpers.processes import INTERPRETERS, REPO

DOCS = [REPO / 'README.md', REPO / 'CHANGES.md'] + sorted(
    (REPO / 'docs').glob('*.md'))
PENDING = {'docs/limits.md'}  # written separately; linked before it lands


def code_blocks(path, lang):
    return re.findall(r'```' + lang + r'\n(.*?)```', path.read_text(), re.S)


@pytest.mark.parametrize('interpreter', INTERPRETERS)
def test_readme_hello_world_runs_as_shown(serve, tmp_path, interpreter):
    source = code_blocks(REPO / 'README.md', 'python')[0]
    assert len(source.strip().splitlines()) == 7, source
    folder = tmp_path / 'source' / 'readme'
    folder.mkdir(parents=True)
    (folder / 'hello.py').write_text(source)
    server = serve(interpreter, folder / 'hello.py')
    status, _, body = server.request('/')
    assert (status, body) == (200, b'Hello, world!')


def test_links_point_at_files():
    missing = []
    for doc in DOCS:
        text = doc.read_text()
        for target in re.findall(r'\]\(([^)\s]+)\)', text):
            if re.match(r'[a-z]+:', target) or target.startswith('#'):
                continue
            path = (doc.parent / target.split('#')[0]).resolve()
            if not path.exists():
                missing.append((doc.name, target,
                                str(path.relative_to(REPO))))
    pending = [m for m in missing if m[2] in PENDING]
    assert [m for m in missing if m[2] not in PENDING] == []
    if pending:
        pytest.skip('not written yet: {}'.format(
            ', '.join(sorted({m[2] for m in pending}))))


def test_make_targets_shown_exist():
    makefile = (REPO / 'Makefile').read_text()
    targets = set(re.findall(r'^([a-zA-Z_-]+):', makefile, re.M))
    shown = set()
    for doc in DOCS:
        text = doc.read_text()
        commands = re.findall(r'`(make [^`]*)`', text)
        for block in code_blocks(doc, 'sh'):
            commands += [line.split('#')[0] for line in block.splitlines()]
        for command in commands:
            for words in re.findall(r'(?:^|&& )make((?: [A-Za-z_=./0-9|-]+)+)',
                                    command.strip()):
                shown.update(w for w in words.split()
                             if '=' not in w and re.match(r'^[a-z-]+$', w))
    assert shown, 'no make command found'
    assert shown - targets == set()


def _settings_tables():
    text = (REPO / 'docs' / 'api.md').read_text()
    return re.findall(r'^\| `([a-z_]+)` \| `([^`]+)` \|', text, re.M)


def test_documented_settings_match_the_code():
    from microdot import Microdot, Request
    rows = _settings_tables()
    assert len(rows) >= 11
    for name, default in rows:
        owner = Microdot if hasattr(Microdot, name) else Request
        assert hasattr(owner, name), name
        assert getattr(owner, name) == eval(default), (name, default)


# The contract's import table: every name is importable and documented.
PUBLIC = {
    'microdot': 'Microdot Request Response abort redirect send_file URLPattern apply_preset '
                'AsyncBytesIO HTTPException MultiDict NoCaseDict urlencode '
                'urldecode iscoroutine __version__',
    'microdot.microdot': 'Microdot Request Response abort redirect send_file '
                         'URLPattern HTTPException',
    'microdot.sse': 'with_sse sse_response SSE',
    'microdot.websocket': 'with_websocket websocket_upgrade WebSocket '
                          'WebSocketError',
    'microdot.multipart': 'with_form_data FormDataIter FileUpload',
    'microdot.cors': 'CORS',
    'microdot.csrf': 'CSRF',
    'microdot.session': 'Session SessionDict with_session',
    'microdot.auth': 'BasicAuth TokenAuth',
    'microdot.login': 'Login',
    'microdot.test_client': 'TestClient TestResponse',
    'microdot.utemplate': 'Template',
    'microdot.jinja': 'Template',
    'microdot.ota': 'OTA rollback recover',
    'microdot.wifi': 'start add_portal start_portal stop_portal connect scan load save',
    'microdot.captive_dns': 'start reply a_record',
    'microdot.presets': 'preset BOARDS NAMES',
}


@pytest.mark.parametrize('module', sorted(PUBLIC))
def test_public_names_exist_and_are_documented(module):
    api = (REPO / 'docs' / 'api.md').read_text()
    assert '## `{}`'.format(module) in api or module == 'microdot.microdot'
    mod = importlib.import_module(module)
    for name in PUBLIC[module].split():
        assert hasattr(mod, name), (module, name)
        assert '`' + name in api or '@' + name in api or \
            '.' + name in api or \
            ' ' + name in api, (module, name)
