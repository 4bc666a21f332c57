"""Is there a picotool the Pico SDK will use? Exit 0 if so, else one line and exit 2.

The Pico SDK (2.x, in MicroPython's lib/pico-sdk) makes the .uf2 with picotool. It looks
for an *installed* picotool with CMake's `find_package(picotool <min> CONFIG)`, which finds
the picotoolConfig.cmake that `cmake --install` writes (through picotool_DIR, or a prefix
next to a bin/ folder on PATH). When there is none it downloads and builds picotool in the
middle of the firmware build, which fails with a long CMake error on a machine without
network access or without libusb. This script asks CMake the same question first.

    python3 tools/check_picotool.py --min 2.1.1 [--board RPI_PICO] [--picotool picotool]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

PROBE = '''cmake_minimum_required(VERSION 3.13)
project(picotool_probe NONE)
find_package(picotool CONFIG QUIET NO_CMAKE_FIND_ROOT_PATH)
file(WRITE "${CMAKE_BINARY_DIR}/found.txt"
     "${picotool_FOUND}\\n${picotool_VERSION}\\n${picotool_DIR}\\n")
'''


def parse_version(text):
    match = re.search(r'(\d+)\.(\d+)\.(\d+)', text or '')
    return tuple(int(n) for n in match.groups()) if match else None


def show(version):
    return '.'.join(str(n) for n in version)


# The SDK accepts the same major version, at least the minimum (SameMajorVersion).
def compatible(version, minimum):
    return version is not None and version[0] == minimum[0] and version >= minimum


# (version, folder) of the picotool CMake finds the way the Pico SDK does, or None.
def cmake_finds():
    cmake = shutil.which('cmake')
    if not cmake:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, 'CMakeLists.txt'), 'w') as f:
            f.write(PROBE)
        build = os.path.join(tmp, 'build')
        proc = subprocess.run([cmake, '-S', tmp, '-B', build],
                              capture_output=True, text=True, timeout=120)
        try:
            with open(os.path.join(build, 'found.txt')) as f:
                found, version, folder = (f.read().split('\n') + ['', ''])[:3]
        except OSError:
            return None
    if proc.returncode != 0 or found not in ('1', 'TRUE', 'True', 'ON'):
        return None
    return parse_version(version), folder


# The version `picotool version` prints ("picotool v2.2.0 (Linux, ...)"), or None.
def binary_version(picotool):
    path = shutil.which(picotool)
    if not path:
        return None, None
    try:
        proc = subprocess.run([path, 'version'], capture_output=True, text=True,
                              timeout=30)
    except OSError:
        return path, None
    return path, parse_version(proc.stdout + proc.stderr)


def problem(minimum, picotool):
    """None when the SDK will find a suitable picotool, else what is wrong."""
    if os.environ.get('PICOTOOL_FETCH_FROM_GIT_PATH'):
        return None  # the SDK uses (or builds) the picotool in that folder
    found = cmake_finds()
    if found is not None:
        version, folder = found
        if compatible(version, minimum):
            return None
        return 'the one in %s is %s' % (folder, show(version) if version else
                                        'of an unknown version')
    path, version = binary_version(picotool)
    if path is None:
        return 'none is installed'
    if version is None:
        return '%s does not say its version' % path
    if not compatible(version, minimum):
        return '%s is %s' % (path, show(version))
    return ('%s is %s, but was not installed with its CMake files (cmake --install), '
            'so the SDK cannot find it' % (path, show(version)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--min', default='2.1.1', help='lowest picotool version')
    parser.add_argument('--board', default='RPI_PICO')
    parser.add_argument('--picotool', default='picotool', help='the command')
    args = parser.parse_args(argv)
    minimum = parse_version(args.min)
    what = problem(minimum, args.picotool)
    if what is None:
        return 0
    print('firmware: BOARD=%s needs picotool >= %s (%s): run `make picotool` '
          '(needs cmake and libusb-1.0-0-dev: apt-get install cmake libusb-1.0-0-dev), '
          'or set picotool_DIR=<folder with picotoolConfig.cmake> or '
          'PICOTOOL_FETCH_FROM_GIT_PATH=<folder>'
          % (args.board, args.min, what), file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main())
