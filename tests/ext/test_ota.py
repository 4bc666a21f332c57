import asyncio
import binascii
import hashlib
import os
import random
import unittest

from helpers.files import exists, rmtree, temp_folder
from helpers.support import run

from microdot import Microdot, Request
from microdot import ota
from microdot.auth import BasicAuth, TokenAuth
from microdot.ota import OTA, recover, rollback
from microdot.test_client import TestClient

TOKEN = {'Authorization': 'Bearer secret'}


def sha256(data):
    return binascii.hexlify(hashlib.sha256(data).digest()).decode()


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def write(path, data):
    with open(path, 'wb') as f:
        f.write(data)


# A ustar archive of (name, data) pairs, built by hand so that the tests run
# on MicroPython (no tarfile) and can hold names a careful tool refuses.
def tar(files, kind=b'0'):
    out = []
    for name, data in files:
        head = bytearray(512)
        raw = name.encode()
        head[:len(raw)] = raw
        head[100:108] = b'0000644\0'
        head[108:116] = b'0000000\0'
        head[116:124] = b'0000000\0'
        head[124:136] = ('%011o' % len(data)).encode() + b'\0'
        head[136:148] = b'00000000000\0'
        head[148:156] = b'        '
        head[156] = kind[0]
        head[257:263] = b'ustar\0'
        head[263:265] = b'00'
        head[148:156] = ('%06o' % sum(head)).encode() + b'\0 '
        out.append(bytes(head) + data + bytes(-len(data) % 512))
    return b''.join(out) + bytes(1024)


# Lets the task that calls the restart seam run.
async def settle():
    for _ in range(5):
        await asyncio.sleep(0)


class OTATestCase(unittest.TestCase):
    def setUp(self):
        self.dir = temp_folder() + '/microdot-ota-' + \
            str(random.getrandbits(30))
        os.mkdir(self.dir)
        write(self.dir + '/main.py', b'v1 main')
        write(self.dir + '/keep.txt', b'untouched')
        self.restarts = []
        self.saved_limit = Request.max_content_length
        self.saved_esp32 = ota.esp32
        ota.esp32 = None

    def tearDown(self):
        rmtree(self.dir)
        Request.max_content_length = self.saved_limit
        ota.esp32 = self.saved_esp32
        ota._busy = False

    def app(self, **kwargs):
        app = Microdot()
        auth = kwargs.pop('auth', None)
        if auth is None:
            auth = TokenAuth()

            @auth.authenticate
            def check(request, token):
                return 'admin' if token == 'secret' else None
        kwargs.setdefault('app_dir', self.dir)
        kwargs.setdefault('restart', lambda: self.restarts.append(1))
        OTA(app, auth=auth, **kwargs)
        return app

    def post(self, app, path, body, sha=None, headers=TOKEN):
        headers = dict(headers)
        if sha is not False:
            headers['X-SHA256'] = sha or sha256(body)

        async def go():
            res = await TestClient(app).post(path, headers=headers, body=body)
            await settle()
            return res
        return run(go())

    def assertUntouched(self):
        self.assertEqual(read(self.dir + '/main.py'), b'v1 main')
        self.assertEqual(read(self.dir + '/keep.txt'), b'untouched')
        self.assertFalse(exists(self.dir + '/.ota/new'))
        self.assertFalse(exists(self.dir + '/.ota/ready'))
        self.assertEqual(self.restarts, [])


class TestUpload(OTATestCase):
    def test_one_file_is_swapped_in_and_restarts(self):
        app = self.app()
        res = self.post(app, '/ota/upload?name=main.py', b'v2 main')
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.json, {'files': ['main.py'], 'restart': True})
        self.assertEqual(read(self.dir + '/main.py'), b'v2 main')
        self.assertEqual(read(self.dir + '/.ota/old/main.py'), b'v1 main')
        self.assertEqual(read(self.dir + '/keep.txt'), b'untouched')
        self.assertFalse(exists(self.dir + '/.ota/new'))
        self.assertEqual(self.restarts, [1])

    def test_sha256_in_the_query(self):
        app = self.app()
        res = self.post(app, '/ota/upload?name=main.py&sha256=' +
                        sha256(b'v2 main').upper(), b'v2 main', sha=False)
        self.assertEqual(res.status_code, 200)
        self.assertEqual(read(self.dir + '/main.py'), b'v2 main')

    def test_bundle_of_several_files(self):
        app = self.app()
        big = bytes(range(256)) * 100  # 25600 bytes: streamed, not buffered
        bundle = tar([('main.py', b'v2 main'), ('lib/util.py', big),
                      ('./static/index.html', b'<p>hi</p>')])
        res = self.post(app, '/ota/upload', bundle)
        self.assertEqual(res.status_code, 200, res.text)
        self.assertEqual(res.json['files'],
                         ['main.py', 'lib/util.py', 'static/index.html'])
        self.assertEqual(read(self.dir + '/main.py'), b'v2 main')
        self.assertEqual(read(self.dir + '/lib/util.py'), big)
        self.assertEqual(read(self.dir + '/static/index.html'), b'<p>hi</p>')
        self.assertEqual(read(self.dir + '/keep.txt'), b'untouched')
        self.assertFalse(exists(self.dir + '/.ota/new'))
        self.assertEqual(self.restarts, [1])

    def test_bundle_folder_entries_are_skipped(self):
        app = self.app()
        bundle = tar([('lib/', b'')], kind=b'5')[:-1024] + \
            tar([('lib/a.py', b'a')])
        res = self.post(app, '/ota/upload', bundle)
        self.assertEqual(res.status_code, 200, res.text)
        self.assertEqual(read(self.dir + '/lib/a.py'), b'a')

    def test_status(self):
        app = self.app()
        res = run(TestClient(app).get('/ota', headers=TOKEN))
        self.assertEqual(res.json, {'rollback': False, 'firmware': False})
        self.post(app, '/ota/upload?name=main.py', b'v2 main')
        res = run(TestClient(app).get('/ota', headers=TOKEN))
        self.assertEqual(res.json, {'rollback': True, 'firmware': False})

    def test_url_prefix(self):
        app = self.app(url_prefix='/admin/update')
        res = self.post(app, '/admin/update/upload?name=main.py', b'v2 main')
        self.assertEqual(res.status_code, 200)
        self.assertEqual(self.post(app, '/ota/upload?name=main.py',
                                   b'v3').status_code, 404)

    def test_max_content_length_is_raised_to_max_size(self):
        Request.max_content_length = 16 * 1024
        self.app(max_size=100 * 1024)
        self.assertEqual(Request.max_content_length, 100 * 1024)
        self.app(max_size=1024)
        self.assertEqual(Request.max_content_length, 100 * 1024)


class TestRefused(OTATestCase):
    def test_bad_hash(self):
        app = self.app()
        res = self.post(app, '/ota/upload?name=main.py', b'v2 main',
                        sha=sha256(b'something else'))
        self.assertEqual(res.status_code, 400)
        self.assertEqual(res.text, 'SHA-256 mismatch')
        self.assertUntouched()

    def test_bad_hash_of_a_streamed_bundle(self):
        app = self.app()
        bundle = tar([('main.py', b'x' * 40000)])
        res = self.post(app, '/ota/upload', bundle, sha='0' * 64)
        self.assertEqual(res.status_code, 400)
        self.assertUntouched()

    def test_missing_hash(self):
        app = self.app()
        res = self.post(app, '/ota/upload?name=main.py', b'v2', sha=False)
        self.assertEqual(res.status_code, 400)
        self.assertUntouched()

    def test_over_size(self):
        app = self.app(max_size=20000)
        res = self.post(app, '/ota/upload', tar([('main.py', b'x' * 20000)]))
        self.assertEqual(res.status_code, 413)
        self.assertUntouched()

    def test_missing_or_wrong_auth(self):
        app = self.app()
        for headers in ({}, {'Authorization': 'Bearer wrong'}):
            res = self.post(app, '/ota/upload?name=main.py', b'v2',
                            headers=headers)
            self.assertEqual(res.status_code, 401)
            for path in ('/ota/rollback', '/ota/firmware'):
                self.assertEqual(self.post(app, path, b'', headers=headers)
                                 .status_code, 401)
            res = run(TestClient(app).get('/ota', headers=headers))
            self.assertEqual(res.status_code, 401)
        self.assertUntouched()
        self.assertFalse(exists(self.dir + '/.ota/new'))

    def test_basic_auth(self):
        auth = BasicAuth()

        @auth.authenticate
        def check(request, username, password):
            return username if password == 'pw' else None
        app = self.app(auth=auth)
        res = self.post(app, '/ota/upload?name=main.py', b'v2', headers={})
        self.assertEqual(res.status_code, 401)
        self.assertIn('WWW-Authenticate', res.headers)
        good = {'Authorization': 'Basic ' + binascii.b2a_base64(
            b'admin:pw').decode().strip()}
        res = self.post(app, '/ota/upload?name=main.py', b'v2', headers=good)
        self.assertEqual(res.status_code, 200)

    def test_verify_callback(self):
        async def verify(request):
            return request.headers.get('X-Key') == 'k'
        app = self.app(auth=verify)
        res = self.post(app, '/ota/upload?name=main.py', b'v2', headers={})
        self.assertEqual(res.status_code, 401)
        self.assertUntouched()
        res = self.post(app, '/ota/upload?name=main.py', b'v2',
                        headers={'X-Key': 'k'})
        self.assertEqual(res.status_code, 200)

    def test_auth_is_required(self):
        with self.assertRaises(ValueError):
            OTA(Microdot(), auth=None, app_dir=self.dir)

    def test_interrupted_body(self):
        app = self.app()
        bundle = tar([('main.py', b'x' * 60000)])
        headers = dict(TOKEN)
        headers['Content-Length'] = str(len(bundle))
        res = self.post(app, '/ota/upload', bundle[:30000],
                        sha=sha256(bundle), headers=headers)
        self.assertEqual(res.status_code, 400)
        self.assertUntouched()

    def test_truncated_bundle(self):
        app = self.app()
        bundle = tar([('main.py', b'x' * 3000)])[:1500]
        res = self.post(app, '/ota/upload', bundle)
        self.assertEqual(res.status_code, 400)
        self.assertUntouched()

    def test_write_error(self):
        # 'a' is a file in staging, so 'a/b' can't be written under it
        app = self.app()
        res = self.post(app, '/ota/upload', tar([('a', b'1'), ('a/b', b'2')]))
        self.assertEqual(res.status_code, 500)
        self.assertTrue(res.text.startswith('Update failed'))
        self.assertUntouched()
        self.assertFalse(exists(self.dir + '/a'))

    def test_path_traversal_in_bundle_names(self):
        app = self.app()
        for name in ('../evil.py', 'lib/../../evil.py', '/tmp/evil.py',
                     '.ota/done', 'a//b', 'a\\..\\evil.py', 'a\nb'):
            res = self.post(app, '/ota/upload',
                            tar([('ok.py', b'1'), (name, b'evil')]))
            self.assertEqual(res.status_code, 400, name)
            self.assertTrue(res.text.startswith('Bad name'), res.text)
            self.assertUntouched()
            self.assertFalse(exists(self.dir + '/ok.py'))
        self.assertFalse(exists(self.dir + '/../evil.py'))

    def test_path_traversal_in_the_file_name(self):
        app = self.app()
        for name in ('../evil.py', '%2e%2e/evil.py', '/evil.py', '.ota/x'):
            res = self.post(app, '/ota/upload?name=' + name, b'evil')
            self.assertEqual(res.status_code, 400, name)
        self.assertUntouched()

    def test_not_a_bundle(self):
        app = self.app()
        for body in (b'print("hi")\n' * 100, b'', bytes(512)):
            res = self.post(app, '/ota/upload', body)
            self.assertEqual(res.status_code, 400)
            self.assertUntouched()

    def test_links_and_other_entries(self):
        app = self.app()
        res = self.post(app, '/ota/upload', tar([('x', b'')], kind=b'2'))
        self.assertEqual(res.status_code, 400)
        self.assertUntouched()

    def test_duplicate_names(self):
        app = self.app()
        res = self.post(app, '/ota/upload',
                        tar([('main.py', b'1'), ('main.py', b'2')]))
        self.assertEqual(res.status_code, 400)
        self.assertUntouched()

    def test_one_update_at_a_time(self):
        app = self.app()
        ota._busy = True
        res = self.post(app, '/ota/upload?name=main.py', b'v2')
        self.assertEqual(res.status_code, 409)
        self.assertEqual(read(self.dir + '/main.py'), b'v1 main')

    def test_a_failed_upload_keeps_the_previous_rollback(self):
        app = self.app()
        self.post(app, '/ota/upload?name=main.py', b'v2 main')
        res = self.post(app, '/ota/upload?name=main.py', b'v3', sha='1' * 64)
        self.assertEqual(res.status_code, 400)
        self.assertEqual(read(self.dir + '/main.py'), b'v2 main')
        self.assertTrue(rollback(self.dir))
        self.assertEqual(read(self.dir + '/main.py'), b'v1 main')


class TestRollback(OTATestCase):
    def test_rollback_restores_the_previous_version(self):
        app = self.app()
        bundle = tar([('main.py', b'v2 main'), ('lib/new.py', b'new')])
        self.assertEqual(self.post(app, '/ota/upload', bundle).status_code,
                         200)
        self.assertEqual(read(self.dir + '/lib/new.py'), b'new')
        res = self.post(app, '/ota/rollback', b'', sha=False)
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.json, {'rollback': True, 'restart': True})
        self.assertEqual(read(self.dir + '/main.py'), b'v1 main')
        self.assertFalse(exists(self.dir + '/lib/new.py'))  # it was added
        self.assertEqual(read(self.dir + '/keep.txt'), b'untouched')
        self.assertEqual(self.restarts, [1, 1])
        res = self.post(app, '/ota/rollback', b'', sha=False)
        self.assertEqual(res.status_code, 409)  # one level only
        self.assertEqual(self.restarts, [1, 1])

    def test_rollback_with_nothing_to_roll_back(self):
        app = self.app()
        res = self.post(app, '/ota/rollback', b'', sha=False)
        self.assertEqual(res.status_code, 409)
        self.assertUntouched()
        self.assertFalse(rollback(self.dir))

    def test_rollback_function_for_a_boot_guard(self):
        app = self.app()
        self.post(app, '/ota/upload?name=main.py', b'broken')
        self.assertTrue(rollback(self.dir + '/'))
        self.assertEqual(read(self.dir + '/main.py'), b'v1 main')


class TestPowerCut(OTATestCase):
    # The state a power cut leaves: a verified staging folder, the record
    # written, main.py already swapped, lib/new.py not yet.
    def half_swapped(self):
        base = self.dir + '/.ota/'
        for folder in ('.ota', '.ota/new', '.ota/new/lib', '.ota/old'):
            os.mkdir(self.dir + '/' + folder)
        write(base + 'ready', b'=main.py\n+lib/new.py\n=keep.txt\n')
        write(base + 'old/main.py', b'v1 main')
        write(self.dir + '/main.py', b'v2 main')
        write(base + 'new/lib/new.py', b'new')
        write(base + 'new/keep.txt', b'kept v2')

    def test_a_committed_swap_is_finished_at_start(self):
        self.half_swapped()
        self.app()
        self.assertEqual(read(self.dir + '/main.py'), b'v2 main')
        self.assertEqual(read(self.dir + '/lib/new.py'), b'new')
        self.assertEqual(read(self.dir + '/keep.txt'), b'kept v2')
        self.assertFalse(exists(self.dir + '/.ota/new'))
        self.assertFalse(exists(self.dir + '/.ota/ready'))
        self.assertTrue(rollback(self.dir))
        self.assertEqual(read(self.dir + '/main.py'), b'v1 main')
        self.assertEqual(read(self.dir + '/keep.txt'), b'untouched')
        self.assertFalse(exists(self.dir + '/lib/new.py'))

    def test_a_rollback_begun_is_finished_at_start(self):
        self.half_swapped()
        recover(self.dir)
        base = self.dir + '/.ota/'
        os.rename(base + 'done', base + 'undo')
        os.rename(base + 'old/main.py', self.dir + '/main.py')  # then the cut
        self.app()
        self.assertEqual(read(self.dir + '/main.py'), b'v1 main')
        self.assertEqual(read(self.dir + '/keep.txt'), b'untouched')
        self.assertFalse(exists(self.dir + '/lib/new.py'))
        self.assertFalse(exists(base + 'undo'))
        self.assertFalse(exists(base + 'old'))

    def test_an_upload_never_committed_is_dropped(self):
        os.mkdir(self.dir + '/.ota')
        os.mkdir(self.dir + '/.ota/new')
        write(self.dir + '/.ota/new/main.py', b'half')
        write(self.dir + '/.ota/ready.tmp', b'=main')
        self.app()
        self.assertUntouched()
        self.assertFalse(exists(self.dir + '/.ota/ready.tmp'))


# esp32.Partition behind the module's seam, holding its blocks in a dict.
class FakePartition:
    RUNNING = 1
    valid_marks = 0
    instance = None

    def __init__(self, which=None, blocks=64):
        self.blocks = {}
        self.count = blocks
        self.booted = False

    @classmethod
    def mark_app_valid_cancel_rollback(cls):
        cls.valid_marks += 1

    def get_next_update(self):
        FakePartition.instance = FakePartition(blocks=self.count)
        return FakePartition.instance

    def ioctl(self, op, arg):
        return {4: self.count, 5: 4096}[op]

    def writeblocks(self, block, buf):
        assert len(buf) == 4096 and block < self.count
        self.blocks[block] = bytes(buf)

    def set_boot(self):
        if self.blocks[0][0] != 0xe9:  # ESP-IDF checks the image
            raise OSError(-5379)
        self.booted = True


class FakeEsp32:
    Partition = FakePartition


def app_image(size):
    image = bytearray(size)
    image[0] = 0xe9
    image[32:36] = b'\x32\x54\xcd\xab'
    for i in range(36, size):
        image[i] = i & 0xff
    return bytes(image)


class TestFirmware(OTATestCase):
    def setUp(self):
        super().setUp()
        ota.esp32 = FakeEsp32
        FakePartition.valid_marks = 0
        FakePartition.instance = None

    def test_no_esp32_module_answers_501(self):
        ota.esp32 = None
        app = self.app()
        res = self.post(app, '/ota/firmware', app_image(5000))
        self.assertEqual(res.status_code, 501)
        self.assertEqual(self.restarts, [])

    def test_image_goes_to_the_next_partition_and_boots(self):
        app = self.app()
        self.assertEqual(FakePartition.valid_marks, 1)  # this boot is good
        self.assertGreaterEqual(Request.max_content_length, 64 * 4096)
        image = app_image(10000)
        res = self.post(app, '/ota/firmware', image)
        self.assertEqual(res.status_code, 200, res.text)
        self.assertEqual(res.json, {'firmware': 3 * 4096, 'restart': True})
        part = FakePartition.instance
        self.assertTrue(part.booted)
        self.assertEqual(sorted(part.blocks), [0, 1, 2])
        written = part.blocks[0] + part.blocks[1] + part.blocks[2]
        self.assertEqual(written[:10000], image)
        self.assertEqual(written[10000:], b'\xff' * (3 * 4096 - 10000))
        self.assertEqual(self.restarts, [1])
        res = run(TestClient(app).get('/ota', headers=TOKEN))
        self.assertTrue(res.json['firmware'])

    def test_bad_hash_never_boots(self):
        app = self.app()
        res = self.post(app, '/ota/firmware', app_image(10000), sha='2' * 64)
        self.assertEqual(res.status_code, 400)
        self.assertFalse(FakePartition.instance.booted)
        self.assertEqual(self.restarts, [])

    def test_image_that_does_not_verify(self):
        app = self.app()
        image = b'\0' + app_image(10000)[1:]
        res = self.post(app, '/ota/firmware', image)
        self.assertEqual(res.status_code, 400)
        self.assertEqual(res.text, 'The image does not verify')
        self.assertFalse(FakePartition.instance.booted)
        self.assertEqual(self.restarts, [])

    def test_not_an_app_image(self):
        app = self.app()
        res = self.post(app, '/ota/firmware', bytes(10000))
        self.assertEqual(res.status_code, 400)
        self.assertFalse(FakePartition.instance.booted)
        self.assertEqual(FakePartition.instance.blocks, {})

    def test_larger_than_the_partition(self):
        app = self.app()
        res = self.post(app, '/ota/firmware', app_image(64 * 4096 + 1))
        self.assertEqual(res.status_code, 413)
        self.assertFalse(FakePartition.instance.booted)

    def test_no_ota_partition_answers_501(self):
        def no_partition(self):
            raise OSError(2)
        saved = FakePartition.get_next_update
        FakePartition.get_next_update = no_partition
        try:
            app = self.app()
            res = self.post(app, '/ota/firmware', app_image(5000))
            self.assertEqual(res.status_code, 501)
            res = run(TestClient(app).get('/ota', headers=TOKEN))
            self.assertFalse(res.json['firmware'])
        finally:
            FakePartition.get_next_update = saved
        self.assertEqual(self.restarts, [])
