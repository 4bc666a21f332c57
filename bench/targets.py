"""The servers under test: how to start each one, and whether it can be started here.

Every target serves the same hello app (`/` text, `/json`, `/users/<int:id>`) on a free
127.0.0.1 port. Ours and Microdot 2.7 both provide a package named `microdot`, so each
target gets its own import path: ours from the repository's `modules/` (built-in server) or
from a `pip install --target` of `cpython_adapters` (ASGI/WSGI); Microdot 2.7 from the bench
venv's site-packages on CPython and from a copy of that package on MicroPython.
"""
import os
import shutil
import subprocess

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
APPS = os.path.join(BENCH, 'apps')

OURS = 'ours'
MD27 = 'Microdot 2.7'

# group -> (title, reference target name for the ratio column)
GROUPS = {
    'builtin': ('Built-in servers', None),   # reference: the limit on the same interpreter
    'asgi': ('ASGI on uvicorn (1 worker)', 'starlette-asgi'),
    'wsgi': ('WSGI on gunicorn (1 worker)', 'bottle-wsgi'),
}


class Target:
    def __init__(self, name, label, group, interp, cmd, env=None, framework=None,
                 missing=None):
        self.name = name            # short id, used in file names and --only
        self.label = label          # what the report calls it
        self.group = group          # 'builtin', 'asgi' or 'wsgi'
        self.interp = interp        # 'CPython' or 'MicroPython'
        self.cmd = cmd              # argv, '{port}' replaced by the port
        self.env = env or {}
        self.framework = framework  # OURS, MD27 or None
        self.missing = missing      # why it cannot run here, or None
        self.status = None          # 'ok', or why it was left out ('n/a: ...')
        self.proc = None
        self.port = None
        self.restarts = []          # exit codes of runs that ended under the load

    def argv(self):
        return [a.replace('{port}', str(self.port)) for a in self.cmd]


def find_md27(python):
    """Where the given CPython finds Microdot 2.7.0 (its package folder), or None."""
    code = ('import importlib.metadata as m, microdot, os; '
            'print(m.version("microdot")); print(os.path.dirname(microdot.__file__))')
    env = dict(os.environ)
    env.pop('PYTHONPATH', None)
    try:
        out = subprocess.run([python, '-c', code], capture_output=True, text=True, env=env,
                             timeout=30, cwd=APPS)
    except OSError:
        return None
    lines = out.stdout.split()
    if out.returncode or len(lines) != 2 or lines[0] != '2.7.0':
        return None
    return lines[1]


def copy_md27_for_micropython(pkg_dir, dest, mpy_cross=None):
    """Copy the installed Microdot 2.7 package (its .py files) to dest/microdot, or compile
    them there to .mpy when mpy_cross is given. Returns dest."""
    out = os.path.join(dest, 'microdot')
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(out)
    for name in sorted(os.listdir(pkg_dir)):
        if not name.endswith('.py'):
            continue
        src = os.path.join(pkg_dir, name)
        if mpy_cross:
            subprocess.run([mpy_cross, '-o', os.path.join(out, name[:-3] + '.mpy'), src],
                           check=True)
        else:
            shutil.copy(src, out)
    return dest


def compile_tree(src_pkg, dest, mpy_cross):
    """Cross-compile every module of a package folder to dest/microdot/*.mpy."""
    out = os.path.join(dest, 'microdot')
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(out)
    for name in sorted(os.listdir(src_pkg)):
        if name.endswith('.py'):
            subprocess.run([mpy_cross, '-o', os.path.join(out, name[:-3] + '.mpy'),
                            os.path.join(src_pkg, name)], check=True)
    return dest


def build_targets(python, micropython, ours_site, work):
    """All targets, in report order; those that cannot run here carry `missing`."""
    ours_src = os.path.join(ROOT, 'modules')
    has_ours = os.path.exists(os.path.join(ours_src, 'microdot', '__init__.py'))
    no_ours = None if has_ours else 'core not in modules/microdot yet'
    has_mp = micropython and os.access(micropython, os.X_OK)
    no_mp = None if has_mp else 'MicroPython interpreter not found'
    md27 = find_md27(python)
    no_md = None if md27 else 'microdot==2.7.0 not installed for %s' % python
    md27_mp = None
    if md27 and has_mp:
        md27_mp = copy_md27_for_micropython(md27, os.path.join(work, 'md27-py'))
    adapters = ours_site and os.path.exists(os.path.join(ours_site, 'microdot', 'asgi.py'))
    no_adapters = None if adapters else 'cpython_adapters not installed'

    def mp_env(path):
        return {'MICROPYPATH': (path + ':' if path else '') + '.frozen'}

    py_ours = {'PYTHONPATH': ours_src}
    py_adapt = {'PYTHONPATH': ours_site or ''}
    builtin = os.path.join(APPS, 'builtin.py')
    limit = os.path.join(APPS, 'asyncio_floor.py')
    uvicorn = [python, '-m', 'uvicorn', '--host', '127.0.0.1', '--port', '{port}',
               '--log-level', 'warning', '--no-access-log']
    gunicorn = [python, '-m', 'gunicorn', '-w', '1', '-b', '127.0.0.1:{port}',
                '--log-level', 'warning']
    gthread = gunicorn + ['-k', 'gthread', '--threads', '8']
    T = Target
    return [
        T('ours-cpython', 'ours, built-in', 'builtin', 'CPython', [python, builtin, '{port}'],
          py_ours, OURS, no_ours),
        T('md27-cpython', 'Microdot 2.7, built-in', 'builtin', 'CPython',
          [python, builtin, '{port}'], None, MD27, no_md),
        T('limit-cpython', 'pure-Python limit', 'builtin', 'CPython',
          [python, limit, '{port}']),
        T('ours-mpy', 'ours, built-in', 'builtin', 'MicroPython',
          [micropython or 'micropython', builtin, '{port}'], mp_env(ours_src), OURS,
          no_mp or no_ours),
        T('md27-mpy', 'Microdot 2.7, built-in', 'builtin', 'MicroPython',
          [micropython or 'micropython', builtin, '{port}'], mp_env(md27_mp), MD27,
          no_mp or no_md),
        T('limit-mpy', 'pure-Python limit', 'builtin', 'MicroPython',
          [micropython or 'micropython', limit, '{port}'], mp_env(None), None, no_mp),
        T('ours-asgi', 'ours microdot.asgi', 'asgi', 'CPython', uvicorn + ['md_asgi:app'],
          py_adapt, OURS, no_adapters),
        T('md27-asgi', 'Microdot 2.7 microdot.asgi', 'asgi', 'CPython',
          uvicorn + ['md_asgi:app'], None, MD27, no_md),
        T('starlette-asgi', 'Starlette', 'asgi', 'CPython', uvicorn + ['starlette_app:app']),
        T('bare-asgi', 'bare ASGI callable', 'asgi', 'CPython', uvicorn + ['bare_asgi:app']),
        T('ours-wsgi', 'ours microdot.wsgi, sync', 'wsgi', 'CPython',
          gunicorn + ['md_wsgi:app'], py_adapt, OURS, no_adapters),
        T('ours-wsgi-gthread', 'ours microdot.wsgi, gthread (8 threads)', 'wsgi', 'CPython',
          gthread + ['md_wsgi:app'], py_adapt, OURS, no_adapters),
        T('md27-wsgi', 'Microdot 2.7 microdot.wsgi, sync', 'wsgi', 'CPython',
          gunicorn + ['md_wsgi:app'], None, MD27, no_md),
        T('bottle-wsgi', 'Bottle, sync', 'wsgi', 'CPython', gunicorn + ['bottle_app:app']),
        T('flask-wsgi', 'Flask, sync', 'wsgi', 'CPython', gunicorn + ['flask_app:app']),
        T('bare-wsgi', 'bare WSGI callable, sync', 'wsgi', 'CPython',
          gunicorn + ['bare_wsgi:app']),
    ]
