# send_file(): a file as a streamed response, kept inside a root directory
# when one is given, and the conditional GET its ETag allows. Imported on
# first use.
import os

from microdot.structures import HTTPException


# A cls (Response) streaming filename + file_extension, typed from
# filename's extension, with Content-Length and an ETag for conditional GET.
# send_file('app.js', compressed=True, file_extension='.gz') sends app.js.gz
# as JavaScript with Content-Encoding: gzip. Without those, a name.gz beside
# the file is sent instead to clients that accept gzip (dispatch decides).
def file_response(cls, filename, status_code=200, content_type=None,
                  stream=None, max_age=None, compressed=False,
                  file_extension='', root=None):
    if stream is None:
        path = _safe_path(filename, root) + file_extension
        stat = _regular_file(path)
        try:
            if stat is None:
                raise OSError(2)
            stream = open(path, 'rb')
        except OSError:
            raise HTTPException(404, 'Not found')
    else:
        stat = None
    if content_type is None:
        name = filename
        if compressed and not file_extension and name.endswith('.gz'):
            name = name[:-3]  # 'app.js.gz' is JavaScript too
        ext = name[name.rfind('.') + 1:] if '.' in name else ''
        content_type = cls.types_map.get(ext.lower(),
                                         'application/octet-stream')
    headers = {'Content-Type': content_type}
    if stat is not None:
        headers['Content-Length'] = str(stat[6])
        headers['ETag'] = '"%x-%x"' % (int(stat[8]), stat[6])
    if max_age is None:
        max_age = cls.default_send_file_max_age
    if max_age is not None:
        headers['Cache-Control'] = 'max-age=' + str(max_age)
    if compressed:
        headers['Content-Encoding'] = compressed \
            if isinstance(compressed, str) else 'gzip'
    res = cls(body=stream, status_code=status_code, headers=headers)
    if stat is not None and not compressed and not file_extension:
        gz_stat = _regular_file(path + '.gz')
        if gz_stat is not None:  # a pre-compressed copy: sent to clients
            res.headers['Vary'] = 'Accept-Encoding'  # that take gzip
            res.gzip_variant = (path + '.gz', gz_stat)
    return res


# The stat of path when it is a regular file, else None.
def _regular_file(path):
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat if stat[0] & 0o170000 == 0o100000 else None


# Turns a file response into its pre-compressed variant (name.gz) when the
# request accepts gzip.
def use_gzip_variant(req, res):
    path, stat = res.gzip_variant
    if res.status_code != 200 or not _accepts_gzip(
            req.headers.get('Accept-Encoding')):
        return
    try:
        f = open(path, 'rb')
    except OSError:
        return
    res.body.close()
    res.body = f
    headers = res.headers
    headers['Content-Encoding'] = 'gzip'
    headers['Content-Length'] = str(stat[6])
    headers['ETag'] = '"%x-%x-gz"' % (int(stat[8]), stat[6])


# Whether an Accept-Encoding value takes gzip (a q of 0 refuses it).
def _accepts_gzip(value):
    for part in (value or '').lower().split(','):
        coding, _, params = part.partition(';')
        if coding.strip() in ('gzip', 'x-gzip', '*'):
            i = params.find('q=')
            try:
                return i < 0 or float(params[i + 2:].strip()) > 0
            except ValueError:
                return False
    return False
# filename checked for NUL and, with a root, kept inside that directory.
def _safe_path(filename, root):
    if '\0' in filename:
        raise HTTPException(404, 'Not found')
    if root is None:
        return filename
    parts = []
    for part in filename.replace('\\', '/').split('/'):
        if part == '..' or ':' in part:
            raise HTTPException(404, 'Not found')
        if part and part != '.':
            parts.append(part)
    if not parts:
        raise HTTPException(404, 'Not found')
    return root.rstrip('/') + '/' + '/'.join(parts)


# A conditional GET: when req's If-None-Match names res's ETag (or is '*'),
# the 200 res becomes a 304 without a body (its Content-Length stays).
def check_not_modified(req, res):
    etag = res.headers.get('ETag')
    match = req.headers['If-None-Match']
    if etag is not None and (match.strip() == '*' or etag in [
            m.strip() for m in match.split(',')]):
        if hasattr(res.body, 'close'):
            res.body.close()
        res.status_code = 304
        res.body = b''
