"""The WebSocket chat and the SSE dashboard examples driven in headless
Chromium (Debian's package) through Playwright, on both interpreters.

Chromium is installed with apt-get when it is missing and this runs as root;
where that cannot be done the tests skip and say why.
"""
import os
import shutil
import subprocess

import pytest

from helpers.example_server import EXAMPLES
from helpers.processes import INTERPRETERS

CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu',
                 '--disable-quic', '--no-first-run',
                 '--disable-background-networking',
                 '--disable-component-update', '--disable-sync']
TIMEOUT_MS = 15000


def install_chromium():
    """None when Chromium is there (installing it if need be), else the
    reason it is not."""
    if os.path.exists(CHROMIUM):
        return None
    if shutil.which('apt-get') is None:
        return 'Chromium not found at {} and no apt-get to install it'.format(
            CHROMIUM)
    if os.geteuid() != 0:
        return 'Chromium not found at {}; as root: apt-get install ' \
            'chromium (or make chromium)'.format(CHROMIUM)
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    for command, timeout in (
            (['apt-get', 'update', '-qq'], 300),
            (['apt-get', 'install', '-y', '-qq',
              '-o', 'DPkg::Lock::Timeout=120', 'chromium'], 900)):
        try:
            proc = subprocess.run(command, env=env, capture_output=True,
                                  text=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return '{} took longer than {} s'.format(' '.join(command),
                                                     timeout)
        if proc.returncode != 0:
            return '{} failed: {}'.format(' '.join(command),
                                          (proc.stderr or proc.stdout)[-500:])
    if not os.path.exists(CHROMIUM):
        return 'apt-get installed chromium but {} is missing'.format(CHROMIUM)
    return None


@pytest.fixture(scope='module')
def browser():
    sync_api = pytest.importorskip(
        'playwright.sync_api',
        reason='playwright is not installed (make venv installs it)')
    reason = install_chromium()
    if reason:
        pytest.skip(reason)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=CHROMIUM_ARGS, timeout=60000)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def expect(locator):
    from playwright.sync_api import expect as _expect
    return _expect(locator)


@pytest.mark.parametrize('interpreter', INTERPRETERS)
def test_chat_echoes_a_typed_message(serve, page, browser, interpreter):
    server = serve(interpreter, EXAMPLES / 'websocket_chat' / 'chat.py')
    page.goto(server.url + '/')
    log = page.locator('#log')
    expect(log).to_contain_text('welcome, you are guest-1',
                                timeout=TIMEOUT_MS)
    page.fill('#msg', 'hello from the browser')
    page.press('#msg', 'Enter')
    expect(page.locator('#log p', has_text='guest-1: hello from the browser')
           ).to_have_count(1, timeout=TIMEOUT_MS)
    expect(page.locator('#msg')).to_have_value('')

    # a second visitor: both see each other's messages
    other = browser.new_context()
    try:
        page2 = other.new_page()
        page2.set_default_timeout(TIMEOUT_MS)
        page2.goto(server.url + '/')
        expect(page2.locator('#log')).to_contain_text(
            'welcome, you are guest-2', timeout=TIMEOUT_MS)
        expect(log).to_contain_text('guest-2 joined', timeout=TIMEOUT_MS)
        page2.fill('#msg', 'hi there')
        page2.click('button')
        expect(log).to_contain_text('guest-2: hi there', timeout=TIMEOUT_MS)
        expect(page2.locator('#log')).to_contain_text('guest-2: hi there',
                                                      timeout=TIMEOUT_MS)
    finally:
        other.close()
    expect(log).to_contain_text('guest-2 left', timeout=TIMEOUT_MS)


@pytest.mark.parametrize('interpreter', INTERPRETERS)
def test_dashboard_counter_ticks(serve, page, interpreter):
    server = serve(interpreter, EXAMPLES / 'sse_dashboard' / 'dashboard.py')
    page.goto(server.url + '/')
    expect(page.locator('#state')).to_have_text('live', timeout=TIMEOUT_MS)
    count = page.locator('#count')
    expect(count).to_have_text(_digits(), timeout=TIMEOUT_MS)
    first = int(count.inner_text())
    # the server sends one tick a second
    for step in (1, 2):
        expect(count).to_have_text(str(first + step), timeout=TIMEOUT_MS)
    assert int(page.inner_text('#uptime')) >= 0


def _digits():
    import re
    return re.compile(r'^\d+$')


@pytest.mark.parametrize('interpreter', INTERPRETERS)
def test_ota_page_uploads_a_file(serve, page, interpreter, tmp_path):
    import hashlib
    src = tmp_path / 'source' / 'ota'
    shutil.copytree(EXAMPLES / 'ota', src)
    main = src / 'main.py'
    main.write_text(main.read_text().replace(
        "OTA_TOKEN = ''", "OTA_TOKEN = 'browser-token'"))
    server = serve(interpreter, main)
    page.goto(server.url + '/')
    expect(page.locator('#version')).to_have_text('1', timeout=TIMEOUT_MS)
    # the page's own SHA-256, used where crypto.subtle is missing (a board
    # serves plain HTTP), agrees with hashlib across block boundaries
    for n in (0, 3, 55, 56, 63, 64, 1000, 70000):
        data = bytes((i * 7) & 0xff for i in range(n))
        got = page.evaluate('n => sha256Plain(Uint8Array.from({length: n}, '
                            '(_, i) => (i * 7) & 255))', n)
        assert got == hashlib.sha256(data).hexdigest(), n
    page.set_input_files('#file', files=[{
        'name': 'note.txt', 'mimeType': 'text/plain', 'buffer': b'hello'}])
    page.fill('#token', 'wrong')
    page.click('#upload')
    expect(page.locator('#result')).to_contain_text('401', timeout=TIMEOUT_MS)
    assert not (server.workdir / 'note.txt').exists()
    page.fill('#token', 'browser-token')
    page.click('#upload')
    expect(page.locator('#result')).to_contain_text(
        '200 {"files": ["note.txt"], "restart": true}', timeout=TIMEOUT_MS)
    assert (server.workdir / 'note.txt').read_bytes() == b'hello'
