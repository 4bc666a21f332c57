# Updates of the app over HTTP (OTA), for apps that import this module.
#
# An upload (one file, or a bundle: an uncompressed ustar archive) streams
# from request.stream in 512-byte pieces into the staging folder
# APP_DIR/.ota/new, every byte hashed and counted against max_size. Only a
# body whose SHA-256 matches the client's is installed: the list of its files
# ('=name' replaces a file, '+name' adds one) is written to .ota/ready (the
# commit point, made by a rename), then each current file is moved to
# .ota/old and its new version renamed into place, and ready becomes
# .ota/done, the record a rollback undoes. Every step is a rename, and each
# is done again safely after a power cut: recover() (run by OTA() at start)
# finishes a committed swap, or a rollback begun (.ota/undo), and drops a
# staging folder left by an interrupted upload. A failed upload never
# touches the running files. The restart goes through a seam: machine.reset()
# on a board, app.shutdown() elsewhere, or the restart callback given.
#
# ESP32 firmware: POST /firmware streams an app image into the next OTA
# partition (esp32.Partition), sets it to boot only when its SHA-256 matches,
# and OTA() marks a booted image valid (the bootloader rolls back one that
# never gets there). Ports without the esp32 module answer 501.
import asyncio
import binascii
import hashlib
import os

from microdot import Request, abort, invoke_handler, iscoroutine

try:
    import esp32  # pyright: ignore[reportMissingImports]
except ImportError:
    esp32 = None

_busy = False  # one update at a time: they share the staging folder
_task = None  # the pending restart (a reference keeps it alive)


#### files

def _exists(path):
    try:
        os.stat(path)
        return True
    except OSError:
        return False


# Creates the folders above path (path itself excluded).
def _parents(path):
    i = path.find('/', 1)
    while i > 0:
        try:
            os.mkdir(path[:i])
        except OSError:
            pass  # exists
        i = path.find('/', i + 1)


def _rmtree(path):
    try:
        mode = os.stat(path)[0]
    except OSError:
        return
    if mode & 0x4000:
        for name in os.listdir(path):
            _rmtree(path + '/' + name)
        os.rmdir(path)
    else:
        os.remove(path)


def _lines(path):
    with open(path) as f:
        return [line.rstrip('\n') for line in f if len(line) > 1]


# A bundle name that stays inside the app folder, away from .ota.
def _safe(name):
    if not name or name[0] == '/' or '\\' in name or name == '.ota' or \
            name.startswith('.ota/'):
        return False
    for part in name.split('/'):
        if part in ('', '.', '..'):
            return False
    for c in name:
        if c < ' ':
            return False
    return True


#### the swap (root is the app folder without a trailing slash)

# Moves each staged file into place, its old version aside; done again
# after a power cut it carries on where it stopped.
def _swap(root):
    base = root + '/.ota/'
    for line in _lines(base + 'ready'):
        name = line[1:]
        new, cur, old = base + 'new/' + name, root + '/' + name, \
            base + 'old/' + name
        if not _exists(new):
            continue  # moved in already
        if _exists(cur):
            if line[0] == '=' and not _exists(old):
                _parents(old)
                os.rename(cur, old)
            else:
                os.remove(cur)
        _parents(cur)
        os.rename(new, cur)
    os.rename(base + 'ready', base + 'done')
    _rmtree(base + 'new')


# Puts back the files the last swap replaced, and removes those it added.
def _restore(root):
    base = root + '/.ota/'
    for line in _lines(base + 'undo'):
        name = line[1:]
        cur, old = root + '/' + name, base + 'old/' + name
        if line[0] == '=':
            if _exists(old):
                if _exists(cur):
                    os.remove(cur)
                os.rename(old, cur)
        elif _exists(cur):
            os.remove(cur)
    _rmtree(base + 'old')
    os.remove(base + 'undo')


# Installs the verified staging folder; the previous version is kept.
def _commit(root, names):
    base = root + '/.ota/'
    _rmtree(base + 'old')
    _rmtree(base + 'done')
    with open(base + 'ready.tmp', 'w') as f:
        for name in names:
            f.write(('=' if _exists(root + '/' + name) else '+') + name +
                     '\n')
    os.rename(base + 'ready.tmp', base + 'ready')
    try:
        _swap(root)
    except OSError:
        os.rename(base + 'ready', base + 'undo')  # half swapped: undo it
        _restore(root)
        raise


# Finishes what a power cut interrupted; call it before the app starts.
def recover(app_dir):
    root = app_dir.rstrip('/')
    base = root + '/.ota/'
    if _exists(base + 'ready'):
        try:
            _swap(root)
        except OSError:
            os.rename(base + 'ready', base + 'undo')
    if _exists(base + 'undo'):
        _restore(root)
    _rmtree(base + 'new')
    _rmtree(base + 'ready.tmp')


# Brings back the files the last update replaced; False when there is none.
def rollback(app_dir):
    root = app_dir.rstrip('/')
    recover(root)
    base = root + '/.ota/'
    if not _exists(base + 'done'):
        return False
    os.rename(base + 'done', base + 'undo')
    _restore(root)
    return True


#### reading the upload: body is [stream, sha256, bytes still allowed]

async def _read(body, n):
    data = await body[0].read(n)
    body[2] -= len(data)
    if body[2] < 0:
        abort(413, 'Upload too large')
    body[1].update(data)
    return data


async def _exactly(body, n):
    data = await _read(body, n)
    while data and len(data) < n:
        more = await _read(body, n - len(data))
        if not more:
            break
        data += more
    return data


# Writes the next size bytes of the body (all of it when size < 0) to path.
async def _save(body, path, size=-1):
    _parents(path)
    with open(path, 'wb') as f:
        while size:
            data = await _read(body, 512 if size < 0 else min(size, 512))
            if not data:
                if size > 0:
                    abort(400, 'Truncated bundle')
                break
            f.write(data)
            if size > 0:
                size -= len(data)


def _octal(field):
    field = field.rstrip(b' \0').lstrip(b' ')
    return int(field, 8) if field else 0


def _text(field):
    i = field.find(b'\0')
    return (field if i < 0 else field[:i]).decode()


# Unpacks a ustar bundle into stage; returns the file names.
async def _unpack(body, stage):
    names = []
    while True:
        head = await _exactly(body, 512)
        if len(head) < 512 or not any(head):
            if head and len(head) < 512:
                abort(400, 'Truncated bundle')
            break  # the end-of-archive block, or no end block at all
        try:
            ok = _octal(head[148:156]) == sum(head) - sum(head[148:156]) + 256
            size = _octal(head[124:136])
            name = _text(head[:100])
            prefix = _text(head[345:500]) if head[257:262] == b'ustar' else ''
        except ValueError:
            ok = False
        if not ok:
            abort(400, 'Not a tar bundle')
        if prefix:
            name = prefix + '/' + name
        while name.startswith('./'):
            name = name[2:]
        kind = head[156]
        if kind == 0x35:  # a folder: made when a file needs it
            size = 0
        elif kind not in (0x30, 0):
            abort(400, 'Unsupported entry (regular files only): ' + name)
        elif not _safe(name) or name in names:
            abort(400, 'Bad name: ' + name)
        else:
            names.append(name)
            await _save(body, stage + name, size)
        pad = -size % 512
        if pad and len(await _exactly(body, pad)) < pad:
            abort(400, 'Truncated bundle')
    while await _read(body, 512):
        pass  # the zero padding after the end block: hashed too
    if not names:
        abort(400, 'Empty bundle')
    return names


def _sha256(request):
    sha = request.headers.get('X-SHA256') or request.args.get('sha256') or ''
    if len(sha) != 64:
        abort(400, 'The SHA-256 of the upload is missing (X-SHA256)')
    return sha.lower()


def _check(body, sha):
    if binascii.hexlify(body[1].digest()).decode() != sha:
        abort(400, 'SHA-256 mismatch')


#### ESP32 firmware (only where the esp32 module exists)

# Streams an app image into the next OTA partition and makes it boot next.
async def _firmware(request, sha):
    try:
        part = esp32.Partition(esp32.Partition.RUNNING).get_next_update()
    except OSError:
        abort(501, 'This firmware has no OTA partition')
    block_size = part.ioctl(5, 0)
    size = part.ioctl(4, 0) * block_size
    if request.content_length > size:
        abort(413, 'Larger than the OTA partition')
    body = [request.stream, hashlib.sha256(), size]
    buf = bytearray(block_size)
    block = 0
    n = block_size
    while n == block_size:
        n = 0
        while n < block_size:
            data = await _read(body, block_size - n)
            if not data:
                break
            buf[n:n + len(data)] = data
            n += len(data)
        if block == 0 and buf[32:36] != b'\x32\x54\xcd\xab':
            abort(400, 'Not an ESP32 app image (upload micropython.bin)')
        if n:
            for i in range(n, block_size):
                buf[i] = 0xff  # erased flash
            part.writeblocks(block, buf)
            block += 1
    _check(body, sha)  # a bad image is left in the partition, never booted
    try:
        part.set_boot()  # ESP-IDF verifies the image first
    except OSError:
        abort(400, 'The image does not verify')
    return block * block_size


#### the routes

# Runs the restart callback on the loop (it may stop the server).
async def _call(f):
    ret = f()
    if iscoroutine(ret):
        await ret


# Restarts a second after the response has gone: machine.reset() on a
# board, else the server stops (a supervisor starts the new version).
async def _reset(app):
    await asyncio.sleep(1)
    try:
        import machine
        machine.reset()
    except (ImportError, AttributeError):
        app.shutdown()


# A route guard from a verify(request) callback: falsy means 401.
def _verifier(verify):
    def guard(f):
        async def wrapper(request):
            if not await invoke_handler(verify, request):
                return 'Unauthorized', 401
            return await f(request)
        return wrapper
    return guard


# Adds the update routes under url_prefix: GET (status), POST /upload
# (?name=path for one file, else a tar bundle; X-SHA256 header or ?sha256=),
# POST /rollback and POST /firmware. auth is a microdot.auth object or a
# verify(request) callback; it is required. app_dir defaults to the working
# folder ('/' on a board). Raises Request.max_content_length to the largest
# upload accepted: past max_body_length bodies stream, so no RAM is spent.
def OTA(app, auth, url_prefix='/ota', app_dir=None, max_size=256 * 1024,
        restart=None):
    if auth is None:
        raise ValueError('OTA needs auth')
    guard = auth if hasattr(auth, 'authenticate') else _verifier(auth)
    root = (os.getcwd() if app_dir is None else app_dir).rstrip('/')
    restart = restart or (lambda: _reset(app))
    try:
        recover(root)
    except OSError as exc:  # the app still starts, so a fix can be sent
        print('ota: recovery failed:', exc)
    limit = max_size
    firmware_size = 0  # of the next OTA partition, where there is one
    if esp32 is not None:
        try:
            esp32.Partition.mark_app_valid_cancel_rollback()  # booted fine
        except OSError:
            pass  # no rollback support in this firmware
        try:
            part = esp32.Partition(esp32.Partition.RUNNING).get_next_update()
            firmware_size = part.ioctl(4, 0) * part.ioctl(5, 0)
            limit = max(limit, firmware_size)
        except OSError:
            pass
    if Request.max_content_length < limit:
        Request.max_content_length = limit

    def later():
        global _task
        _task = asyncio.create_task(_call(restart))

    async def status(request):
        return {'rollback': _exists(root + '/.ota/done'),
                'firmware': firmware_size > 0}

    async def upload(request):
        global _busy
        sha = _sha256(request)
        name = request.args.get('name')
        if name is not None and not _safe(name):
            abort(400, 'Bad name: ' + name)
        if request.content_length > max_size:
            abort(413, 'Upload too large')
        if _busy:
            abort(409, 'An update is under way')
        _busy = True
        stage = root + '/.ota/new/'
        try:
            recover(root)
            try:
                st = os.statvfs(root or '/')
                if request.content_length > st[1] * st[4]:
                    abort(507, 'Not enough free space')
            except (AttributeError, OSError):
                pass  # no statvfs: a full disk fails the write instead
            _parents(stage)
            body = [request.stream, hashlib.sha256(), max_size]
            if name is None:
                names = await _unpack(body, stage)
            else:
                names = [name]
                await _save(body, stage + name)
            _check(body, sha)
            _commit(root, names)
        except OSError as exc:
            abort(500, 'Update failed (error %s)' % exc.args[0])
        finally:
            _busy = False
            if not _exists(root + '/.ota/ready'):
                _rmtree(stage[:-1])
        later()
        return {'files': names, 'restart': True}

    async def undo(request):
        if _busy:
            abort(409, 'An update is under way')
        if not rollback(root):
            abort(409, 'No previous version')
        later()
        return {'rollback': True, 'restart': True}

    async def firmware(request):
        global _busy
        if esp32 is None:
            abort(501, 'Firmware updates need the esp32 module')
        sha = _sha256(request)
        if _busy:
            abort(409, 'An update is under way')
        _busy = True
        try:
            size = await _firmware(request, sha)
        finally:
            _busy = False
        later()
        return {'firmware': size, 'restart': True}

    app.route(url_prefix)(guard(status))
    app.route(url_prefix + '/upload', ['POST'])(guard(upload))
    app.route(url_prefix + '/rollback', ['POST'])(guard(undo))
    app.route(url_prefix + '/firmware', ['POST'])(guard(firmware))
