# multipart/form-data request bodies (RFC 7578), parsed as a stream.
#
# FormDataIter reads the body from request.stream a few hundred bytes at a
# time. It keeps one small buffer: part data is handed out as soon as it is
# known not to hold the start of the next delimiter (`\r\n--boundary`), so a
# part of any size passes through in bounded memory. Each part yields
# (name, value): a str for plain fields, a FileUpload reading straight from
# the body for file fields (valid until the iterator moves on).
# with_form_data reads the whole body first, copying each file to memory when
# it is at most FileUpload.max_memory_size bytes, else to a temporary file
# that is removed when the handler is done. A malformed body answers 400.
import os

from microdot import Request, abort, invoke_handler

try:
    from os import urandom
except ImportError:  # pragma: no cover
    urandom = None

try:
    os.stat('/tmp')
    _TEMP_DIR = '/tmp/'
except OSError:  # pragma: no cover
    _TEMP_DIR = ''
_temp_count = 0


# A fresh temporary file name (MicroPython has no tempfile module).
def _temp_name():
    global _temp_count
    _temp_count += 1
    tag = ''
    if urandom is not None:
        for b in urandom(6):
            tag += '%02x' % b
    return '{}microdot-upload-{}-{}'.format(_TEMP_DIR, tag, _temp_count)


def _remove(path):
    try:
        os.remove(path)
    except OSError:
        pass


# Splits 'kind; a=1; b="x;y"' into ('kind', {'a': '1', 'b': 'x;y'}).
def _parse_params(value):
    params = {}
    n = len(value)
    i = value.find(';')
    kind = (value if i < 0 else value[:i]).strip().lower()
    while 0 <= i < n:
        start = i + 1
        j = value.find('=', start)
        k = value.find(';', start)
        if j < 0 or (0 <= k < j):
            i = k
            continue
        key = value[start:j].strip().lower()
        j += 1
        while j < n and value[j] in ' \t':
            j += 1
        if j < n and value[j] == '"':
            out = []
            j += 1
            while j < n and value[j] != '"':
                if value[j] == '\\' and j + 1 < n and value[j + 1] in '"\\':
                    j += 1
                out.append(value[j])
                j += 1
            if j >= n:
                raise ValueError('unterminated quoted string')
            params[key] = ''.join(out)
            i = value.find(';', j + 1)
        else:
            end = n if k < 0 else k
            params[key] = value[j:end].strip()
            i = k
    return kind, params


# The boundary of a multipart/form-data content type, or None.
def _boundary(content_type):
    if not content_type:
        return None
    try:
        kind, params = _parse_params(content_type)
    except ValueError:
        return None
    boundary = params.get('boundary')
    if kind != 'multipart/form-data' or not boundary or \
            len(boundary) > 70:
        return None
    return boundary.encode()


class FileUpload:
    max_memory_size = 1024

    # source: the FormDataIter of a part being streamed, bytes held in
    # memory, or the path of a temporary file.
    def __init__(self, filename, content_type, source):
        self.filename = filename
        self.content_type = content_type
        self._iter = None
        self._data = None
        self._path = None
        self._file = None
        self._pos = 0
        if isinstance(source, FormDataIter):
            self._iter = source
        elif isinstance(source, str):
            self._path = source
        else:
            self._data = source

    # Up to n bytes of the file (all that is left when n < 0).
    async def read(self, n=-1):
        if n < 0:
            chunks = []
            while True:
                data = await self.read(1024)
                if not data:
                    return b''.join(chunks)
                chunks.append(data)
        if self._iter is not None:
            if self._iter.current is not self:
                return b''
            return await self._iter._read_part_data(n)
        if self._path is not None:
            if self._file is None:
                self._file = open(self._path, 'rb')
            return self._file.read(n)
        if self._data is None:
            return b''
        data = self._data[self._pos:self._pos + n]
        self._pos += len(data)
        return data

    # Writes the rest of the file to a path or a binary file object.
    async def save(self, path_or_file):
        if isinstance(path_or_file, str):
            f = open(path_or_file, 'wb')
        else:
            f = path_or_file
        try:
            while True:
                data = await self.read(512)
                if not data:
                    break
                f.write(data)
        finally:
            if f is not path_or_file:
                f.close()

    # A FileUpload holding the rest of this file in memory, or in a temporary
    # file when it is larger than max_memory_size.
    async def copy(self, max_memory_size=None):
        if max_memory_size is None:
            max_memory_size = self.max_memory_size
        chunks = []
        size = 0
        path = None
        f = None
        try:
            while True:
                data = await self.read(512)
                if not data:
                    break
                if f is None:
                    size += len(data)
                    chunks.append(data)
                    if size > max_memory_size:
                        path = _temp_name()
                        f = open(path, 'wb')
                        for chunk in chunks:
                            f.write(chunk)
                        chunks = None
                else:
                    f.write(data)
        except BaseException:
            if f is not None:
                f.close()
                _remove(path)
            raise
        if f is not None:
            f.close()
            return FileUpload(self.filename, self.content_type, path)
        return FileUpload(self.filename, self.content_type, b''.join(chunks))

    # Releases the file: skips what is left of a streamed part, removes a
    # temporary file.
    async def close(self):
        if self._iter is not None:
            while await self.read(512):
                pass
            self._iter = None
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._path is not None:
            _remove(self._path)
            self._path = None
        self._data = None


_DATA = 0  # inside a part's data (or the preamble)
_HEADERS = 1  # at the header lines of the next part
_DONE = 2  # after the closing delimiter


class FormDataIter:
    buffer_size = 256
    max_header_line = 1024
    max_header_count = 8
    max_parts = 100  # more parts in one body get 413: a many-part bomb

    def __init__(self, request):
        boundary = _boundary(request.content_type)
        if boundary is None:
            abort(400, 'Bad multipart boundary')
        self.stream = request.stream
        self.delimiter = b'\r\n--' + boundary
        self.buf = b'\r\n'  # so that a delimiter on the first line matches
        self.state = _DATA
        self.current = None
        self.parts = 0

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.current is not None:
            await self.current.close()
            self.current = None
        while self.state == _DATA:  # the preamble, or an unread part
            await self._read_part_data(self.buffer_size)
        if self.state == _DONE:
            raise StopAsyncIteration
        self.parts += 1
        if self.parts > self.max_parts:
            abort(413, 'Too many form parts')
        name, filename, content_type = await self._read_headers()
        if filename is None:
            data = b''
            limit = Request.max_body_length
            while True:
                chunk = await self._read_part_data(self.buffer_size)
                if not chunk:
                    break
                data += chunk
                if len(data) > limit:
                    abort(413)
            try:
                return name, data.decode()
            except UnicodeError:
                abort(400, 'Bad form field encoding')
        self.current = FileUpload(filename, content_type, self)
        return name, self.current

    async def _fill(self):
        data = await self.stream.read(self.buffer_size)
        if not data:
            return False
        self.buf += data
        return True

    # Up to n bytes of the current part's data; b'' at its end, after which
    # the state says whether another part follows.
    async def _read_part_data(self, n):
        delimiter = self.delimiter
        while self.state == _DATA:
            buf = self.buf
            i = buf.find(delimiter)
            if i == 0:
                await self._end_part()
                break
            if i < 0:
                i = len(buf) - len(delimiter) + 1
            if i > 0:
                i = min(i, n)
                self.buf = buf[i:]
                return buf[:i]
            if not await self._fill():
                abort(400, 'Truncated multipart body')
        return b''

    # Consumes a delimiter and what ends its line: '--' for the last one.
    async def _end_part(self):
        size = len(self.delimiter)
        while True:
            rest = self.buf[size:]
            while rest[:1] in (b' ', b'\t'):  # transport padding
                rest = rest[1:]
            if len(rest) >= 2:
                break
            if not await self._fill():
                abort(400, 'Truncated multipart body')
        if rest[:2] == b'--':
            self.state = _DONE
            self.buf = b''
        elif rest[:2] == b'\r\n':
            self.state = _HEADERS
            self.buf = rest[2:]
        else:
            abort(400, 'Bad multipart delimiter')

    async def _read_line(self):
        while True:
            i = self.buf.find(b'\r\n')
            if i >= 0:
                line = self.buf[:i]
                self.buf = self.buf[i + 2:]
                return line
            if len(self.buf) > self.max_header_line:
                abort(400, 'Multipart header too long')
            if not await self._fill():
                abort(400, 'Truncated multipart body')

    # The part's name, filename (None for plain fields) and content type.
    async def _read_headers(self):
        disposition = None
        content_type = None
        count = 0
        while True:
            line = await self._read_line()
            if not line:
                break
            count += 1
            if count > self.max_header_count or \
                    len(line) > self.max_header_line:
                abort(400, 'Bad multipart headers')
            i = line.find(b':')
            if i <= 0:
                abort(400, 'Bad multipart header')
            try:
                header = line[:i].decode().strip().lower()
                value = line[i + 1:].decode().strip()
            except UnicodeError:
                abort(400, 'Bad multipart header')
            if header == 'content-disposition':
                disposition = value
            elif header == 'content-type':
                content_type = value
        self.state = _DATA
        if disposition is None:
            abort(400, 'Missing Content-Disposition')
        try:
            kind, params = _parse_params(disposition)
        except ValueError:
            abort(400, 'Bad Content-Disposition')
        name = params.get('name')
        if kind != 'form-data' or name is None:
            abort(400, 'Bad Content-Disposition')
        return name, params.get('filename'), content_type


# Decorator: fills request.form and request.files from a multipart body
# before the handler runs; uploaded files are closed (and their temporary
# files removed) when it returns.
def with_form_data(f):
    async def wrapper(request, *args, **kwargs):
        if _boundary(request.content_type) is None:
            if request.content_type and request.content_type.lower(
                    ).startswith('multipart/'):
                abort(400, 'Bad multipart boundary')
            if request.files is None:
                request.files = {}
            return await invoke_handler(f, request, *args, **kwargs)
        # plain dicts, as Microdot's: a field sent twice keeps its last
        # value (FormDataIter gives every part)
        form = {}
        files = {}
        uploads = []
        try:
            async for name, value in FormDataIter(request):
                if isinstance(value, FileUpload):
                    value = await value.copy()
                    uploads.append(value)
                    files[name] = value
                else:
                    form[name] = value
            request.form = form
            request.files = files
            return await invoke_handler(f, request, *args, **kwargs)
        finally:
            for upload in uploads:
                await upload.close()

    return wrapper

