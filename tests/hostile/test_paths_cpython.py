"""Traversal against send_file(root=...) and CR/LF injection through
redirect() and set_cookie(), on every target (the built-in server's basic
traversal cases are in tests/e2e; these add double encoding, backslash and
overlong forms and run on the adapters too)."""
import pytest

from helpers.builtin_server import PUBLIC, SECRET

TRAVERSALS = [
    '/files/../secret.txt',
    '/files/%2e%2e/secret.txt',
    '/files/%2E%2E%2Fsecret.txt',
    '/files/%252e%252e/secret.txt',
    '/files/%252e%252e%252fsecret.txt',
    '/files/..%5csecret.txt',
    '/files/%5c..%5csecret.txt',
    '/files/sub%5c..%5c..%5csecret.txt',
    '/files/sub/..%2f..%2fsecret.txt',
    '/files/..;/secret.txt',
    '/files/%c0%ae%c0%ae/secret.txt',
    '/files/.%00./secret.txt',
    '/files/C:%5csecret.txt',
    '/files/%2fetc%2fpasswd',
    '/files//etc/passwd',
    '/files/sub/./../../secret.txt',
    'ABSOLUTE',
]


@pytest.mark.parametrize('path', TRAVERSALS)
def test_send_file_traversal(target, path):
    if path == 'ABSOLUTE':
        path = '/files/' + str(target.files_root.parent / 'secret.txt')
    res = target.get(path)
    assert res.status in (400, 403, 404), (path, res)
    assert SECRET not in res.body
    assert b'root:' not in res.body
    target.check()


def test_send_file_serves_inside_root(target):
    res = target.get('/files/public.txt')
    assert (res.status, res.body) == (200, PUBLIC)
    assert target.get('/files/sub/inner.txt').body == b'inner\n'
    target.check()


INJECTIONS = [
    '/redirect?to=/x%0d%0aSet-Cookie:%20evil=1',
    '/redirect?to=/x%0aSet-Cookie:%20evil=1',
    '/redirect?to=/x%0d%0a%0d%0a<html>',
    '/redirect?to=/x%00y',
    '/cookie?value=a%0d%0aSet-Cookie:%20evil=1',
    '/cookie?name=a%0d%0aX-Evil:%201&value=b',
    '/cookie?value=a;%20Domain=evil.example',
    '/cookie?value=b&path=/%0d%0aX-Evil:%201',
    '/cookie?value=b&domain=x%0aX-Evil:%201',
    '/cookie?value=a%00b',
]


@pytest.mark.parametrize('path', INJECTIONS)
def test_crlf_injection_refused(target, path):
    res = target.get(path)
    assert res.status == 400, (path, res)
    names = [name.lower() for name, _ in res.headers]
    assert 'x-evil' not in names
    assert 'set-cookie' not in names
    assert 'location' not in names
    assert b'<html>' not in res.body
    target.check()


def test_safe_redirect_and_cookie(target):
    res = target.get('/redirect?to=/there')
    assert (res.status, res.header('Location')) == (302, '/there')
    res = target.get('/cookie?name=a&value=b')
    assert res.header('Set-Cookie').startswith('a=b')
    target.check()
