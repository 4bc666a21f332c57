# send_file(): a file as a streamed response, kept inside a root directory
# when one is given. Imported on first use.
import os

from microdot.structures import HTTPException


# A cls (Response) streaming filename + file_extension, typed from
# filename's extension, with Content-Length and an ETag for conditional GET.
# send_file('app.js', compressed=True, file_extension='.gz') sends app.js.gz
# as JavaScript with Content-Encoding: gzip.
def file_response(cls, filename, status_code=200, content_type=None,
                  stream=None, max_age=None, compressed=False,
                  file_extension='', root=None):
    if stream is None:
        path = _safe_path(filename, root) + file_extension
        try:
            stat = os.stat(path)
            if stat[0] & 0o170000 != 0o100000:  # not a regular file
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
    return cls(body=stream, status_code=status_code, headers=headers)


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
