"""A built front-end (dist/ of Vite, webpack, ...) made ready for a board's app folder.

    python3 tools/assets.py SRC APP [--folder static] [--frozen]

Each file of SRC is gzipped, and only the smaller of the two is kept: `name.gz` when
compression really saves bytes (HTML, CSS, JS, SVG, JSON), else `name` as it is (PNG, JPEG,
WOFF2 and other files that are compressed already). The layout of SRC is kept:

    APP/static/index.html.gz, APP/static/assets/app-1234.js.gz, APP/static/logo.png

`make deploy APP=...` copies that folder to the board's filesystem. MicroPython's manifest
freezes only .py files, so with --frozen the same files go instead into
APP/frozen_assets.py, a module of bytes constants that `make firmware APP=...` freezes:
frozen, the bytes stay in flash and cost no RAM. Its FILES dict maps a path ('index.html')
to (gzipped, data). Either form removes the other one, if this tool made it.

The output folder (or module) belongs to this tool: it is replaced on every run, and one that
it did not make is never touched. Hidden files (.DS_Store, ...) are left out.
"""
import argparse
import gzip
import os
import shutil
import sys

MARKER = '.made-by-make-assets'
MODULE = 'frozen_assets'
MODULE_HEADER = '# Made by `make assets`'


def gzip_bytes(data):
    # mtime=0 and no file name: the same input always gives the same bytes
    return gzip.compress(data, compresslevel=9, mtime=0)


def smaller(data):
    """(gzipped, bytes): the gzip stream when it is really smaller, else the data."""
    packed = gzip_bytes(data)
    if len(packed) < len(data):
        return True, packed
    return False, data


def source_files(src):
    """Paths relative to src, with '/', sorted; hidden files and folders left out, and
    the .gz copies some build tools make beside a file (this tool makes its own)."""
    found = []
    for folder, dirs, files in os.walk(src):
        dirs[:] = sorted(d for d in dirs if not d.startswith('.'))
        for name in files:
            if name.startswith('.') or (name.endswith('.gz') and name[:-3] in files):
                continue
            rel = os.path.relpath(os.path.join(folder, name), src)
            found.append(rel.replace(os.sep, '/'))
    return sorted(found)


def packed_files(src):
    """(path, gzipped, bytes) for every file of src."""
    result = []
    for rel in source_files(src):
        with open(os.path.join(src, rel), 'rb') as f:
            gzipped, data = smaller(f.read())
        result.append((rel, gzipped, data))
    return result


def ours(path):
    """Whether path is absent or made by this tool (so it may be replaced)."""
    if os.path.isdir(path):
        return os.path.exists(os.path.join(path, MARKER)) or not os.listdir(path)
    if os.path.isfile(path):
        with open(path, 'rb') as f:
            return f.read(len(MODULE_HEADER)) == MODULE_HEADER.encode()
    return not os.path.exists(path)


def write_folder(files, dest, src):
    if os.path.isdir(dest):
        shutil.rmtree(dest)
    for rel, gzipped, data in files:
        path = os.path.join(dest, rel + ('.gz' if gzipped else ''))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'wb') as f:
            f.write(data)
    os.makedirs(dest, exist_ok=True)
    with open(os.path.join(dest, MARKER), 'w') as f:
        f.write('made by make assets from %s; replaced on every run\n' % src)


def write_module(files, path, src):
    with open(path, 'w') as f:
        f.write('%s from %s: do not edit, run it again.\n' % (MODULE_HEADER, src))
        f.write('# path: (gzipped, data); frozen into the firmware, the data stays '
                'in flash.\n')
        f.write('FILES = {\n')
        for rel, gzipped, data in files:
            f.write('    %r: (%r, %r),\n' % (rel, gzipped, data))
        f.write('}\n')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='the built front-end, e.g. dist/')
    parser.add_argument('app', help='the app folder')
    parser.add_argument('--folder', default='static',
                        help='folder inside APP for the files (default static)')
    parser.add_argument('--frozen', action='store_true',
                        help='write APP/%s.py, to freeze, instead' % MODULE)
    args = parser.parse_args(argv)
    if not os.path.isdir(args.src):
        print('assets: %s is not a folder' % args.src, file=sys.stderr)
        return 2
    files = packed_files(args.src)
    if not files:
        print('assets: %s has no files' % args.src, file=sys.stderr)
        return 2
    folder = os.path.join(args.app, args.folder)
    module = os.path.join(args.app, MODULE + '.py')
    # the one written now, and the other form, which would only take room beside it
    target, other = (module, folder) if args.frozen else (folder, module)
    if not ours(target):
        print('assets: %s exists and was not made by make assets: move it away%s'
              % (target, '' if args.frozen else ' or pick another ASSETS_DIR='),
              file=sys.stderr)
        return 2
    os.makedirs(args.app, exist_ok=True)
    if args.frozen:
        write_module(files, module, args.src)
    else:
        write_folder(files, folder, args.src)
    if os.path.exists(other) and ours(other):
        if os.path.isdir(other):
            shutil.rmtree(other)
        else:
            os.remove(other)
    before = sum(os.path.getsize(os.path.join(args.src, rel)) for rel, _, _ in files)
    after = sum(len(data) for _, _, data in files)
    print('assets: %d files (%d gzipped), %d -> %d bytes, into %s'
          % (len(files), sum(1 for _, gz, _ in files if gz), before, after, target))
    return 0


if __name__ == '__main__':
    sys.exit(main())
