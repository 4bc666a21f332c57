"""Makes an update bundle for microdot.ota (and sends it, if asked).

A bundle is an uncompressed tar archive in ustar format: 512-byte headers,
file data padded to 512 bytes, so a board unpacks it while it streams in, with
a 512-byte buffer. Names are relative to the app folder on the board.

    python tools/ota_bundle.py SRC... -o app.tar
    python tools/ota_bundle.py SRC... -o app.tar --upload http://BOARD:5000/ota --token TOKEN

Each SRC is a file (stored under its own name) or a folder (its files, stored
relative to it; __pycache__, hidden files and .tar files are left out). It
prints the bundle's SHA-256, which the board checks before installing it.
`tar --format=ustar -cf app.tar -C my_app .` makes an equivalent bundle.
"""
import argparse
import hashlib
import io
import os
import sys
import tarfile
import urllib.error
import urllib.request


def collect(sources):
    """[(name in the bundle, path on disk)] for the given files and folders."""
    found = []
    for source in sources:
        if os.path.isfile(source):
            found.append((os.path.basename(source), source))
            continue
        if not os.path.isdir(source):
            raise SystemExit('ota_bundle: no such file or folder: ' + source)
        for folder, dirs, files in os.walk(source):
            dirs[:] = sorted(d for d in dirs
                             if d != '__pycache__' and not d.startswith('.'))
            for name in sorted(files):
                if name.startswith('.') or name.endswith('.tar'):
                    continue
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, source).replace(os.sep, '/')
                found.append((rel, path))
    names = [name for name, _ in found]
    for name in names:
        if names.count(name) > 1:
            raise SystemExit('ota_bundle: two files named ' + name)
    return found


def bundle(files):
    """The bytes of a ustar bundle of [(name, path)], reproducible: fixed
    dates, owners and modes."""
    out = io.BytesIO()
    end = 1024  # the two zero blocks that end an archive
    with tarfile.open(fileobj=out, mode='w', format=tarfile.USTAR_FORMAT) \
            as tar:
        for name, path in files:
            info = tarfile.TarInfo(name)
            info.size = os.path.getsize(path)
            info.mode = 0o644
            with open(path, 'rb') as f:
                tar.addfile(info, f)
            end += 512 + -(-info.size // 512) * 512
    # tarfile pads the archive to 10 KB records; the board needs no padding
    return out.getvalue()[:end]


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def upload(url, data, token, timeout=60):
    """POSTs a bundle to the board's OTA url (.../ota): (status, text)."""
    req = urllib.request.Request(
        url.rstrip('/') + '/upload', data=data, method='POST', headers={
            'Authorization': 'Bearer ' + token, 'X-SHA256': sha256(data),
            'Content-Type': 'application/x-tar'})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            return res.status, res.read().decode(errors='replace')
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors='replace')


def main(argv=None):
    parser = argparse.ArgumentParser(
        description='Make (and send) an update bundle for microdot.ota.')
    parser.add_argument('sources', nargs='+', metavar='SRC',
                        help='a file, or a folder whose files go in')
    parser.add_argument('-o', '--output', required=True,
                        help='the bundle to write (.tar)')
    parser.add_argument('--upload', metavar='URL',
                        help="the board's OTA address, http://BOARD:5000/ota")
    parser.add_argument('--token', default=os.environ.get('OTA_TOKEN', ''),
                        help='the bearer token (default: $OTA_TOKEN)')
    args = parser.parse_args(argv)
    files = collect(args.sources)
    if not files:
        raise SystemExit('ota_bundle: no files to bundle')
    data = bundle(files)
    with open(args.output, 'wb') as f:
        f.write(data)
    print('{}: {} files, {} bytes, sha256 {}'.format(
        args.output, len(files), len(data), sha256(data)))
    if args.upload:
        status, text = upload(args.upload, data, args.token)
        print(status, text)
        return 0 if status == 200 else 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
