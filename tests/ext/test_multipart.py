import unittest

from helpers.files import exists, remove, temp_folder
from helpers.support import run

from microdot import Microdot, Request
from microdot.multipart import FileUpload, FormDataIter, with_form_data
from microdot.test_client import TestClient

BOUNDARY = 'b0undary-x'
CTYPE = 'multipart/form-data; boundary=' + BOUNDARY


def part(name, value, filename=None, content_type=None):
    head = '--' + BOUNDARY + '\r\nContent-Disposition: form-data; name="' + \
        name + '"'
    if filename is not None:
        head += '; filename="' + filename + '"'
    head += '\r\n'
    if content_type:
        head += 'Content-Type: ' + content_type + '\r\n'
    if isinstance(value, str):
        value = value.encode()
    return head.encode() + b'\r\n' + value + b'\r\n'


def body(*parts):
    return b''.join(parts) + b'--' + BOUNDARY.encode() + b'--\r\n'


# Data full of near-misses of the delimiter.
TRICKY = (b'\r\n--b0undary' + b'\r\n-' + b'--b0undary-x' + b'\r\r\n--' +
          bytes(range(256))) * 20


def make_app(seen):
    app = Microdot()

    @app.post('/upload')
    @with_form_data
    async def upload(request):
        seen['form'] = request.form
        seen['files'] = request.files
        seen['paths'] = [f._path for f in request.files.values()]
        seen['on_disk'] = [exists(p) for p in seen['paths'] if p]
        out = {}
        seen['data'] = {}
        for name in request.files:
            f = request.files[name]
            data = seen['data'][name] = await f.read()
            out[name] = [f.filename, f.content_type, len(data)]
        return {'form': request.form, 'files': out}

    @app.post('/plain')
    @with_form_data
    async def plain(request):
        return {'form': request.form, 'items': dict(request.form.items()),
                'files': {k: v.filename for k, v in request.files.items()}}

    @app.post('/fail')
    @with_form_data
    def fail(request):
        seen['paths'] = [f._path for f in request.files.values()]
        raise RuntimeError('handler failed')

    @app.post('/stream')
    async def stream(request):
        out = []
        async for name, value in FormDataIter(request):
            if isinstance(value, FileUpload):
                first = await value.read(3)
                out.append([name, value.filename, first.decode()])
            else:
                out.append([name, value])
        return out

    return app


class MultipartTestCase(unittest.TestCase):
    def setUp(self):
        self.seen = {}
        self.client = TestClient(make_app(self.seen))
        self.saved = (FormDataIter.buffer_size, FileUpload.max_memory_size,
                      Request.max_content_length)

    def tearDown(self):
        FormDataIter.buffer_size, FileUpload.max_memory_size, \
            Request.max_content_length = self.saved

    def post(self, data, path='/upload', ctype=CTYPE):
        return run(self.client.post(path, headers={'Content-Type': ctype},
                                    body=data))


class TestWithFormData(MultipartTestCase):
    def test_fields_and_files(self):
        res = self.post(body(
            part('name', 'Susan'), part('tag', 'a'), part('tag', 'b\xe9'),
            part('doc', b'hello', 'hello.txt', 'text/plain'),
            part('empty', b'', 'empty.bin')))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.json['form'], {'name': 'Susan', 'tag': 'b\xe9'})
        self.assertEqual(res.json['files'], {
            'doc': ['hello.txt', 'text/plain', 5],
            'empty': ['empty.bin', None, 0]})
        self.assertEqual(self.seen['paths'], [None, None])

    def test_plain_dicts_a_field_sent_twice_keeps_its_last_value(self):
        # as Microdot's with_form_data (FormDataIter gives every part)
        res = self.post(body(
            part('name', 'Susan'), part('tag', 'a'), part('tag', 'b'),
            part('doc', b'hello', 'hello.txt', 'text/plain'),
            part('doc', b'again', 'again.txt', 'text/plain')), path='/plain')
        self.assertEqual(res.status_code, 200)
        last = {'name': 'Susan', 'tag': 'b'}
        self.assertEqual(res.json, {'form': last, 'items': last,
                                    'files': {'doc': 'again.txt'}})

    def test_large_file_spills_to_temp_file_and_is_removed(self):
        Request.max_content_length = 1024 * 1024
        data = TRICKY * 3
        res = self.post(body(part('big', data, 'big.bin'),
                             part('small', b'x' * 1024, 'small.bin')))
        self.assertEqual(res.json['files']['big'][2], len(data))
        self.assertEqual(self.seen['data']['big'], data)
        self.assertEqual(res.json['files']['small'][2], 1024)
        paths = [p for p in self.seen['paths'] if p]
        self.assertEqual(len(paths), 1)
        self.assertEqual(self.seen['on_disk'], [True])
        self.assertFalse(exists(paths[0]))

    def test_content_survives_every_buffer_size(self):
        data = TRICKY[:700]
        for size in (1, 2, 3, 5, 13, 64, 255, 4096):
            FormDataIter.buffer_size = size
            FileUpload.max_memory_size = 100
            self.seen.clear()
            res = self.post(body(part('f', data, 'f.bin'),
                                 part('field', 'v\r\n--b0undary')))
            self.assertEqual(res.status_code, 200, size)
            self.assertEqual(res.json['form'], {'field': 'v\r\n--b0undary'})
            self.assertEqual(self.seen['data']['f'], data)

    def test_temp_files_removed_when_handler_fails(self):
        FileUpload.max_memory_size = 10
        res = self.post(body(part('f', b'y' * 100, 'f.bin')), path='/fail')
        self.assertEqual(res.status_code, 500)
        self.assertTrue(self.seen['paths'][0])
        self.assertFalse(exists(self.seen['paths'][0]))

    def test_body_larger_than_max_body_length_streams(self):
        Request.max_content_length = 1024 * 1024
        data = bytes(range(256)) * 200  # 51200 bytes, over max_body_length
        res = self.post(body(part('a', 'first'), part('f', data, 'f.bin'),
                             part('z', 'last')))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.json['files']['f'][2], len(data))
        self.assertEqual(res.json['form'], {'a': 'first', 'z': 'last'})

    def test_preamble_epilogue_quoted_boundary_and_params(self):
        data = (b'this is a preamble\r\n' +
                b'--' + BOUNDARY.encode() + b'  \r\n' +
                b'content-disposition: form-data; filename="a;b \\"c\\".txt";'
                b' name=doc\r\n\r\nabc\r\n' +
                b'--' + BOUNDARY.encode() + b'--\r\nepilogue, ignored')
        res = self.post(data, ctype='multipart/form-data; charset=utf-8; '
                        'boundary="' + BOUNDARY + '"')
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.json['files']['doc'][0], 'a;b "c".txt')

    def test_no_parts(self):
        res = self.post(b'--' + BOUNDARY.encode() + b'--\r\n')
        self.assertEqual(res.json, {'form': {}, 'files': {}})

    def test_urlencoded_bodies_still_work(self):
        res = self.post(b'name=x&tag=1',
                        ctype='application/x-www-form-urlencoded')
        self.assertEqual(res.json, {'form': {'name': ['x'], 'tag': ['1']},
                                    'files': {}})

    def test_field_over_max_body_length(self):
        Request.max_content_length = 1024 * 1024
        res = self.post(body(part('big', 'x' * (Request.max_body_length + 1))))
        self.assertEqual(res.status_code, 413)


class TestMalformed(MultipartTestCase):
    def assertBad(self, data, ctype=CTYPE):
        res = self.post(data, ctype=ctype)
        self.assertEqual(res.status_code, 400, data[:80])

    def test_bad_or_missing_boundary(self):
        ok = body(part('a', '1'))
        self.assertBad(ok, 'multipart/form-data')
        self.assertBad(ok, 'multipart/form-data; boundary=')
        self.assertBad(ok, 'multipart/form-data; boundary="unterminated')
        self.assertBad(ok, 'multipart/form-data; boundary=' + 'x' * 71)
        self.assertBad(ok, 'multipart/form-data; boundary=other')

    def test_empty_body(self):
        self.assertBad(b'')

    def test_truncated(self):
        full = body(part('a', '1'), part('f', b'data' * 100, 'f.txt'))
        for cut in (10, 40, 60, 120, len(full) - 30, len(full) - 5):
            self.assertBad(full[:cut])

    def test_missing_content_disposition(self):
        self.assertBad(b'--' + BOUNDARY.encode() +
                       b'\r\nContent-Type: text/plain\r\n\r\nx\r\n--' +
                       BOUNDARY.encode() + b'--\r\n')

    def test_bad_headers(self):
        start = b'--' + BOUNDARY.encode() + b'\r\n'
        end = b'\r\n\r\nx\r\n--' + BOUNDARY.encode() + b'--\r\n'
        for headers in (b'no colon here',
                        b': empty name',
                        b'Content-Disposition: form-data',
                        b'Content-Disposition: attachment; name="a"',
                        b'Content-Disposition: form-data; name="a',
                        b'Content-Disposition: form-data; name="\xff"',
                        b'X-Long: ' + b'x' * 2000,
                        b'\r\n'.join([b'X-A: 1'] * 20)):
            self.assertBad(start + headers + end)

    def test_garbage_after_delimiter(self):
        self.assertBad(b'--' + BOUNDARY.encode() + b'\r\n'
                       b'Content-Disposition: form-data; name="a"\r\n\r\n'
                       b'x\r\n--' + BOUNDARY.encode() + b'junk\r\n')

    def test_invalid_utf8_field(self):
        self.assertBad(body(part('a', b'\xff\xfe')))


class TestFormDataIter(MultipartTestCase):
    def test_streams_parts_in_order(self):
        res = self.post(body(part('a', '1'), part('f', b'abcdef', 'f.txt'),
                             part('g', b'ghi', 'g.txt'), part('b', '2')),
                        path='/stream')
        self.assertEqual(res.json, [['a', '1'], ['f', 'f.txt', 'abc'],
                                    ['g', 'g.txt', 'ghi'], ['b', '2']])


class TestFileUpload(unittest.TestCase):
    def setUp(self):
        self.paths = []

    def tearDown(self):
        for path in self.paths:
            remove(path)

    def test_memory_read_save_copy(self):
        async def go():
            f = FileUpload('a.txt', 'text/plain', b'0123456789')
            self.assertEqual(await f.read(4), b'0123')
            copy = await f.copy()
            self.assertEqual(await copy.read(), b'456789')
            self.assertEqual(await f.read(), b'')
            g = FileUpload('a.txt', None, b'hello')
            path = _temp_path('save')
            self.paths.append(path)
            await g.save(path)
            with open(path, 'rb') as fp:
                self.assertEqual(fp.read(), b'hello')
            await g.close()
            self.assertEqual(await g.read(), b'')

        run(go())

    def test_copy_to_temp_file(self):
        async def go():
            f = FileUpload('a.bin', None, b'z' * 3000)
            copy = await f.copy(max_memory_size=100)
            path = copy._path
            self.assertTrue(exists(path))
            out = _temp_path('out')
            self.paths.append(out)
            with open(out, 'wb') as fp:
                await copy.save(fp)
            with open(out, 'rb') as fp:
                self.assertEqual(fp.read(), b'z' * 3000)
            await copy.close()
            self.assertFalse(exists(path))
            small = await FileUpload('b', None, b'abc').copy(
                max_memory_size=100)
            self.assertIsNone(small._path)

        run(go())


def _temp_path(tag):
    return temp_folder() + '/microdot-test-' + tag + '-' + str(id(tag))

