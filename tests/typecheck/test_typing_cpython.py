"""The package's typing: the stubs and py.typed that cpython_adapters/microdot/ adds to the
CPython package (the device code carries no annotations).

- mypy's stubtest holds the stubs against the installed code, and instances have the
  attributes the stubs declare;
- pyright, in strict mode, finds no error in the stubs and in sample_app.py, an app that uses
  the whole API (nor does mypy --strict), and that app runs;
- every public name of Microdot 2.7.0's own stubs exists here with a signature that accepts
  every call Microdot's accepts, or is in INTERNAL with the reason (docs/migration.md);
- an editable install shows type checkers the stubs too.

The package is installed into a fresh venv that sees this venv's packages (mypy, jinja2)
behind it, as a user's venv would.
"""
import importlib.util
import json
import os
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest

from compat import microdot_suite
from helpers.processes import REPO, venv_tool
from typecheck import stub_compat

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, 'sample_app.py')
ALLOWLIST = os.path.join(HERE, 'stubtest_allowlist.txt')
TIMEOUT = 300

# Every module docs/api.md documents has a stub. The others, the core's internal modules
# (docs/internals.md) and the adapters' shared helpers, have none, so that they stay free to
# change: the public stubs import none of them, and what stubtest finds in their source
# (device code without annotations) is not about the typed API.
API_DOC = os.path.join(str(REPO), 'docs', 'api.md')


def documented_modules():
    with open(API_DOC, encoding='utf-8') as f:
        names = re.findall(r'^## `(microdot(?:\.\w+)?)`', f.read(), re.M)
    return {'__init__' if name == 'microdot' else name.split('.')[1] for name in names}


# Names of Microdot 2.7.0's stubs that are not here, or not with a signature that takes
# every call Microdot's takes, and why (docs/migration.md lists them).
INTERNAL = {
    'microdot.microdot.MUTED_SOCKET_ERRORS':
        "Microdot's server's list of socket errors it keeps quiet about; this server decides "
        "that itself (microdot/server.py).",
    'microdot.microdot.mro':
        "a helper of Microdot's error-handler lookup (MicroPython has no __mro__); here the "
        "lookup walks __bases__ inside microdot/errors.py.",
    'microdot.microdot.Request.body_used':
        "Microdot's flag that the body was read; here the server reads a body once, into "
        "request.body, or leaves it in request.stream.",
    'microdot.microdot.Response.i':
        "Microdot's position in a body being sent; response.body_iter() keeps its own.",
    'microdot.microdot.URLPattern.segment_patterns':
        "Microdot's table of URL types; here URLPattern.types maps each type to its "
        "(regex, parser), and URLPattern.register_type() adds one, as in Microdot.",
    'microdot.microdot.URLPattern.segment_parsers':
        "the same table's parsers: URLPattern.types holds them.",
    'microdot.microdot.URLPattern.segments':
        "Microdot's parsed pattern; here compile() keeps the regex and URLPattern.args.",
    'microdot.microdot.Microdot.get_request_handlers':
        "dispatch internals: which apps' hooks apply to a route (mount(local=True)) is "
        "decided inside dispatch_request().",
    'microdot.microdot.Microdot.error_response':
        "dispatch internals: error answers come from the error handlers "
        "(microdot/errors.py); abort() and errorhandler() are the public way.",
    'microdot.microdot.AsyncBytesIO.stream':
        "Microdot keeps a BytesIO inside; here the bytes are AsyncBytesIO.data.",
    'microdot.multipart.FileUpload.__init__':
        "uploads are made by the multipart parser (with_form_data, FormDataIter): the third "
        "argument is the part's source (the parser, bytes or a temporary file's path), not "
        "a read function.",
    'microdot.multipart.FormDataIter.request':
        "parser state: the iterator keeps the request's stream (stream), not the request.",
    'microdot.multipart.FormDataIter.buffer':
        "parser state: here buf.",
    'microdot.multipart.FormDataIter.boundary':
        "parser state: here delimiter, the boundary with the CRLF and dashes before it.",
    'microdot.multipart.FormDataIter.extra_size':
        "parser state that this parser does not need.",
    'microdot.sse.SSE.event':
        "the stream's internal signal; here ready and drained (asyncio.Event).",
    'microdot.sse.SSE.queue':
        "the stream's internal queue; here pending.",
    'microdot.csrf.CSRF.SAFE_METHODS':
        "the safe methods are fixed (GET, HEAD, OPTIONS: RFC 9110): a module constant, not a "
        "setting.",
    'microdot.auth.BasicAuth.authentication_error':
        "the default refusal (401 with a WWW-Authenticate challenge); @auth.errorhandler "
        "replaces it, as in Microdot.",
    'microdot.auth.TokenAuth.authentication_error':
        "the default refusal (401); @auth.errorhandler replaces it, as in Microdot.",
    'microdot.websocket.websocket_wrapper':
        "with_websocket's inner helper; with_websocket and websocket_upgrade are the API, "
        "on the built-in server and under the adapters alike.",
    'microdot.asgi.Microdot.embedded_server':
        "Microdot's flag that the app runs on its own server; the adapters' classes serve "
        "under a server and on app.run() alike.",
    'microdot.asgi.Microdot.asgi_app':
        "the application object is the ASGI callable, app(scope, receive, send): wrap the "
        "app (app = Middleware(app)) for middleware.",
    'microdot.asgi.Microdot.handle_lifespan':
        "lifespan events are answered inside app(scope, receive, send) (asgi_lifespan); "
        "lifespan_startup and lifespan_shutdown are the API.",
    'microdot.asgi.Microdot.run':
        "the adapters' classes keep the core's run(host, port, debug, ssl), the built-in "
        "server; a server's own options go to that server (uvicorn ...), not to run().",
    'microdot.wsgi.Microdot.embedded_server':
        "as for microdot.asgi.Microdot.embedded_server.",
    'microdot.wsgi.Microdot.loop':
        "each worker thread has its own event loop here (thread_loop()), not one per app, "
        "so threaded workers are safe.",
    'microdot.wsgi.Microdot.wsgi_app':
        "the application object is the WSGI callable, app(environ, start_response): wrap "
        "the app for middleware.",
    'microdot.wsgi.Microdot.run':
        "as for microdot.asgi.Microdot.run.",
}


def run(cmd, **kwargs):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, **kwargs)


def fresh_venv(path, *install):
    """A venv (the package installed by `pip install *install` from REPO) that sees this
    venv's packages after its own, as --system-site-packages would."""
    done = run([sys.executable, '-m', 'venv', '--without-pip', str(path)])
    assert done.returncode == 0, done.stderr
    python = str(path / 'bin' / 'python')
    done = run([sys.executable, '-m', 'pip', '--python', python, 'install', '--no-input',
                '--disable-pip-version-check', '--no-index', '--no-deps'] + list(install),
               cwd=str(REPO))
    assert done.returncode == 0, done.stdout + done.stderr
    site = run([python, '-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'])
    site = site.stdout.strip()
    outer = [p for p in sys.path if p.startswith(sys.prefix) and os.path.isdir(p)]
    with open(os.path.join(site, 'zz_test_venv.pth'), 'w') as f:
        f.write(''.join(p + '\n' for p in outer))
    return SimpleNamespace(python=python, site=site, root=path)


@pytest.fixture(scope='module')
def package(tmp_path_factory):
    return fresh_venv(tmp_path_factory.mktemp('typed') / 'venv', './cpython_adapters')


@pytest.fixture
def mypy():
    if importlib.util.find_spec('mypy') is None:
        pytest.skip('mypy is not installed (make venv installs it: tests/requirements.txt)')


def pyright(files, python, folder, strict=True):
    """pyright's JSON report on files, with the packages of the given interpreter."""
    tool = venv_tool('pyright')
    if not tool:
        pytest.skip('pyright is not installed (make venv)')
    config = os.path.join(str(folder), 'pyrightconfig.json')
    with open(config, 'w') as f:
        json.dump({'typeCheckingMode': 'strict' if strict else 'standard',
                   'pythonVersion': '3.9'}, f)  # the oldest Python the package supports
    done = run([tool, '-p', config, '--pythonpath', python, '--outputjson'] + files,
               cwd=str(folder))
    try:
        return json.loads(done.stdout)
    except ValueError:
        pytest.skip('pyright did not run: ' + (done.stdout + done.stderr)[-500:])


def diagnostics(report, severity='error'):
    return ['%s:%d: %s' % (os.path.basename(d['file']), d['range']['start']['line'] + 1,
                           d['message']) for d in report['generalDiagnostics']
            if d['severity'] == severity]


#### stubtest

def test_the_device_tree_has_no_typing():
    core = os.path.join(str(REPO), 'modules', 'microdot')
    assert [n for n in os.listdir(core) if n.endswith('.pyi') or n == 'py.typed'] == []


def test_stubs_match_the_code(package, mypy, tmp_path):
    installed = os.path.join(package.site, 'microdot')
    modules = {n[:-3] for n in os.listdir(installed) if n.endswith('.py')}
    stubbed = {n[:-4] for n in os.listdir(installed) if n.endswith('.pyi')}
    assert os.path.exists(os.path.join(installed, 'py.typed'))
    documented = documented_modules()
    assert len(documented) >= 15 and documented <= stubbed, \
        'a module of docs/api.md without cpython_adapters/microdot/NAME.pyi'
    internal = sorted(modules - stubbed)
    config = tmp_path / 'mypy.ini'
    config.write_text('[mypy]\ncache_dir = %s\n\n[mypy-%s]\nignore_errors = True\n' % (
        tmp_path / 'cache', ','.join('microdot.' + name for name in internal)))
    allow_internal = tmp_path / 'internal.txt'
    # (an optional group: no "unused entry" for a module stubtest has nothing to say about)
    allow_internal.write_text('(microdot\\.(%s)(\\..+)?)?\n' % '|'.join(internal))
    done = run([package.python, '-m', 'mypy.stubtest', 'microdot', '--mypy-config-file',
                str(config), '--allowlist', ALLOWLIST, '--allowlist', str(allow_internal)],
               cwd=str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr


def test_instances_have_the_attributes_the_stubs_declare(package, tmp_path):
    done = run([package.python, os.path.join(HERE, 'instance_attributes.py')],
               cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {'missing': [], 'unbuilt': []}


#### pyright and the sample app

def test_sample_app_and_stubs_type_check(package, mypy, tmp_path):
    stubs = sorted(os.path.join(package.site, 'microdot', n)
                   for n in os.listdir(os.path.join(package.site, 'microdot'))
                   if n.endswith('.pyi'))
    report = pyright([SAMPLE] + stubs, package.python, tmp_path)
    assert report['summary']['filesAnalyzed'] == len(stubs) + 1
    assert diagnostics(report) == []
    # and mypy, the other checker apps use
    done = run([package.python, '-m', 'mypy', '--strict', '--cache-dir',
                str(tmp_path / 'cache'), SAMPLE], cwd=str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr


def test_sample_app_runs(package, tmp_path):
    done = run([package.python, SAMPLE], cwd=str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith('sample app: ok')


def test_a_type_error_is_found(package, tmp_path):
    # the check has teeth: misuses of the API are errors
    probe = tmp_path / 'probe.py'
    probe.write_text(
        'from microdot import Microdot, Request\n'
        'app = Microdot()\n'
        'app.route("/", methods="GET")\n'
        'app.run(port="80")\n'
        'async def h(request: Request) -> None:\n'
        '    request.args.getlist(1)\n'
        '    request.nonexistent\n')
    report = pyright([str(probe)], package.python, tmp_path, strict=False)
    assert [line.split(':')[1] for line in diagnostics(report)] == ['3', '4', '6', '7']


#### Microdot 2.7.0's names

def test_microdot_27_names_are_here(package, mypy, tmp_path):
    try:
        src = microdot_suite.fetch()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        pytest.skip('Microdot 2.7.0 could not be downloaded: %s' % exc)
    trees = stub_compat.read_stubs(os.path.join(src, 'src', 'microdot'))
    sources, lines, names, modules, methods = stub_compat.build_checks(trees)
    checks = tmp_path / 'checks'
    checks.mkdir()
    for filename, text in sources.items():
        (checks / filename).write_text(text)
    done = run([package.python, '-m', 'mypy', '--cache-dir', str(tmp_path / 'cache'),
                '--no-error-summary', '--hide-error-context', '--no-pretty',
                '--show-error-codes'] + sorted(sources), cwd=str(checks))
    failing, stray = stub_compat.parse_mypy(done.stdout, lines)
    assert stray == [], done.stdout + done.stderr
    probe = run([package.python, '-c', stub_compat.RUNTIME_PROBE], cwd=str(tmp_path),
                input=json.dumps({'modules': modules, 'methods': methods}))
    assert probe.returncode == 0, probe.stderr
    missing = json.loads(probe.stdout)
    found = set(failing) | set(missing)
    print('Microdot 2.7.0 stubs: %d names; %d here with a compatible signature; %d listed '
          'as internal' % (len(names), len(set(names) - found), len(INTERNAL)))
    unexplained = {name: failing.get(name, ['missing at run time'])
                   for name in sorted(found - set(INTERNAL))}
    assert unexplained == {}
    assert sorted(set(INTERNAL) - found) == []  # here now: take it off the list
    assert set(INTERNAL) <= set(names)


#### editable installs

def test_editable_install_shows_type_checkers_the_stubs(mypy, tmp_path):
    venv = fresh_venv(tmp_path / 'venv', '-e', './cpython_adapters')
    probe = tmp_path / 'probe.py'
    probe.write_text('from microdot.asgi import Microdot\n'
                     'from microdot.protocol import RequestError\n'
                     'reveal_type(Microdot().route)\n'
                     'reveal_type(RequestError)\n')
    report = pyright([str(probe)], venv.python, tmp_path, strict=False)
    assert diagnostics(report) == []
    revealed = diagnostics(report, 'information')
    assert 'url_pattern: str' in revealed[0] and 'type[RequestError]' in revealed[1]
    # mypy takes only packages marked typed from a search path: the stubs' folder is, the
    # device tree is not, so it sees the public API but not the internal modules' source
    probe.write_text('from microdot.asgi import Microdot\n'
                     'reveal_type(Microdot().route)\n')
    done = run([venv.python, '-m', 'mypy', '--cache-dir', str(tmp_path / 'cache'),
                '--no-error-summary', str(probe)], cwd=str(tmp_path))
    assert 'error' not in done.stdout, done.stdout
    assert 'url_pattern: str' in done.stdout
